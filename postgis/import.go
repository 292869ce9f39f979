package postgis

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultImportBatch is how many events one import transaction stores.
const DefaultImportBatch = 50000

var importColumns = []string{"id", "time", "lon", "lat", "cx", "cy", "tags", "title", "place", "feature", "type"}

// importWorkers is how many batches are stored at once, each on its own
// connection: one PostgreSQL backend uses one core, and most of a batch's
// time is its index inserts in the backend.
const importWorkers = 2

// ImportEvents stores the events next returns until io.EOF (see
// geo.EventImporter). Each batch is COPYed straight into geonews_events in
// time order, so the cell counts' trigger runs once per batch; a batch
// that holds an ID stored already (a re-import, or another writer's) is
// rolled back and stored instead through a temporary table and one INSERT
// that skips those IDs, and so is every later batch of the import. Two
// batches are stored at once; a failure stops the import with the batches
// stored before it committed.
func (s *Store) ImportEvents(ctx context.Context, next func() ([]*geo.Event, error), batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultImportBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*geo.Event)
	var created atomic.Int64
	var merge atomic.Bool // an ID was stored already: skip them from now on
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
				n, err := s.importBatch(ctx, evs, &merge)
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
		// In time order, so that pages of consecutive times sit on few
		// table pages.
		slices.SortFunc(pending, func(a, b *geo.Event) int {
			if c := b.Time.Compare(a.Time); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
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
		for _, e := range events { // one row per ID in a batch: the first wins
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
	n := int(created.Load())
	if firstErr == nil && n >= analyzeAfter {
		// The planner's statistics of a table that grew this much are
		// stale until autovacuum gets to it; the queries right after an
		// import should not pay for that.
		if _, err := s.pool.Exec(ctx, `ANALYZE geonews_events`); err != nil {
			return n, dbError(err)
		}
	}
	return n, firstErr
}

// analyzeAfter is how many events an import stores before it refreshes the
// table's statistics itself.
const analyzeAfter = 10000

// importBatch stores one batch, in time order, by COPY; or, once merge is
// set or when the COPY meets an ID stored already, through the temporary
// table.
func (s *Store) importBatch(ctx context.Context, events []*geo.Event, merge *atomic.Bool) (int, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !merge.Load() {
		n, err := s.copyBatch(ctx, events, now)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "23505" && pe.Code != "40P01") {
			return n, dbError(err)
		}
		merge.Store(true)
	}
	return s.mergeBatch(ctx, events, now)
}

// eventColumns are the columns a COPY fills, in copyRow's order.
var eventColumns = []string{"id", "time", "geom", "cx", "cy", "tags", "title", "place", "created", "updated", "feature", "type"}

// copyBatch COPYs events into geonews_events in one transaction.
func (s *Store) copyBatch(ctx context.Context, events []*geo.Event, now time.Time) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	// A report merged into another event is no event of its own: such
	// IDs are skipped by mergeBatch, which this batch then takes.
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	var merged bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM geonews_event_members WHERE id = ANY($1))`, ids).Scan(&merged); err != nil {
		return 0, err
	}
	if merged {
		return 0, &pgconn.PgError{Code: "23505", Message: "a report merged into another event"}
	}
	// pgx encodes a row before it asks for the next, so the buffers of
	// the feature and the point serve every row.
	var feature, point []byte
	i := 0
	vals := make([]any, len(eventColumns))
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(events) {
			return nil, nil
		}
		e := events[i]
		i++
		c := geo.CellOf(e.Point, geo.MaxCellLevel)
		x, y := c.XY()
		tags := e.Tags
		if tags == nil {
			tags = []string{}
		}
		feature = geo.AppendFeature(feature[:0], e)
		point = appendEWKBPoint(point[:0], e.Point[0], e.Point[1])
		vals[0], vals[1], vals[2], vals[3], vals[4] = e.ID, e.Time, point, int32(x), int32(y)
		vals[5], vals[6], vals[7], vals[8], vals[9], vals[10], vals[11] = tags, e.Title, e.Place.Name, now, now, feature, e.Type
		return vals, nil
	})
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"geonews_events"}, eventColumns, src)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return int(n), nil
}

// appendEWKBPoint appends a lon/lat point in EPSG:4326 as PostGIS's
// binary input reads it (extended WKB, little-endian, with the SRID).
func appendEWKBPoint(b []byte, lon, lat float64) []byte {
	b = append(b, 1)                                    // little-endian
	b = binary.LittleEndian.AppendUint32(b, 0x20000001) // a point, with an SRID
	b = binary.LittleEndian.AppendUint32(b, 4326)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(lon))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(lat))
}

// mergeBatch stores the events whose IDs are not stored yet: a COPY into
// a temporary table, then one INSERT … ON CONFLICT DO NOTHING.
func (s *Store) mergeBatch(ctx context.Context, events []*geo.Event, now time.Time) (int, error) {
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
