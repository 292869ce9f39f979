package feeds_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/newstest"
)

func TestPollFormats(t *testing.T) {
	fs := newFixtureServer(t)
	for _, tc := range []struct {
		name, path      string
		items, articles int
		skipped         int
		url, outlet     string
		published       string
	}{
		{"RSS 2.0", "/rss.xml", 3, 2, 1, "https://wire.example/2017/06/raqa-strikes?id=7", "Example Wire", "2017-06-14T09:00:00Z"},
		{"Atom 1.0", "/atom.xml", 1, 1, 0, "https://daily.example/kobane-shelling", "Atom Example Daily", "2017-06-16T07:00:00Z"},
		{"JSON Feed 1.1", "/feed.json", 1, 1, 0, "https://post.example/raqa-blast", "JSON Example Post", "2017-06-17T12:00:00Z"},
		{"ISO-8859-1 from the XML declaration", "/latin1.xml", 1, 1, 0, "https://cafe.example/raqa", "Le Café Wire", "2017-06-17T09:00:00Z"},
		{"windows-1252 from the header", "/cp1252.xml", 1, 1, 0, "https://cafe.example/raqa", "Le Café Wire", "2017-06-17T09:00:00Z"},
		{"gzip", "/gzip.xml", 1, 1, 0, "https://daily.example/kobane-shelling", "Atom Example Daily", "2017-06-16T07:00:00Z"},
		{"a redirect", "/moved", 3, 2, 1, "https://wire.example/2017/06/raqa-strikes?id=7", "Example Wire", "2017-06-14T09:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, env := mustPoller(t)
			id := mustFeed(t, p, fs.URL+tc.path)
			f, err := p.PollFeed(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tc.outlet {
				t.Errorf("title %q, want the feed's own %q", f.Title, tc.outlet)
			}
			st := f.Status
			if st.LastError != "" || st.HTTPStatus != 200 || st.Items != tc.items || st.Articles != tc.articles || st.Skipped != tc.skipped || st.Events == 0 {
				t.Fatalf("status %+v", st)
			}
			if tc.skipped > 0 && st.SkipReason != "the article text is empty" {
				t.Errorf("skip reason %q", st.SkipReason)
			}
			page, err := env.Store.FindEvents(t.Context(), geo.EventFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(page.Events), st.Events; got != want {
				t.Fatalf("%d events stored, status says %d", got, want)
			}
			found := false
			for _, e := range page.Events {
				if e.Source.URL == tc.url {
					found = true
					if got := e.Source.Published.Format(time.RFC3339); got != tc.published {
						t.Errorf("published %s, want %s", got, tc.published)
					}
				}
			}
			if !found {
				t.Errorf("no event from %s", tc.url)
			}
			if ua := fs.agent(tc.path); !strings.Contains(ua, "geonews") {
				t.Errorf("User-Agent %q does not name geonews", ua)
			}
			items, err := p.Items(t.Context(), id)
			if err != nil || len(items) != tc.items {
				t.Fatalf("%d items kept (%v)", len(items), err)
			}
			for _, it := range items {
				if it.Outlet != tc.outlet {
					t.Errorf("item %s: outlet %q, want %q", it.URL, it.Outlet, tc.outlet)
				}
			}
		})
	}
}

func TestRepoll(t *testing.T) {
	fs := newFixtureServer(t)
	p, env := mustPoller(t)
	id := mustFeed(t, p, fs.URL+"/rss.xml")
	first, err := p.PollFeed(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := env.Store.CountEvents(t.Context())

	// The server answers 304: nothing is read, nothing changes.
	again, err := p.PollFeed(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if again.Status.HTTPStatus != 304 || again.Status.NewItems != 0 || again.Status.Articles != first.Status.Articles || again.ETag != first.ETag {
		t.Errorf("after a 304: %+v", again.Status)
	}

	// The same items under a new ETag (the server lost its validators,
	// an item gained a tracking parameter): nothing new is stored.
	fs.mu.Lock()
	fs.files["/rss.xml"] = []byte(strings.Replace(string(fs.files["/rss.xml"]), "#top", "?utm_campaign=x#top", 1))
	fs.mu.Unlock()
	third, err := p.PollFeed(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if third.Status.HTTPStatus != 200 || third.Status.NewItems != 0 || third.Status.Articles != first.Status.Articles {
		t.Errorf("unchanged feed: %+v", third.Status)
	}
	if n, _ := env.Store.CountEvents(t.Context()); n != stored {
		t.Errorf("re-polling stored %d new events", n-stored)
	}
	if got := fs.count("/rss.xml"); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

// TestPollFaults polls good feeds and broken ones together: each broken one
// gets a clear error and a later poll, the good ones store their events.
func TestPollFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a slow server's timeout")
	}
	fs := newFixtureServer(t)
	p, env := mustPoller(t)
	good := []int64{mustFeed(t, p, fs.URL+"/rss.xml"), mustFeed(t, p, fs.URL+"/feed.json")}
	bad := map[int64]struct {
		status int
		err    string
	}{}
	for _, tc := range []struct {
		path   string
		status int
		err    string
	}{
		{"/malformed.xml", 200, "not a feed"},
		{"/page.html", 200, "not RSS, Atom or JSON Feed (an HTML page?)"},
		{"/huge", 200, "larger than 1048576 bytes"},
		{"/loop", 0, "more than 5 redirects"},
		{"/slow", 200, "timed out"},
		{"/error", 502, "HTTP 502"},
		{"/invalid-utf8", 200, "not valid UTF-8"},
		{"/missing.xml", 404, "HTTP 404"},
		{"/binary", 200, "the server sent image/png, not a feed"},
		{"/binary-untyped", 200, "application/octet-stream, not a feed"},
	} {
		bad[mustFeed(t, p, fs.URL+tc.path)] = struct {
			status int
			err    string
		}{tc.status, tc.err}
	}
	bad[mustFeed(t, p, refusedURL(t))] = struct {
		status int
		err    string
	}{0, "connection refused"}

	start := time.Now()
	p.PollDue(t.Context())
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a poll of every feed took %s", d)
	}
	all, err := p.Feeds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		want, isBad := bad[f.ID]
		switch {
		case isBad:
			if !strings.Contains(f.Status.LastError, want.err) || f.Status.HTTPStatus != want.status || f.Failures != 1 {
				t.Errorf("%s: status %d, error %q, failures %d; want %d, %q", f.URL, f.Status.HTTPStatus, f.Status.LastError, f.Failures, want.status, want.err)
			}
			if f.NextPoll.Before(time.Now().Add(f.Interval)) {
				t.Errorf("%s: next poll %s is not backed off", f.URL, f.NextPoll)
			}
		default:
			if f.Status.LastError != "" || f.Status.Articles == 0 {
				t.Errorf("%s: %+v", f.URL, f.Status)
			}
		}
	}
	if n, _ := env.Store.CountEvents(t.Context()); n == 0 {
		t.Error("the good feeds stored nothing")
	}
	if len(all) != len(good)+len(bad) {
		t.Errorf("%d feeds", len(all))
	}
}

func TestPollerLifecycle(t *testing.T) {
	fs := newFixtureServer(t)
	before := runtime.NumGoroutine()
	env := newstest.MustOpen(t)
	s, err := feeds.Open(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	p := feeds.NewPoller(s, env.Ingest, feeds.PollerOptions{Tick: 10 * time.Millisecond, Fetch: testFetch})
	t.Cleanup(p.Close)
	id := mustFeed(t, p, fs.URL+"/rss.xml")
	slow := mustFeed(t, p, fs.URL+"/slow")
	p.Start(t.Context())
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := p.Feed(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Status.LastPoll.IsZero() && fs.count("/slow") > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the poller did not poll")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	p.Close() // cancels the slow fetch and waits for it
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %s", d)
	}
	f, err := p.Feed(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if f.Status.Articles != 2 {
		t.Errorf("status %+v", f.Status)
	}
	if s, _ := p.Feed(t.Context(), slow); s.Status.LastError != "" || !s.Status.LastPoll.IsZero() {
		t.Errorf("a poll cut short by Close recorded %+v", s.Status)
	}
	checkGoroutines(t, before)
}

// checkGoroutines fails if more goroutines run than before, once the
// test server's idle connections had time to close.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPollPages: an item that carries only a teaser is read from its page
// (readability), under the page's canonical URL and publication time.
func TestPollPages(t *testing.T) {
	fs := newFixtureServer(t)
	for _, tc := range []struct {
		name       string
		fetchPages bool
		url        string
		published  string
		events     bool
	}{
		{"with pages", true, fs.URL + "/reports/night-of-shelling", "2017-06-18T21:30:00Z", true},
		{"without", false, fs.URL + "/article/1", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newstest.MustOpen(t)
			s, err := feeds.Open(env.DB)
			if err != nil {
				t.Fatal(err)
			}
			p := feeds.NewPoller(s, env.Ingest, feeds.PollerOptions{Fetch: testFetch, FetchPages: tc.fetchPages})
			t.Cleanup(p.Close)
			f, err := p.PollFeed(t.Context(), mustFeed(t, p, fs.URL+"/summary.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if f.Status.Articles != 1 || (f.Status.Events > 0) != tc.events {
				t.Fatalf("status %+v", f.Status)
			}
			items, _ := p.Items(t.Context(), f.ID)
			if len(items) != 1 || items[0].URL != tc.url {
				t.Fatalf("items %+v, want URL %s", items, tc.url)
			}
			if tc.published != "" && items[0].Published.Format(time.RFC3339) != tc.published {
				t.Errorf("published %s, want %s", items[0].Published, tc.published)
			}
			if !tc.events {
				return
			}
			page, _ := env.Store.FindEvents(t.Context(), geo.EventFilter{Limit: 10})
			if len(page.Events) == 0 || page.Events[0].Place.Name != "Kobani" || !strings.Contains(page.Events[0].Excerpt, "café") {
				t.Errorf("event %+v", *page.Events[0])
			}
		})
	}
}
