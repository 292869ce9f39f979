package feeds

import (
	"context"
	"time"

	"github.com/geonews/geonews/geo"
)

// Storage keeps the feeds and the items read from them: Store in the
// geonews bbolt file, PGStore in PostgreSQL, shared by several nodes. Its
// unexported methods are the poller's; only this package implements it.
type Storage interface {
	// CreateFeed follows a new feed (see Store.CreateFeed).
	CreateFeed(ctx context.Context, f *Feed) error
	// Feed returns one feed, or a geo.ENOTFOUND error.
	Feed(ctx context.Context, id int64) (*Feed, error)
	// Feeds returns every feed, by ID.
	Feeds(ctx context.Context) ([]*Feed, error)
	// DeleteFeed stops following a feed (geo.ENOTFOUND if absent).
	DeleteFeed(ctx context.Context, id int64) error
	// Items returns the items read from a feed.
	Items(ctx context.Context, feed int64) ([]*Item, error)
	// ImportFeeds follows every feed of list not followed yet.
	ImportFeeds(ctx context.Context, list []*Feed) (*ImportResult, error)

	// unreadItems returns the indexes of keys not yet stored as read.
	unreadItems(ctx context.Context, keys [][]byte) ([]int, error)
	// markItems records items as read, all or none.
	markItems(ctx context.Context, keys [][]byte, recs []Item) error
	// savePoll writes a feed after a poll, unless it was deleted meanwhile.
	savePoll(ctx context.Context, f *Feed) error
	// claimOriginals finds, for each text, the URL of an earlier article
	// it copies, or "" for an original, whose signature it then stores:
	// one claim at a time, so copies polled at once find each other.
	claimOriginals(ctx context.Context, keys [][]byte, texts, urls []string) ([]string, error)
	// lockPoll takes the right to poll feed id, for every process that
	// shares the storage; ok is false when another holds it. unlock gives
	// it back.
	lockPoll(ctx context.Context, id int64) (unlock func(), ok bool, err error)
}

// checkNewFeed checks and normalises a feed about to be followed: its URL,
// its interval (zero is DefaultInterval) and title; it is created now and
// due at once.
func checkNewFeed(f *Feed, now time.Time) error {
	u, err := CheckURL(f.URL)
	if err != nil {
		return err
	}
	f.URL = u
	if f.Interval == 0 {
		f.Interval = DefaultInterval
	}
	if err := CheckInterval(f.Interval); err != nil {
		return err
	}
	if len(f.Title) > geo.MaxTitleLen {
		return geo.Errorf(geo.EINVALID, "title is longer than %d bytes", geo.MaxTitleLen)
	}
	f.Created, f.NextPoll = now.UTC().Truncate(time.Second), time.Time{}
	return nil
}
