package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// outletRSS is an invented feed of two items, one of them a place the test
// gazetteer knows; their pages ({{base}}/1, /2) answer 500, so that
// the items' summaries are read.
const outletRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>
<item><title>Strikes</title><link>{{base}}/1?utm_source=rss</link><pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate>
<description>Air strikes hit Raqa on Tuesday, killing four people, local officials said.</description></item>
<item><title>Weather</title><link>{{base}}/2</link><description>Sunny spells and light winds.</description></item>
</channel></rss>`

// newOutlet serves outletRSS at /rss and a 500 everywhere else.
func newOutlet(t *testing.T) *httptest.Server {
	srv, _ := newCountingOutlet(t)
	return srv
}

// newCountingOutlet is newOutlet, counting the requests for /rss.
func newCountingOutlet(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			n.Add(1)
		}
		if r.URL.Path != "/rss" {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(strings.ReplaceAll(outletRSS, "{{base}}", "http://"+r.Host)))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestFeedsCommands(t *testing.T) {
	db := mustGazetteerDB(t)
	other := mustGazetteerDB(t)
	opml := filepath.Join(t.TempDir(), "feeds.opml")
	outlet := newOutlet(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of it
		stderr string
	}{
		{"help", []string{"feeds", "--help"}, 0, "", "Subcommands:"},
		{"add help", []string{"feeds", "add", "--help"}, 0, "", "--interval"},
		{"list help", []string{"feeds", "list", "--help"}, 0, "", "Usage: geonews feeds list"},
		{"remove help", []string{"feeds", "remove", "--help"}, 0, "", "Usage: geonews feeds remove"},
		{"poll help", []string{"feeds", "poll", "--help"}, 0, "", "--once"},
		{"add", []string{"feeds", "add", "--db", db, "--interval", "15m", "--title", "Wire", outlet.URL + "/rss"}, 0, "following feed 1", ""},
		{"add a broken one", []string{"feeds", "add", "--db", db, outlet.URL + "/down"}, 0, "following feed 2", ""},
		{"add again", []string{"feeds", "add", "--db", db, outlet.URL + "/rss"}, 1, "", "already followed"},
		{"add a file", []string{"feeds", "add", "--db", db, "file:///etc/passwd"}, 1, "", "only http and https"},
		{"add no URL", []string{"feeds", "add", "--db", db}, 2, "", "one URL expected"},
		{"list", []string{"feeds", "list", "--db", db}, 0, "never", ""},
		{"poll once", []string{"feeds", "poll", "--once", "--db", db}, 1, "HTTP 500", "1 of 2 feeds failed"},
		{"list after", []string{"feeds", "list", "--db", db}, 0, "HTTP 500 Internal Server Error", ""},
		{"remove", []string{"feeds", "remove", "--db", db, "2"}, 0, "removed feed 2", ""},
		{"poll once more", []string{"feeds", "poll", "--once", "--db", db}, 0, "Wire", ""},
		{"remove again", []string{"feeds", "remove", "--db", db, "2"}, 1, "", "not found"},
		{"remove not a number", []string{"feeds", "remove", "--db", db, "two"}, 2, "", "not a number"},
		{"unknown", []string{"feeds", "follow"}, 2, "", "unknown subcommand"},
		{"export", []string{"feeds", "export", "--db", db, "-"}, 0, `xmlUrl="` + outlet.URL + `/rss"`, ""},
		{"export to a file", []string{"feeds", "export", "--db", db, opml}, 0, "", ""},
		{"import into another DB", []string{"feeds", "import", "--db", other, opml}, 0, "following feed 1: " + outlet.URL + "/rss every 15m0s", ""},
		{"import again", []string{"feeds", "import", "--db", other, opml}, 1, "", "already followed"},
		{"import not OPML", []string{"feeds", "import", "--db", other, db}, 1, "", "not an OPML document"},
		{"import help", []string{"feeds", "import", "--help"}, 0, "", "OPML"},
		{"export help", []string{"feeds", "export", "--help"}, 0, "", "OPML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runEventsCmd(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
		})
	}
	if n := countEvents(t, db); n != 1 {
		t.Errorf("%d events stored, want the strike in Raqa once", n)
	}
}

// TestServeFeeds: a feed followed before the server starts is polled by it
// at once, its status shows in GET /feeds, and the server stops cleanly
// with the polled events in a consistent DB.
func TestServeFeeds(t *testing.T) {
	db := mustGazetteerDB(t)
	outlet := newOutlet(t)
	if code, _, errs := runEventsCmd(t, "", "feeds", "add", "--db", db, outlet.URL+"/rss"); code != 0 {
		t.Fatal(errs)
	}
	s := startServe(t, db, nil, "--token", "feeds-token")
	s.token = "feeds-token"
	var list struct {
		Feeds []struct {
			ID     int64
			Status struct {
				LastPoll *time.Time `json:"last_poll"`
				Articles int
				Events   int
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.do(t, "GET", "/feeds", "")
		if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if len(list.Feeds) == 1 && list.Feeds[0].Status.LastPoll != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not polled: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := list.Feeds[0].Status; st.Articles != 2 || st.Events != 1 {
		t.Errorf("status %+v", st)
	}
	// The first poll saves its status just before it lets go of the feed:
	// until then a poll now is a 409 that says so.
	r := s.write(t, "POST", "/feeds/1/poll", "")
	for r.status == 409 && strings.Contains(string(r.body), "is being polled") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		r = s.write(t, "POST", "/feeds/1/poll", "")
	}
	if r.status != 200 || !strings.Contains(string(r.body), `"new_items":0`) {
		t.Errorf("poll now: %d %s", r.status, r.body)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := countEvents(t, db); n != 1 {
		t.Errorf("%d events stored", n)
	}
}
