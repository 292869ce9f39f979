package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/pgerr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgSchema is the feeds' tables: a feed's record is the JSON the bbolt
// store keeps (feedRecord), an item's the Item JSON, under the same keys.
const pgSchema = `
CREATE TABLE IF NOT EXISTS geonews_feeds (
	id     bigserial PRIMARY KEY,
	url    text NOT NULL UNIQUE,
	record jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS geonews_feed_items (
	key  bytea PRIMARY KEY, -- itemKey
	feed bigint NOT NULL,
	item jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS geonews_feed_items_feed ON geonews_feed_items (feed);
-- the MinHash signatures of original articles (similar.go) and their bands
CREATE TABLE IF NOT EXISTS geonews_feed_sigs (
	key bytea PRIMARY KEY,
	sig bytea NOT NULL,
	url text NOT NULL
);
CREATE TABLE IF NOT EXISTS geonews_feed_bands (
	band bytea NOT NULL,
	key  bytea NOT NULL,
	PRIMARY KEY (band, key)
);
`

// Advisory lock keys (the two-integer form, apart from the one-bigint keys
// of the event schema's migrations): the schema's creation, a feed's poll
// (with the feed's ID) and the claims of originals.
const (
	lockSpace  = 0x66656564 // "feed"
	lockSchema = -1
	lockClaims = -2
)

// PGStore keeps the feeds and their items in PostgreSQL, shared by every
// geonews node on the database: a feed is polled by one node at a time
// (a session advisory lock, which PostgreSQL drops with a node's
// connection), and copies of one article read by two nodes at once are
// told apart as on one node. It is safe for concurrent use.
type PGStore struct {
	pool *pgxpool.Pool
	now  func() time.Time

	lockMu   sync.Mutex
	lockConn *pgx.Conn // the session of this node's poll locks
}

var _ Storage = (*PGStore)(nil)

// OpenPostgres returns the feed store in pool's database, creating its
// tables if needed (nodes starting together take turns).
func OpenPostgres(ctx context.Context, pool *pgxpool.Pool) (*PGStore, error) {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockSpace, lockSchema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgSchema)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("feeds: create tables: %w", dbError(err))
	}
	return &PGStore{pool: pool, now: time.Now}, nil
}

func dbError(err error) error { return pgerr.Map("feeds", err) }

// CreateFeed follows a new feed, as Store.CreateFeed does.
func (s *PGStore) CreateFeed(ctx context.Context, f *Feed) error {
	if err := checkNewFeed(f, s.now()); err != nil {
		return err
	}
	rec, err := encodeFeed(f)
	if err != nil {
		return err
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO geonews_feeds (url, record) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING RETURNING id`,
		f.URL, string(rec)).Scan(&f.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		var id int64
		if err := s.pool.QueryRow(ctx, `SELECT id FROM geonews_feeds WHERE url = $1`, f.URL).Scan(&id); err != nil {
			return dbError(err)
		}
		return geo.Errorf(geo.ECONFLICT, "feed %s is already followed (id %d)", f.URL, id)
	}
	return dbError(err)
}

// Feed returns one feed, or a geo.ENOTFOUND error.
func (s *PGStore) Feed(ctx context.Context, id int64) (*Feed, error) {
	var rec []byte
	err := s.pool.QueryRow(ctx, `SELECT record FROM geonews_feeds WHERE id = $1`, id).Scan(&rec)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.Errorf(geo.ENOTFOUND, "feed %d not found", id)
	} else if err != nil {
		return nil, dbError(err)
	}
	return decodeFeed(id, rec)
}

// Feeds returns every feed, by ID.
func (s *PGStore) Feeds(ctx context.Context) ([]*Feed, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, record FROM geonews_feeds ORDER BY id`)
	if err != nil {
		return nil, dbError(err)
	}
	fs := []*Feed{}
	for rows.Next() {
		var id int64
		var rec []byte
		if err := rows.Scan(&id, &rec); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		f, err := decodeFeed(id, rec)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("feed %d: %w", id, err)
		}
		fs = append(fs, f)
	}
	return fs, dbError(rows.Err())
}

