package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/geonews/geonews/geo"
	bolt "go.etcd.io/bbolt"
)

var _ Storage = (*Store)(nil)

var (
	bucketFeeds = []byte("feeds")       // feed ID → feedRecord
	bucketItems = []byte("feeds_items") // item key → Item
	bucketSigs  = []byte("feeds_sig")   // item key → MinHash signature + URL
	bucketBands = []byte("feeds_band")  // band key + item key → nothing
)

// Store keeps the feeds and the items read from them in the geonews bbolt
// file. It is safe for concurrent use; the file's lock keeps other
// processes out, so a poll needs no lock beyond the poller's own.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// Open returns a store on db, creating its buckets if db is writable.
func Open(db *bolt.DB) (*Store, error) {
	s := &Store{db: db, now: time.Now}
	if db.IsReadOnly() {
		return s, nil
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketFeeds, bucketItems, bucketSigs, bucketBands} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CreateFeed follows a new feed: its URL is checked and normalised, a zero
// interval is DefaultInterval, and it gets an ID and is due at once. A URL
// already followed is a geo.ECONFLICT error.
func (s *Store) CreateFeed(ctx context.Context, f *Feed) error {
	if err := checkNewFeed(f, s.now()); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeeds)
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r feedRecord
			if err := json.Unmarshal(v, &r); err == nil && r.URL == f.URL {
				return geo.Errorf(geo.ECONFLICT, "feed %s is already followed (id %d)", f.URL, binary.BigEndian.Uint64(k))
			}
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		f.ID = int64(seq)
		v, err := encodeFeed(f)
		if err != nil {
			return err
		}
		return b.Put(feedKey(f.ID), v)
	})
}

// Feed returns one feed, or a geo.ENOTFOUND error.
func (s *Store) Feed(ctx context.Context, id int64) (*Feed, error) {
	var f *Feed
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		f, err = getFeed(tx, id)
		return err
	})
	return f, err
}

func getFeed(tx *bolt.Tx, id int64) (*Feed, error) {
	b := tx.Bucket(bucketFeeds)
	var v []byte
	if b != nil {
		v = b.Get(feedKey(id))
	}
	if v == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "feed %d not found", id)
	}
	return decodeFeed(id, v)
}

// Feeds returns every feed, by ID.
func (s *Store) Feeds(ctx context.Context) ([]*Feed, error) {
	fs := []*Feed{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeeds)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			f, err := decodeFeed(int64(binary.BigEndian.Uint64(k)), v)
			if err != nil {
				return fmt.Errorf("feed %x: %w", k, err)
			}
			fs = append(fs, f)
			return nil
		})
	})
	return fs, err
}

// DeleteFeed stops following a feed (geo.ENOTFOUND if absent). The events
// and items read from it stay.
func (s *Store) DeleteFeed(ctx context.Context, id int64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getFeed(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketFeeds).Delete(feedKey(id))
	})
}

// itemKey is the key of an item: a hash of its canonical URL (or of its
// GUID or text when it has none), long enough never to collide by chance.
func itemKey(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:16]
}

// unreadItems returns the indexes of keys not yet stored as read.
func (s *Store) unreadItems(ctx context.Context, keys [][]byte) ([]int, error) {
	var out []int
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for i, k := range keys {
			if b == nil || b.Get(k) == nil {
				out = append(out, i)
			}
		}
		return nil
	})
	return out, err
}

// Items returns the items read from a feed, in no particular order. It
// reads every item of every feed: a tool for people, not for the poller.
func (s *Store) Items(ctx context.Context, feed int64) ([]*Item, error) {
	var out []*Item
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("item %x: %w", k, err)
			}
			if it.Feed == feed {
				out = append(out, &it)
			}
			return nil
		})
	})
	return out, err
}

// markItems records items as read, in one transaction.
func (s *Store) markItems(ctx context.Context, keys [][]byte, recs []Item) error {
	vs := make([][]byte, len(recs))
	for i, r := range recs {
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		vs[i] = v
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for i, k := range keys {
			if err := b.Put(k, vs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// savePoll writes a feed after a poll, unless it was deleted meanwhile. The
// poller never polls one feed twice at once, so nothing else wrote it.
func (s *Store) savePoll(ctx context.Context, f *Feed) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getFeed(tx, f.ID); geo.ErrorCode(err) == geo.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		v, err := encodeFeed(f)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketFeeds).Put(feedKey(f.ID), v)
	})
}

// claimOriginals finds, for each text, an earlier article it is a copy of
// (see similar.go) and returns that article's URL, or "" for an original,
// whose signature is then stored so that later copies find it. It runs in
// one transaction, so copies polled at the same time in two feeds, or in
// one batch, find each other. keys are the texts' item keys; an item
// matches itself only when read again, and is then no copy.
func (s *Store) claimOriginals(ctx context.Context, keys [][]byte, texts, urls []string) ([]string, error) {
	out := make([]string, len(texts))
	err := s.db.Update(func(tx *bolt.Tx) error {
		sigs, bandsB := tx.Bucket(bucketSigs), tx.Bucket(bucketBands)
		for i, text := range texts {
			sig, ok := textSignature(text)
			if !ok {
				continue
			}
			bks := sig.bandKeys()
			seen := map[string]bool{string(keys[i]): true}
			for _, bk := range bks {
				c := bandsB.Cursor()
				for k, _ := c.Seek(bk[:]); k != nil && bytes.HasPrefix(k, bk[:]); k, _ = c.Next() {
					other := k[len(bk):]
					if seen[string(other)] {
						continue
					}
					seen[string(other)] = true
					v := sigs.Get(other)
					if osig, ok := decodeSignature(v); ok && similarity(&sig, &osig) >= CopyThreshold {
						out[i] = string(v[sigSize*4:])
						break
					}
				}
				if out[i] != "" {
					break
				}
			}
			if out[i] != "" {
				continue
			}
			if err := sigs.Put(keys[i], append(sig.encode(), urls[i]...)); err != nil {
				return err
			}
			for _, bk := range bks {
				if err := bandsB.Put(append(bk[:len(bk):len(bk)], keys[i]...), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

// lockPoll always succeeds: no other process can open the file.
func (s *Store) lockPoll(ctx context.Context, id int64) (func(), bool, error) {
	return func() {}, true, nil
}
