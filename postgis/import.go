package postgis

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
)

// DefaultImportBatch is how many events one import transaction stores.
const DefaultImportBatch = 50000

var importColumns = []string{"id", "time", "lon", "lat", "cx", "cy", "tags", "title", "place", "feature", "type"}

// importWorkers is how many batches are stored at once, each on its own
// connection: one PostgreSQL backend uses one core, and most of a batch's
// time is its index inserts in the backend.
const importWorkers = 2

// ImportEvents stores the events next returns until io.EOF (see
// geo.EventImporter): each batch is COPYed into a temporary table and
// moved into geonews_events by one INSERT that skips the IDs already
// stored, so the cell counts' trigger runs once per batch. Two batches are
// stored at once; a failure stops the import with the batches stored
// before it committed.
func (s *Store) ImportEvents(ctx context.Context, next func() ([]*geo.Event, error), batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultImportBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*geo.Event)
	var created atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) {
		once.Do(func() { firstErr = err; cancel() })
	}
	var wg sync.WaitGroup
	for range importWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for evs := range batches {
				n, err := s.importBatch(ctx, evs)
				created.Add(int64(n))
				if err != nil {
					fail(err)
				}
			}
		}()
	}
	var pending []*geo.Event
	seen := map[string]bool{}
	send := func() bool {
		select {
		case batches <- pending:
			pending, seen = nil, map[string]bool{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		events, err := next()
		if errors.Is(err, io.EOF) {
			if len(pending) > 0 {
				send()
			}
			break
		} else if err != nil {
			fail(err)
			break
		}
		if err := prepare(events); err != nil {
			fail(err)
			break
		}
		// One row per ID in a batch (the first wins), so that the batch
		// goes in in time order: pages of consecutive times then sit on
		// few table pages.
		for _, e := range events {
			if !seen[e.ID] {
				seen[e.ID] = true
				pending = append(pending, e)
			}
		}
		if len(pending) >= batch && !send() {
			break
		}
	}
	close(batches)
	wg.Wait()
	return int(created.Load()), firstErr
}

func (s *Store) importBatch(ctx context.Context, events []*geo.Event) (int, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, dbError(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS geonews_import (id text, time timestamptz, lon float8, lat float8,
		cx int, cy int, tags text[], title text, place text, feature text, type text) ON COMMIT DELETE ROWS`); err != nil {
		return 0, dbError(err)
	}
	var buf []byte
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(events) {
			return nil, nil
		}
		var r row
		r, buf = newRow(events[i], buf)
		i++
		return []any{r.id, r.time, r.lon, r.lat, r.cx, r.cy, r.tags, r.title, r.place, r.feature, r.typ}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"geonews_import"}, importColumns, src); err != nil {
		return 0, dbError(err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO geonews_events (id, time, geom, cx, cy, tags, title, place, created, updated, feature, type)
		SELECT id, time, ST_SetSRID(ST_MakePoint(lon, lat), 4326), cx, cy, tags, title, place, $1, $1, feature, type
		FROM geonews_import i WHERE NOT EXISTS (SELECT 1 FROM geonews_event_members m WHERE m.id = i.id)
		ORDER BY time DESC
		ON CONFLICT (id) DO NOTHING`, now)
	if err != nil {
		return 0, dbError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError(err)
	}
	return int(tag.RowsAffected()), nil
}
