package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
)

// row is an event as its columns hold it.
type row struct {
	id        string
	time      time.Time
	lon, lat  float64
	cx, cy    int32
	tags      []string
	title     string
	place     string
	typ       string
	feature   string
	createdAt time.Time
}

// newRow encodes a validated event with its ID set.
func newRow(e *geo.Event, buf []byte) (row, []byte) {
	c := geo.CellOf(e.Point, geo.MaxCellLevel)
	x, y := c.XY()
	buf = geo.AppendFeature(buf[:0], e)
	tags := e.Tags
	if tags == nil {
		tags = []string{}
	}
	return row{id: e.ID, time: e.Time, lon: e.Point[0], lat: e.Point[1], cx: int32(x), cy: int32(y),
		tags: tags, title: e.Title, place: e.Place.Name, typ: e.Type, feature: string(buf)}, buf
}

// prepare validates events and gives each its ID, naming the bad one of a batch.
func prepare(events []*geo.Event) error {
	for i, e := range events {
		if err := geo.ValidateEvent(e); err != nil {
			if len(events) == 1 {
				return err
			}
			return geo.Errorf(geo.ErrorCode(err), "event %d of %d: %s", i+1, len(events), geo.ErrorMessage(err))
		}
		if e.ID == "" {
			e.ID = geo.NewEventID(e)
		}
	}
	return nil
}

const insertSQL = `INSERT INTO geonews_events (id, time, geom, cx, cy, tags, title, place, created, updated, feature, type)
SELECT id, time, ST_SetSRID(ST_MakePoint(lon, lat), 4326), cx, cy, tags, title, place, $11, $11, feature, type
FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $12::text[])
	AS u(id, time, lon, lat, cx, cy, tagsj, title, place, feature, type)
CROSS JOIN LATERAL (SELECT coalesce(array_agg(t), '{}') AS tags FROM unnest(string_to_array(tagsj, ',')) t) tg
WHERE NOT EXISTS (SELECT 1 FROM geonews_event_members m WHERE m.id = u.id) -- merged into another
ON CONFLICT (id) DO NOTHING
RETURNING id`

// CreateEvents stores events in one statement, all or none (see
// geo.EventStore): an event whose ID is stored already, as an event or as a
// report merged into one, or repeated in the batch, is skipped.
func (s *Store) CreateEvents(ctx context.Context, events []*geo.Event) (int, error) {
	if err := prepare(events); err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	n := len(events)
	ids, times := make([]string, 0, n), make([]time.Time, 0, n)
	lons, lats := make([]float64, 0, n), make([]float64, 0, n)
	cxs, cys := make([]int32, 0, n), make([]int32, 0, n)
	tags, titles, places, feats := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	types := make([]string, 0, n)
	seen := make(map[string]bool, n)
	var buf []byte
	for _, e := range events {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		var r row
		r, buf = newRow(e, buf)
		ids, times, lons, lats = append(ids, r.id), append(times, r.time), append(lons, r.lon), append(lats, r.lat)
		cxs, cys = append(cxs, r.cx), append(cys, r.cy)
		// Tags carry no commas (geo.CheckTag), so they travel as one list.
		tags, titles, places, feats = append(tags, strings.Join(r.tags, ",")), append(titles, r.title), append(places, r.place), append(feats, r.feature)
		types = append(types, r.typ)
	}
	rows, err := s.pool.Query(ctx, insertSQL, ids, times, lons, lats, cxs, cys, tags, titles, places, feats, now, types)
	if err != nil {
		return 0, dbError(err)
	}
	created := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, dbError(err)
		}
		created[id] = true
	}
	if err := rowsErr(rows); err != nil {
		return 0, err
	}
	for _, e := range events {
		if created[e.ID] {
			e.Created, e.Updated = now, now
		}
	}
	return len(created), nil
}

