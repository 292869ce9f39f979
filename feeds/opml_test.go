package feeds_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
)

func TestOPMLImport(t *testing.T) {
	p, _ := mustPoller(t)
	f, err := os.Open("testdata/reader.opml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, err := feeds.ReadOPML(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(list), 4; got != want {
		t.Fatalf("%d feeds read, want %d", got, want)
	}
	res, err := p.ImportFeeds(t.Context(), list)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 2 || res.Added[0].Title != "Example Wire" || res.Added[1].Title != "Daily Example" {
		t.Errorf("added %+v", res.Added)
	}
	if len(res.Skipped) != 2 || !strings.Contains(res.Skipped["file:///home/me/feed.xml"], "only http and https") ||
		!strings.Contains(res.Skipped["https://wire.example/rss.xml"], "already followed") {
		t.Errorf("skipped %v", res.Skipped)
	}
}

func TestOPMLRoundTrip(t *testing.T) {
	p, _ := mustPoller(t)
	for _, f := range []*feeds.Feed{
		{URL: "https://a.example/rss", Title: "A & B <wire>", Interval: 15 * time.Minute},
		{URL: "https://b.example/feed.json?x=1&y=2"},
	} {
		if err := p.CreateFeed(t.Context(), f); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := p.Feeds(t.Context())
	var buf bytes.Buffer
	if err := feeds.WriteOPML(&buf, all, time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	back, err := feeds.ReadOPML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(all) {
		t.Fatalf("%d feeds back, want %d:\n%s", len(back), len(all), buf.String())
	}
	for i, f := range back {
		want := all[i]
		title := want.Title
		if title == "" {
			title = want.URL // the outline's text
		}
		if f.URL != want.URL || f.Title != title || f.Interval != want.Interval {
			t.Errorf("feed %d: %+v, want %+v", i, f, want)
		}
	}
}

func TestOPMLInvalid(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"not XML", "url1\nurl2\n"},
		{"an RSS feed", `<rss version="2.0"><channel><title>x</title></channel></rss>`},
		{"no feeds", `<opml version="2.0"><head/><body><outline text="empty"/></body></opml>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := feeds.ReadOPML(strings.NewReader(tc.doc)); geo.ErrorCode(err) != geo.EINVALID {
				t.Errorf("error %v, want EINVALID", err)
			}
		})
	}
}
