package feeds_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/internal/newstest"
)

// TestSoak runs the background poller over 200 feeds of 20 distinct items
// (half the servers answer conditional GETs, half always send the feed)
// for several rounds: every article is stored once, re-polls store nothing,
// the heap stays bounded and no goroutine outlives Close.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 4,000 articles")
	}
	const nFeeds, nItems = 200, 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var feed int
		fmt.Sscanf(r.URL.Path, "/%d", &feed)
		etag := fmt.Sprintf(`"f%d"`, feed)
		if feed%2 == 0 && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if feed%2 == 0 {
			w.Header().Set("ETag", etag)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(benchFeed(0, feed, nItems)))
	}))
	defer srv.Close()
	before := runtime.NumGoroutine()
	env := newstest.MustOpen(t)
	s, err := feeds.Open(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64 // the poller's now, in Unix ns; a round moves it a day on
	clock.Store(time.Now().UnixNano())
	p := feeds.NewPoller(s, env.Ingest, feeds.PollerOptions{Tick: 20 * time.Millisecond, Fetch: testFetch,
		Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	for i := range nFeeds {
		mustFeed(t, p, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	p.Start(t.Context())
	start := time.Now()
	var peak uint64
	for round := range 3 {
		now := time.Unix(0, clock.Load())
		deadline := time.Now().Add(60 * time.Second)
		for polled := 0; polled < nFeeds; {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			all, err := p.Feeds(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			polled = 0
			for _, f := range all {
				if !f.Status.LastPoll.Before(now.UTC()) {
					polled++
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d of %d feeds polled", round, polled, nFeeds)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("round %d: %d feeds polled in %.1fs", round, nFeeds, time.Since(start).Seconds())
		clock.Add(int64(24 * time.Hour)) // every feed is due again
	}
	p.Close()
	all, _ := p.Feeds(t.Context())
	articles := 0
	for _, f := range all {
		if f.Status.LastError != "" {
			t.Errorf("%s: %s", f.URL, f.Status.LastError)
		}
		articles += f.Status.Articles
	}
	if articles != nFeeds*nItems {
		t.Errorf("%d articles stored, want each of %d once", articles, nFeeds*nItems)
	}
	if peak > 256<<20 {
		t.Errorf("heap in use peaked at %d MB", peak>>20)
	}
	t.Logf("heap in use peaked at %d MB", peak>>20)
	checkGoroutines(t, before)
}