// Event returns the event with the given ID, or an ENOTFOUND error.
func (s *Store) Event(ctx context.Context, id string) (*geo.Event, error) {
	var feature string
	var created, updated time.Time
	err := s.pool.QueryRow(ctx, `SELECT feature, created, updated FROM geonews_events WHERE id = $1`, id).Scan(&feature, &created, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, dbError(err)
	}
	return decode(feature, created, updated)
}

// decode rebuilds an event from its stored Feature.
func decode(feature string, created, updated time.Time) (*geo.Event, error) {
	e, err := geo.DecodeFeature([]byte(feature))
	if err != nil {
		return nil, errors.New("postgis: a stored feature does not decode: " + err.Error())
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	// The merged sources and the merge are the store's, which a client's
	// Feature may not set, so DecodeFeature skips them: read them here.
	if strings.Contains(feature, `"sources":[`) || strings.Contains(feature, `"merge":{`) {
		var kept struct {
			Properties struct {
				Sources []geo.Source `json:"sources"`
				Merge   *geo.Merge   `json:"merge"`
			} `json:"properties"`
		}
		if err := json.Unmarshal([]byte(feature), &kept); err != nil {
			return nil, errors.New("postgis: a stored feature's sources do not decode: " + err.Error())
		}
		e.Sources, e.Merge = kept.Properties.Sources, kept.Properties.Merge
	}
	e.Created, e.Updated = created.UTC(), updated.UTC()
	return e, nil
}

// UpdateEvent replaces a stored event, keeping its Created time and its
// merged sources and merge (geo.Event.KeepMerges).
func (s *Store) UpdateEvent(ctx context.Context, e *geo.Event) error {
	if err := geo.ValidateEvent(e); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var feature string
		var created, updated time.Time
		err := tx.QueryRow(ctx, `SELECT feature, created, updated FROM geonews_events WHERE id = $1 FOR UPDATE`, e.ID).Scan(&feature, &created, &updated)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(e.ID)
		} else if err != nil {
			return err
		}
		old, err := decode(feature, created, updated)
		if err != nil {
			return err
		}
		e.KeepMerges(old)
		e.Created, e.Updated = old.Created, now
		return updateRow(ctx, tx, e)
	})
	return dbError(err)
}

// DeleteEvent removes an event, with the reports merged into it, or
// returns an ENOTFOUND error.
func (s *Store) DeleteEvent(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `WITH m AS (DELETE FROM geonews_event_members WHERE target = $1)
		DELETE FROM geonews_events WHERE id = $1`, id)
	if err != nil {
		return dbError(err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(id)
	}
	return nil
}

// CountEvents returns how many events are stored, from the level-2 cell
// counts (16 rows at most), not a scan.
func (s *Store) CountEvents(ctx context.Context) (int, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM geonews_event_cells WHERE level = 2`).Scan(&n)
	return int(n), dbError(err)
}

// EventExtent returns the box and time span of the stored events: the
// span from the ends of the time index, the box from the cell counts at
// level 10 (so it may be up to a cell larger than the events, never smaller).
func (s *Store) EventExtent(ctx context.Context) (bbox geo.BBox, iv geo.Interval, ok bool, err error) {
	var t0, t1 *time.Time
	var x0, y0, x1, y1 *int32
	err = s.pool.QueryRow(ctx, `SELECT (SELECT min(time) FROM geonews_events), (SELECT max(time) FROM geonews_events),
		min(x), min(y), max(x), max(y) FROM geonews_event_cells WHERE level = 10 AND n > 0`).Scan(&t0, &t1, &x0, &y0, &x1, &y1)
	if err != nil || t0 == nil || x0 == nil {
		return bbox, iv, false, dbError(err)
	}
	lo := geo.CellAt(10, uint32(*x0), uint32(*y0)).Bound()
	hi := geo.CellAt(10, uint32(*x1), uint32(*y1)).Bound()
	bbox = geo.BBox{West: lo.Min[0], South: lo.Min[1], East: hi.Max[0], North: hi.Max[1]}
	return bbox, geo.Interval{Start: t0.UTC(), End: t1.UTC()}, true, nil
}