// DeleteFeed stops following a feed (geo.ENOTFOUND if absent). The events
// and items read from it stay.
func (s *PGStore) DeleteFeed(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM geonews_feeds WHERE id = $1`, id)
	if err != nil {
		return dbError(err)
	}
	if tag.RowsAffected() == 0 {
		return geo.Errorf(geo.ENOTFOUND, "feed %d not found", id)
	}
	return nil
}

// Items returns the items read from a feed, in no particular order.
func (s *PGStore) Items(ctx context.Context, feed int64) ([]*Item, error) {
	rows, err := s.pool.Query(ctx, `SELECT item FROM geonews_feed_items WHERE feed = $1`, feed)
	if err != nil {
		return nil, dbError(err)
	}
	var out []*Item
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		var it Item
		if err := json.Unmarshal(b, &it); err != nil {
			rows.Close()
			return nil, fmt.Errorf("item of feed %d: %w", feed, err)
		}
		out = append(out, &it)
	}
	return out, dbError(rows.Err())
}

// ImportFeeds follows every feed of list that is not followed yet.
func (s *PGStore) ImportFeeds(ctx context.Context, list []*Feed) (*ImportResult, error) {
	return importFeeds(ctx, s, list)
}

func (s *PGStore) unreadItems(ctx context.Context, keys [][]byte) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT key FROM geonews_feed_items WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, dbError(err)
	}
	read := map[string]bool{}
	for rows.Next() {
		var k []byte
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		read[string(k)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err)
	}
	var out []int
	for i, k := range keys {
		if !read[string(k)] {
			out = append(out, i)
		}
	}
	return out, nil
}

func (s *PGStore) markItems(ctx context.Context, keys [][]byte, recs []Item) error {
	feedIDs := make([]int64, len(recs))
	items := make([]string, len(recs))
	for i, r := range recs {
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		feedIDs[i], items[i] = r.Feed, string(v)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO geonews_feed_items (key, feed, item)
		SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::jsonb[])
		ON CONFLICT (key) DO UPDATE SET feed = EXCLUDED.feed, item = EXCLUDED.item`, keys, feedIDs, items)
	return dbError(err)
}

func (s *PGStore) savePoll(ctx context.Context, f *Feed) error {
	rec, err := encodeFeed(f)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE geonews_feeds SET record = $2 WHERE id = $1`, f.ID, string(rec))
	return dbError(err)
}

// claimOriginals is Store.claimOriginals in one transaction that holds the
// claims' lock, so two nodes claiming copies of one article at once see
// each other's.
func (s *PGStore) claimOriginals(ctx context.Context, keys [][]byte, texts, urls []string) ([]string, error) {
	out := make([]string, len(texts))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockSpace, lockClaims); err != nil {
			return err
		}
		for i, text := range texts {
			sig, ok := textSignature(text)
			if !ok {
				continue
			}
			bks := sig.bandKeys()
			bands := make([][]byte, len(bks))
			for b := range bks {
				bands[b] = bks[b][:]
			}
			rows, err := tx.Query(ctx, `SELECT DISTINCT s.key, s.sig, s.url FROM geonews_feed_bands b
				JOIN geonews_feed_sigs s ON s.key = b.key WHERE b.band = ANY($1) AND b.key <> $2 ORDER BY s.key`, bands, keys[i])
			if err != nil {
				return err
			}
			for rows.Next() {
				var k, v []byte
				var u string
				if err := rows.Scan(&k, &v, &u); err != nil {
					rows.Close()
					return err
				}
				if osig, ok := decodeSignature(v); ok && out[i] == "" && similarity(&sig, &osig) >= CopyThreshold {
					out[i] = u
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if out[i] != "" {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO geonews_feed_sigs (key, sig, url) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET sig = EXCLUDED.sig, url = EXCLUDED.url`, keys[i], sig.encode(), urls[i]); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO geonews_feed_bands (band, key) SELECT unnest($1::bytea[]), $2 ON CONFLICT DO NOTHING`,
				bands, keys[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, dbError(err)
}

// lockPoll takes the feed's advisory lock in the node's lock session, a
// connection of its own that holds every lock of this node's polls (the
// poller itself keeps two of its polls apart); if the node dies, PostgreSQL
// drops its locks with that connection.
func (s *PGStore) lockPoll(ctx context.Context, id int64) (func(), bool, error) {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if s.lockConn == nil || s.lockConn.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		if err != nil {
			return nil, false, dbError(err)
		}
		s.lockConn = conn
	}
	conn := s.lockConn
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockSpace, int32(id)).Scan(&ok); err != nil {
		s.dropLockConn()
		return nil, false, dbError(err)
	}
	if !ok {
		return nil, false, nil
	}
	unlock := func() {
		s.lockMu.Lock()
		defer s.lockMu.Unlock()
		if s.lockConn != conn {
			return // the session ended, and its locks with it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockSpace, int32(id)); err != nil {
			s.dropLockConn()
		}
	}
	return unlock, true, nil
}

// dropLockConn closes the lock session, releasing its locks; the next
// lockPoll opens another. The caller holds lockMu.
func (s *PGStore) dropLockConn() {
	if s.lockConn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.lockConn.Close(ctx)
		s.lockConn = nil
	}
}

// Close ends the lock session. The pool is the caller's.
func (s *PGStore) Close() error {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	s.dropLockConn()
	return nil
}
