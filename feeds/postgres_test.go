package feeds_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/internal/newstest"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/geonews/geonews/postgis"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// mustPGPoller returns a node's poller on the PostgreSQL database at url:
// its own connections, event store and feed store, all closed when the
// test ends. Nodes on one url share the feeds and the events.
func mustPGPoller(t *testing.T, url string) (*feeds.Poller, *postgis.Store) {
	t.Helper()
	pg, err := postgis.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	s, err := feeds.OpenPostgres(t.Context(), pg.Pool())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	env := newstest.MustOpen(t) // the gazetteer
	p := feeds.NewPoller(s, ingest.New(env.Parser, pg), feeds.PollerOptions{Workers: 3, Fetch: testFetch})
	t.Cleanup(p.Close)
	return p, pg
}

// TestPGNodesPollOnce: two nodes on one database, polling the same due
// feeds at the same moments, fetch each feed once and store its events once.
func TestPGNodesPollOnce(t *testing.T) {
	fs := newFixtureServer(t)
	url := pgtest.DB(t)
	a, pg := mustPGPoller(t, url)
	b, _ := mustPGPoller(t, url)
	paths := []string{"/rss.xml", "/atom.xml", "/feed.json"}
	for _, path := range paths {
		mustFeed(t, a, fs.URL+path)
	}
	if all, err := b.Feeds(t.Context()); err != nil || len(all) != len(paths) {
		t.Fatalf("node B sees %d feeds (%v), want %d", len(all), err, len(paths))
	}
	for range 3 {
		var wg sync.WaitGroup
		for _, p := range []*feeds.Poller{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); p.PollDue(t.Context()) }()
		}
		wg.Wait()
	}
	events := 0
	all, err := a.Feeds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.Status.LastError != "" || f.Status.Events == 0 {
			t.Errorf("feed %s: %+v", f.URL, f.Status)
		}
		events += f.Status.Events
	}
	for _, path := range paths {
		if n := fs.count(path); n != 1 {
			t.Errorf("%s fetched %d times by two nodes, want once", path, n)
		}
	}
	if n, err := pg.CountEvents(t.Context()); err != nil || n != events {
		t.Errorf("%d events stored (%v), the feeds say %d", n, err, events)
	}
}

// TestPGPollLock: while one node polls a feed, another node's poll of it
// is refused as a conflict; a node that closes releases its locks.
func TestPGPollLock(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a slow feed's timeout")
	}
	fs := newFixtureServer(t)
	url := pgtest.DB(t)
	a, _ := mustPGPoller(t, url)
	b, _ := mustPGPoller(t, url)
	id := mustFeed(t, a, fs.URL+"/slow")
	done := make(chan error, 1)
	go func() { _, err := a.PollFeed(t.Context(), id); done <- err }()
	for fs.count("/slow") == 0 { // a is fetching it, holding its lock
		select {
		case err := <-done:
			t.Fatalf("node A's poll ended before the feed was fetched: %v", err)
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := b.PollFeed(t.Context(), id); geo.ErrorCode(err) != geo.ECONFLICT {
		t.Errorf("node B polled a feed node A was polling: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f, err := b.PollFeed(t.Context(), id)
	if err != nil {
		t.Fatalf("after node A's poll: %v", err)
	}
	if f.Status.LastError == "" || f.Failures != 2 {
		t.Errorf("the slow feed's second poll: failures %d, %+v", f.Failures, f.Status)
	}
}
