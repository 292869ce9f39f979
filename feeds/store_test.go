package feeds_test

import (
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/pgtest"
)

// TestStoreFeeds runs on both storages: the bbolt file and PostgreSQL.
func TestStoreFeeds(t *testing.T) {
	t.Run("bbolt", func(t *testing.T) {
		p, _ := mustPoller(t)
		testStoreFeeds(t, p)
	})
	t.Run("postgres", func(t *testing.T) {
		p, _ := mustPGPoller(t, pgtest.DB(t))
		testStoreFeeds(t, p)
	})
}

func testStoreFeeds(t *testing.T, p *feeds.Poller) {
	ctx := t.Context()
	a := &feeds.Feed{URL: "https://a.example/rss", Title: "A"}
	if err := p.CreateFeed(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.ID != 1 || a.Interval != feeds.DefaultInterval || a.Created.IsZero() {
		t.Errorf("created %+v", a)
	}
	for _, tc := range []struct {
		name string
		f    feeds.Feed
		code string
	}{
		{"second feed", feeds.Feed{URL: "https://b.example/atom", Interval: time.Hour}, ""},
		{"same URL", feeds.Feed{URL: "HTTPS://A.example/rss"}, geo.ECONFLICT},
		{"file URL", feeds.Feed{URL: "file:///etc/passwd"}, geo.EINVALID},
		{"interval too short", feeds.Feed{URL: "https://c.example/", Interval: time.Second}, geo.EINVALID},
		{"interval too long", feeds.Feed{URL: "https://c.example/", Interval: 30 * 24 * time.Hour}, geo.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.ErrorCode(p.CreateFeed(ctx, &tc.f)); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	all, err := p.Feeds(ctx)
	if err != nil || len(all) != 2 || all[0].Title != "A" || all[1].Interval != time.Hour {
		t.Fatalf("feeds %v, %v", all, err)
	}
	if err := p.DeleteFeed(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Feed(ctx, a.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("deleted feed: %v", err)
	}
	if err := p.DeleteFeed(ctx, a.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := p.PollFeed(ctx, 99); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("polling an unknown feed: %v", err)
	}
}
