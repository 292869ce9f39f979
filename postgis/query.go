package postgis

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// countBudget bounds how many events a page may count for numberMatched:
// past it (as the cell counts estimate) numberMatched is -1, since counting
// would cost more than the page itself (as in the bbolt store).
const countBudget = 5000

// where is a filter compiled to SQL conditions over geonews_events.
type where struct {
	conds []string
	args  []any
	box   []orb.Bound // nil: anywhere
	plain bool        // no time, tags or q: the cell counts answer counts
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// envelope is the SQL of a lon/lat box.
func (w *where) envelope(b orb.Bound) string {
	return "ST_MakeEnvelope(" + w.arg(b.Min[0]) + "::float8, " + w.arg(b.Min[1]) + "::float8, " + w.arg(b.Max[0]) + "::float8, " + w.arg(b.Max[1]) + "::float8, 4326)"
}

// compile reads a filter as the bbolt store does: bbox edges inside,
// datetime bounds inclusive, any of the tags (trimmed, lower case), any
// of the types (trimmed, as written), q a case-blind substring of the
// title or the place name.
func compile(f geo.EventFilter) (*where, error) {
	w := &where{plain: true}
	if f.BBox != nil {
		if err := f.BBox.Validate(); err != nil {
			return nil, err
		}
		w.box = f.BBox.Bounds()
		var or []string
		for _, b := range w.box {
			or = append(or, "geom && "+w.envelope(b))
		}
		w.conds = append(w.conds, "("+strings.Join(or, " OR ")+")")
	}
	if !f.Interval.Start.IsZero() {
		w.conds = append(w.conds, "time >= "+w.arg(f.Interval.Start))
		w.plain = false
	}
	if !f.Interval.End.IsZero() {
		w.conds = append(w.conds, "time <= "+w.arg(f.Interval.End))
		w.plain = false
	}
	var tags []string
	for _, t := range f.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		w.conds = append(w.conds, "tags && "+w.arg(tags)+"::text[]")
		w.plain = false
	}
	if types := eventTypes(f.Types); len(types) > 0 {
		w.conds = append(w.conds, "type = ANY("+w.arg(types)+"::text[])")
		w.plain = false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		a := w.arg(q)
		w.conds = append(w.conds, "(strpos(lower(title), "+a+") > 0 OR strpos(lower(place), "+a+") > 0)")
		w.plain = false
	}
	return w, nil
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// Cursors are a direction ('n' older, 'p' newer) and the (time, id) key of
// the page's last or first event.
func encodeCursor(dir byte, t time.Time, id string) string {
	b := []byte{dir}
	b = binary.BigEndian.AppendUint64(b, uint64(t.UnixMicro()))
	b = append(b, id...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (dir byte, t time.Time, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 9 || (b[0] != 'n' && b[0] != 'p') {
		return 0, t, "", geo.Errorf(geo.EINVALID, "cursor %q is not one this server issued", s)
	}
	return b[0], time.UnixMicro(int64(binary.BigEndian.Uint64(b[1:9]))).UTC(), string(b[9:]), nil
}

// page runs the page query and calls add with each row's feature (and
// its created and updated times), newest first; it fills in the links
// and numberMatched.
func (s *Store) page(ctx context.Context, f geo.EventFilter, add func(feature string, created, updated time.Time) error) (*geo.EventPage, int, error) {
	w, err := compile(f)
	if err != nil {
		return nil, 0, err
	}
	filterSQL, filterArgs := w.sql(), len(w.args) // before the cursor's
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	limit = min(limit, geo.MaxLimit)
	var dir byte
	cond := w.sql()
	order := "time DESC, id DESC"
	if f.Cursor != "" {
		var t time.Time
		var id string
		if dir, t, id, err = decodeCursor(f.Cursor); err != nil {
			return nil, 0, err
		}
		if dir == 'n' {
			cond += " AND (time, id) < (" + w.arg(t) + "::timestamptz, " + w.arg(id) + "::text)"
		} else {
			cond += " AND (time, id) > (" + w.arg(t) + "::timestamptz, " + w.arg(id) + "::text)"
			order = "time, id"
		}
	}
	args := append(w.args, limit+1)
	// The cell counts bound the matches from above (one small query): a
	// box that holds few takes one pass (the GiST index, then a sort);
	// a big one takes the page's IDs from the time index, which carries
	// the point, so the box is tested in the index alone (an index-only
	// scan) and only the page's own rows are read from the table. The
	// count for numberMatched, when cheap, goes in the same round trip.
	est, err := s.bound(ctx, f, w)
	if err != nil {
		return nil, 0, err
	}
	var pageSQL string
	windowCount := false
	if est >= 0 && est <= directBudget {
		// The sort reads every match anyway: on a first page, counting
		// them there is free, and numberMatched needs no second query.
		total := "0::bigint"
		if dir == 0 {
			total, windowCount = "count(*) OVER ()", true
		}
		pageSQL = "SELECT feature, created, updated, time, id, " + total + " FROM geonews_events WHERE " + cond + " ORDER BY " + order + " LIMIT $" + strconv.Itoa(len(args))
	} else {
		pageSQL = "SELECT e.feature, e.created, e.updated, e.time, e.id, 0::bigint FROM (SELECT id FROM geonews_events WHERE " + cond +
			" ORDER BY " + order + " LIMIT $" + strconv.Itoa(len(args)) + ") p JOIN geonews_events e USING (id) ORDER BY " +
			strings.ReplaceAll(strings.ReplaceAll(order, "time", "e.time"), "id", "e.id")
	}
	batch := &pgx.Batch{}
	batch.Queue(pageSQL, args...)
	countQueued := !windowCount && est >= 0 && est <= countBudget && (dir != 0 || est > limit)
	if countQueued {
		batch.Queue("SELECT count(*) FROM geonews_events WHERE "+filterSQL, args[:filterArgs]...)
	}
	br := s.pool.SendBatch(ctx, batch)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, dbError(err)
	}
	var matched int64 // the window count
	type item struct {
		feature          string
		created, updated time.Time
		t                time.Time
		id               string
	}
	items := make([]item, 0, min(limit+1, 1024))
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.feature, &it.created, &it.updated, &it.t, &it.id, &matched); err != nil {
			rows.Close()
			return nil, 0, dbError(err)
		}
		items = append(items, it)
	}
	if err := rowsErr(rows); err != nil {
		return nil, 0, err
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	if dir == 'p' {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	for _, it := range items {
		if err := add(it.feature, it.created, it.updated); err != nil {
			return nil, 0, err
		}
	}
	page := &geo.EventPage{NumberMatched: -1}
	if n := len(items); n > 0 {
		first, last := items[0], items[n-1]
		switch {
		case dir == 0 && more:
			page.Next = encodeCursor('n', last.t, last.id)
		case dir == 'n':
			page.Prev = encodeCursor('p', first.t, first.id)
			if more {
				page.Next = encodeCursor('n', last.t, last.id)
			}
		case dir == 'p':
			page.Next = encodeCursor('n', last.t, last.id)
			if more {
				page.Prev = encodeCursor('p', first.t, first.id)
			}
		}
	}
	switch {
	case dir == 0 && !more:
		page.NumberMatched = len(items)
	case est == -2:
		page.NumberMatched, err = s.CountEvents(ctx)
	case windowCount:
		page.NumberMatched = int(matched)
	case countQueued:
		err = dbError(br.QueryRow().Scan(&page.NumberMatched))
	}
	if err != nil {
		return nil, 0, err
	}
	return page, len(items), nil
}

// directBudget is the most matches for which a page is read in one
// pass over the GiST index and sorted: reading M matches costs about as
// much as walking the time index past 1000·N/M entries for 1,000 of them
// at M ≈ 10,000 for N = 1M.
const directBudget = 10000

// bound returns an upper bound of the events matching f from the cell
// counts of the cells covering its box, or -2 when f selects every event
// (numberMatched is then the stored total).
func (s *Store) bound(ctx context.Context, f geo.EventFilter, w *where) (int, error) {
	box := geo.BBox{West: -180, South: -90, East: 180, North: 90}
	if f.BBox != nil {
		box = *f.BBox
	}
	if w.plain && box.West <= -180 && box.East >= 180 && box.South <= -90 && box.North >= 90 {
		return -2, nil
	}
	return s.estimate(ctx, box)
}

// estimateLevel is the finest counted level at which box is covered by at
// most 1024 cells: their counts are quick to add up (one index range per
// row of cells) and bound the matches closely. A loose bound sends a box
// that holds few events down the time index, which then walks most of it.
func estimateLevel(box geo.BBox) int {
	level := 2
	for level < 10 && geo.CoveringCellCount(box, level+2) <= 1024 {
		level += 2
	}
	return level
}

// estimate is the number of events in the cells covering box, an upper
// bound of the matches of any filter with that box.
func (s *Store) estimate(ctx context.Context, box geo.BBox) (int, error) {
	level := estimateLevel(box)
	w := &where{}
	var or []string
	for _, c := range geo.CoveringCellRanges(box, level) {
		or = append(or, "(x BETWEEN "+w.arg(int32(c[0]))+" AND "+w.arg(int32(c[1]))+" AND y BETWEEN "+w.arg(int32(c[2]))+" AND "+w.arg(int32(c[3]))+")")
	}
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(sum(n), 0) FROM geonews_event_cells WHERE level = "+w.arg(int16(level))+
		" AND ("+strings.Join(or, " OR ")+")", w.args...).Scan(&n)
	return int(n), dbError(err)
}

// FindEvents returns one page of matching events, newest first.
func (s *Store) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	evs := []*geo.Event{}
	page, _, err := s.page(ctx, f, func(feature string, created, updated time.Time) error {
		e, err := decode(feature, created, updated)
		if err == nil {
			evs = append(evs, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	page.Events = evs
	return page, nil
}

// AppendEventFeatures is FindEvents for the items endpoint: the stored
// Features, comma-separated, copied from the rows as they arrive.
func (s *Store) AppendEventFeatures(ctx context.Context, f geo.EventFilter, dst []byte) ([]byte, *geo.EventPage, int, error) {
	start := len(dst)
	page, n, err := s.page(ctx, f, func(feature string, _, _ time.Time) error {
		if len(dst) > start {
			dst = append(dst, ',')
		}
		dst = append(dst, feature...)
		return nil
	})
	if err != nil {
		return dst, nil, 0, err
	}
	page.Events = []*geo.Event{}
	return dst, page, n, nil
}
