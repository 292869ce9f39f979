package postgis

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
)

// DefaultImportBatch is how many events one import transaction stores.
const DefaultImportBatch = 50000

var importColumns = []string{"id", "time", "lon", "lat", "cx", "cy", "tags", "title", "place", "feature"}

// ImportEvents stores the events next returns until io.EOF (see
// geo.EventImporter): each batch is COPYed into a temporary table and
// moved into geonews_events by one INSERT that skips the IDs already
// stored, so the cell counts' trigger runs once per batch.
func (s *Store) ImportEvents(ctx context.Context, next func() ([]*geo.Event, error), batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultImportBatch
	}
	created := 0
	var pending []*geo.Event
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		n, err := s.importBatch(ctx, pending)
		created += n
		pending = pending[:0]
		return err
	}
	for {
		events, err := next()
		if errors.Is(err, io.EOF) {
			return created, flush()
		} else if err != nil {
			return created, err
		}
		if err := prepare(events); err != nil {
			return created, err
		}
		pending = append(pending, events...)
		if len(pending) >= batch {
			if err := flush(); err != nil {
				return created, err
			}
		}
	}
}

func (s *Store) importBatch(ctx context.Context, events []*geo.Event) (int, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, dbError(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS geonews_import (id text, time timestamptz, lon float8, lat float8,
		cx int, cy int, tags text[], title text, place text, feature text) ON COMMIT DELETE ROWS`); err != nil {
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
		return []any{r.id, r.time, r.lon, r.lat, r.cx, r.cy, r.tags, r.title, r.place, r.feature}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"geonews_import"}, importColumns, src); err != nil {
		return 0, dbError(err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO geonews_events (id, time, geom, cx, cy, tags, title, place, created, updated, feature)
		SELECT DISTINCT ON (id) id, time, ST_SetSRID(ST_MakePoint(lon, lat), 4326), cx, cy, tags, title, place, $1, $1, feature
		FROM geonews_import ORDER BY id, time
		ON CONFLICT (id) DO NOTHING`, now)
	if err != nil {
		return 0, dbError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError(err)
	}
	return int(tag.RowsAffected()), nil
}
