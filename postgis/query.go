package postgis

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5/pgtype"
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
	keyed bool        // no tags or q: pt's GiST index answers alone
	whole bool        // no box, or one that holds the whole world
	walk  string      // conds[0], the box, in a form no index answers
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// typeCond is the condition, to append to others, that an event is of
// one of types (as eventTypes gives them), or "" for no types.
func (w *where) typeCond(types []string) string {
	if len(types) == 0 {
		return ""
	}
	return " AND type = ANY(" + w.arg(types) + "::text[])"
}

// inBox is the SQL condition that an event lies in the lon/lat box b,
// edges included: its point pt in the box, which the GiST index of pt
// answers exactly, and with the time and ID it carries, alone (an
// index-only scan).
func (w *where) inBox(b orb.Bound) string {
	in, _ := w.inBoxes(b)
	return in
}

// inBoxes is inBox and the same test on the same arguments as two
// ranges, which no index answers: the form for a walk of the time index
// (which carries pt). pt has no statistics, so the planner takes any box
// for a small one and would answer the first form from the GiST index
// even when the walk is the cheaper plan.
func (w *where) inBoxes(b orb.Bound) (in, walk string) {
	x0, y0 := w.arg(b.Min[0])+"::float8", w.arg(b.Min[1])+"::float8"
	x1, y1 := w.arg(b.Max[0])+"::float8", w.arg(b.Max[1])+"::float8"
	return "pt <@ box(point(" + x0 + ", " + y0 + "), point(" + x1 + ", " + y1 + "))",
		"pt[0] BETWEEN " + x0 + " AND " + x1 + " AND pt[1] BETWEEN " + y0 + " AND " + y1
}

// strips are the conditions, one per strip, that select the events of b
// outside c, the cells at level wholly inside b: the strips along b's
// edges, which no counted cell covers. Each is read by its own scan of
// pt's GiST index, which gives back all they need (an OR of them would be
// a bitmap scan, which reads the table), so they are made disjoint: the
// ones above and below c leave out the side strips' edges. A point on a
// strip's inner edge belongs to c by its cell (cx, cy), not by degrees.
func (w *where) strips(b orb.Bound, level int, c cellSpan) []string {
	n := float64(uint32(1) << level)
	x0, x1 := float64(c.x0)*360/n-180, float64(c.x1+1)*360/n-180
	y0, y1 := float64(c.y0)*180/n-90, float64(c.y1+1)*180/n-90
	down := strconv.Itoa(geo.MaxCellLevel - level)
	outside := " AND NOT (cx >> " + down + " BETWEEN " + w.arg(c.x0) + " AND " + w.arg(c.x1) +
		" AND cy >> " + down + " BETWEEN " + w.arg(c.y0) + " AND " + w.arg(c.y1) + ")"
	var conds []string
	add := func(st orb.Bound, between bool) {
		if st.Min[0] > st.Max[0] || st.Min[1] > st.Max[1] {
			return
		}
		cond := w.inBox(st) + outside
		if between {
			cond += " AND pt[0] > " + w.arg(x0) + "::float8 AND pt[0] < " + w.arg(x1) + "::float8"
		}
		conds = append(conds, cond)
	}
	add(orb.Bound{Min: b.Min, Max: orb.Point{x0, b.Max[1]}}, false)
	add(orb.Bound{Min: orb.Point{x1, b.Min[1]}, Max: b.Max}, false)
	add(orb.Bound{Min: orb.Point{x0, b.Min[1]}, Max: orb.Point{x1, y0}}, true)
	add(orb.Bound{Min: orb.Point{x0, y1}, Max: orb.Point{x1, b.Max[1]}}, true)
	return conds
}

// compile reads a filter as the bbolt store does: bbox edges inside,
// datetime bounds inclusive, any of the tags (trimmed, lower case), any
// of the types (trimmed, as written), q a case-blind substring of the
// title or the place name.
func compile(f geo.EventFilter) (*where, error) {
	w := &where{plain: true, whole: true, keyed: true}
	if b := f.BBox; b != nil {
		if err := b.Validate(); err != nil {
			return nil, err
		}
	}
	// A box of the whole world holds every event: no condition, so that
	// the time index alone gives a page.
	if b := f.BBox; b != nil && (b.West > -180 || b.East < 180 || b.South > -90 || b.North < 90) {
		w.box, w.whole = b.Bounds(), false
		var or, walk []string
		for _, b := range w.box {
			in, wk := w.inBoxes(b)
			or, walk = append(or, in), append(walk, "("+wk+")")
		}
		w.conds = append(w.conds, "("+strings.Join(or, " OR ")+")")
		w.walk = "(" + strings.Join(walk, " OR ") + ")"
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
		w.plain, w.keyed = false, false
	}
	if types := eventTypes(f.Types); len(types) > 0 {
		w.conds = append(w.conds, "type = ANY("+w.arg(types)+"::text[])")
		w.plain = false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		a := w.arg(q)
		w.conds = append(w.conds, "(strpos(lower(title), "+a+") > 0 OR strpos(lower(place), "+a+") > 0)")
		w.plain, w.keyed = false, false
	}
	return w, nil
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// walkSQL is sql with the box in the form that keeps the planner on the
// time index.
func (w *where) walkSQL() string {
	if w.walk == "" {
		return w.sql()
	}
	return strings.Join(append([]string{w.walk}, w.conds[1:]...), " AND ")
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

// typeMaps decode the few timestamps a page needs (pgtype.Map is not safe
// for concurrent use).
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// pageRow is one row of a page: offsets of its columns in pageRows.buf.
type pageRow struct{ feature, t, id, created, updated [2]int }

// pageRows are a page's rows as the database sent them, copied into one
// buffer (no string per column, and timestamps parsed only where needed).
type pageRows struct {
	buf        []byte
	rows       []pageRow
	timeFormat int16 // of the timestamp columns
}

func (p *pageRows) add(v []byte) [2]int {
	start := len(p.buf)
	p.buf = append(p.buf, v...)
	return [2]int{start, len(p.buf)}
}

func (p *pageRows) col(c [2]int) []byte { return p.buf[c[0]:c[1]] }

// pagePool keeps the rows buffers of finished pages: a page is ~0.5 MB,
// and each one allocated afresh would wake the collector, whose every cycle
// scans the server's whole live heap (tens of MB), every few requests.
var pagePool = sync.Pool{New: func() any { return &pageRows{} }}

// release returns p to the pool once its bytes are no longer needed.
func (p *pageRows) release() {
	if cap(p.buf) <= 8<<20 {
		p.buf, p.rows = p.buf[:0], p.rows[:0]
		pagePool.Put(p)
	}
}

// page runs one page's query and returns its rows, newest first (with
// created and updated when times is set; release them when done); it
// fills in the links and numberMatched.
//
// The cell counts of the cells covering the box bound the matches from
// above (one small query). A box that holds few (at most directBudget, or
// keyedDirectBudget when pt's GiST index answers the filter alone) is
// read in one pass over that index, then sorted, which counts the matches
// for numberMatched on the way; when the index answers alone and the
// matches may be many more than the page, only their keys are read from
// it (an index-only scan), and then the page's own rows. A big box takes
// the page's keys from the time index, which carries the point, walked in
// page order. A filter that is only the whole world needs no bound: the
// time index gives the page, and the total is the sum of the 16 coarsest
// cell counts, in the same query.
func (s *Store) page(ctx context.Context, f geo.EventFilter, times bool) (*geo.EventPage, *pageRows, error) {
	w, err := compile(f)
	if err != nil {
		return nil, nil, err
	}
	filterSQL, filterArgs := w.sql(), len(w.args) // before the cursor's
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	limit = min(limit, geo.MaxLimit)
	var dir byte
	var after string // the cursor's condition
	order := "time DESC, id DESC"
	if f.Cursor != "" {
		var t time.Time
		var id string
		if dir, t, id, err = decodeCursor(f.Cursor); err != nil {
			return nil, nil, err
		}
		if dir == 'n' {
			after = " AND (time, id) < (" + w.arg(t) + "::timestamptz, " + w.arg(id) + "::text)"
		} else {
			after = " AND (time, id) > (" + w.arg(t) + "::timestamptz, " + w.arg(id) + "::text)"
			order = "time, id"
		}
	}
	cond := filterSQL + after
	lim := w.arg(limit + 1)
	cols := "feature, time, id"
	if times {
		cols += ", created, updated"
	}
	var sql string
	if w.plain && w.whole {
		sql = "SELECT " + cols + ", (SELECT coalesce(sum(n), 0) FROM geonews_event_cells WHERE level = 2) FROM geonews_events WHERE " +
			cond + " ORDER BY " + order + " LIMIT " + lim
	} else {
		est, err := s.bound(ctx, f, w)
		if err != nil {
			return nil, nil, err
		}
		// keyed reads a page's rows by the keys that keys selects, in
		// the time index: a probe there compares timestamps, one in the
		// primary key compares text (by the database's collation, which
		// the "C" equality keeps the planner from choosing). The rows
		// are sorted on time plus nothing, which the keys' order does not
		// give, so that the page leaves the database in one burst once
		// found: streamed out of the join, a row every few microseconds,
		// it reached the server in dozens of small network reads, each a
		// wake-up (continent boxes, read by the walk: 3.0 CPU-ms of
		// geonews a page against 1.4; over HTTP 160 against 190 req/s).
		keyed := func(keys string) string {
			pcols := "e.feature, e.time, e.id"
			if times {
				pcols += ", e.created, e.updated"
			}
			porder := strings.ReplaceAll(strings.ReplaceAll(order, "time", "(p.time + '0 s'::interval)"), "id", "p.id")
			return "SELECT " + pcols + ", p.n FROM (" + keys + ") p JOIN geonews_events e ON e.time = p.time AND e.id COLLATE \"C\" = p.id ORDER BY " + porder
		}
		switch {
		case est <= directBudget || w.keyed && est <= keyedDirectBudget:
			// Every match is read from the GiST index and sorted.
			// Counting them there is free on the first page; a later page
			// counts them when few. The sort key is time plus nothing,
			// which no index gives in order, so that the planner does not
			// walk the time index instead.
			sorted := strings.ReplaceAll(order, "time", "(time + '0 s'::interval)")
			// Called only where its SQL is used: it adds arguments.
			recount := func() string {
				if countable(f) && est > cellCountFrom {
					return w.countSQL(eventTypes(f.Types))
				}
				return "(SELECT count(*) FROM geonews_events WHERE " + filterSQL + ")"
			}
			if w.keyed && est > keyedRows*(limit+1) {
				// Many more matches than the page: the keys alone, then
				// the page's own rows. Another pass over the index counts
				// the matches, on every page: it costs less than the
				// window, which holds every match until the last (on 1M
				// events, 24,000 matches: 13.3 ms against 21.9).
				sql = keyed("SELECT time, id, " + recount() + " AS n FROM geonews_events WHERE " + cond + " ORDER BY " + sorted + " LIMIT " + lim)
				break
			}
			count := "count(*) OVER ()"
			switch {
			case dir == 0 && est <= limit:
				// The bound shows that the page holds every match, and
				// numberMatched is then its length: the window, which
				// holds every row until the last, is spared (14 of the 60
				// city boxes of scripts/bench-postgis: 1.0-1.2 ms of
				// execution each against 1.2-1.6).
				count = "-1::bigint"
			case dir != 0:
				count = "-1::bigint"
				if est <= countBudget {
					count = recount()
				}
			}
			sql = "SELECT " + cols + ", " + count + " FROM geonews_events WHERE " + cond + " ORDER BY " + sorted + " LIMIT " + lim
		default:
			// The time index in page order, testing the point it
			// carries, until the page is full.
			sql = keyed("SELECT time, id, -1::bigint AS n FROM geonews_events WHERE " + w.walkSQL() + after + " ORDER BY " + order + " LIMIT " + lim)
		}
	}
	rows, err := s.pool.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, nil, dbError(err)
	}
	pr := pagePool.Get().(*pageRows)
	var matched []byte
	if fd := rows.FieldDescriptions(); len(fd) > 1 {
		pr.timeFormat = fd[1].Format
	}
	for rows.Next() {
		v := rows.RawValues()
		r := pageRow{feature: pr.add(v[0]), t: pr.add(v[1]), id: pr.add(v[2])}
		if times {
			r.created, r.updated = pr.add(v[3]), pr.add(v[4])
		}
		pr.rows = append(pr.rows, r)
		matched = append(matched[:0], v[len(v)-1]...)
	}
	nMatched := int64(-1)
	if len(pr.rows) > 0 {
		nMatched, _ = strconv.ParseInt(string(matched), 10, 64)
	}
	if err := rowsErr(rows); err != nil {
		pr.release()
		return nil, nil, err
	}
	more := len(pr.rows) > limit
	if more {
		pr.rows = pr.rows[:limit]
	}
	if dir == 'p' {
		slices.Reverse(pr.rows)
	}
	page := &geo.EventPage{NumberMatched: -1}
	if n := len(pr.rows); n > 0 {
		first, last := pr.rows[0], pr.rows[n-1]
		m := typeMaps.Get().(*pgtype.Map)
		defer typeMaps.Put(m)
		cursor := func(dir byte, r pageRow) string {
			var t time.Time
			if terr := m.Scan(pgtype.TimestamptzOID, pr.timeFormat, pr.col(r.t), &t); terr != nil && err == nil {
				err = terr
			}
			return encodeCursor(dir, t, string(pr.col(r.id)))
		}
		switch {
		case dir == 0 && more:
			page.Next = cursor('n', last)
		case dir == 'n':
			page.Prev = cursor('p', first)
			if more {
				page.Next = cursor('n', last)
			}
		case dir == 'p':
			page.Next = cursor('n', last)
			if more {
				page.Prev = cursor('p', first)
			}
		}
		if err != nil {
			pr.release()
			return nil, nil, dbError(err)
		}
	}
	switch {
	case dir == 0 && !more:
		page.NumberMatched = len(pr.rows)
	case len(pr.rows) > 0:
		page.NumberMatched = int(nMatched) // -1 when not counted
	default: // an empty later page: nothing came back to say the count
		est, err := s.bound(ctx, f, w)
		switch {
		case err != nil:
			return nil, nil, err
		case est == -2:
			page.NumberMatched, err = s.CountEvents(ctx)
		case est <= countBudget:
			err = dbError(s.pool.QueryRow(ctx, "SELECT count(*) FROM geonews_events WHERE "+filterSQL, w.args[:filterArgs]...).Scan(&page.NumberMatched))
		}
		if err != nil {
			pr.release()
			return nil, nil, err
		}
	}
	return page, pr, nil
}

// directBudget is the most matches for which a page is read in one
// pass over the GiST index and sorted: reading M matches costs about as
// much as walking the time index past 1000·N/M entries for 1,000 of them
// at M ≈ 10,000 for N = 1M.
var directBudget = 10000

// keyedDirectBudget is directBudget for a filter that pt's GiST index
// answers alone: a match then costs an index entry, not a table row. On
// 1M gen-events the walk of the time index overtook the keys sorted from
// the GiST index between 18,000 and 20,000 matches (a page of 1,000),
// and was 1.6× faster at 24,000.
var keyedDirectBudget = 20000

// keyedRows: a filter that pt's GiST index answers alone reads only the
// matches' keys from it, and then the page's rows, when the bound of its
// matches is more than keyedRows times the page. A row read by its key
// costs about twice one read from the GiST scan, an index entry a tenth
// of either: on 1M events the rows read straight were faster up to about
// 2,400 matches for a page of 1,000, and the bound runs above the
// matches. (City boxes over HTTP, 3 against 2, four pairs of runs: 6-19%
// more requests a second in each.)
var keyedRows = 3

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

// estimateSQL is the query of the number of events in the cells covering
// box (an upper bound of the matches of any filter with that box), with
// its arguments added to w's.
func (w *where) estimateSQL(box geo.BBox) string {
	level := estimateLevel(box)
	var or []string
	for _, c := range geo.CoveringCellRanges(box, level) {
		or = append(or, "(x BETWEEN "+w.arg(int32(c[0]))+" AND "+w.arg(int32(c[1]))+" AND y BETWEEN "+w.arg(int32(c[2]))+" AND "+w.arg(int32(c[3]))+")")
	}
	return "SELECT coalesce(sum(n), 0) AS n FROM geonews_event_cells WHERE level = " + w.arg(int16(level)) + " AND (" + strings.Join(or, " OR ") + ")"
}

// cellCountFrom is the bound of a box's matches above which they are
// counted from the cell counts (countSQL) rather than one by one: on 1M
// gen-events (the boxes of scripts/bench-postgis, each counted five
// times), the cells were slower below it for wide boxes of few events,
// which hold many cells, and faster above it for every box: 5,400 matches
// 1.6 ms against 2.3, 9,900 1.6 against 5.9, 44,000 4.6 against 16.6.
var cellCountFrom = 5000

// countedLevels are the levels of geonews_event_cells, coarsest first.
var countedLevels = []int{2, 4, 6, 8, countedLevel}

// countSQL is a query of the number of events in w's box (of types, if
// any) as one value, for a filter that the cell counts answer
// (countable): the counts of the cells wholly inside the box added up,
// and only the events in the strips along its edges, narrower than a
// level-10 cell, counted from pt's GiST index (see cover): a region box
// of 12,259 events on 1M gen-events reads 108 cell rows and 81 index
// entries instead of its 12,259, at the price of 1-2 ms of planning (see
// cellCountFrom for when it pays).
func (w *where) countSQL(types []string) string {
	typeCond := w.typeCond(types)
	box := w.box
	if box == nil {
		box = []orb.Bound{{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}}
	}
	var cells, parts []string
	for _, b := range box {
		c, strips := w.cover(b, countedLevels)
		cells = append(cells, c...)
		for _, s := range strips {
			parts = append(parts, "SELECT count(*) AS n FROM geonews_events WHERE "+s+typeCond)
		}
	}
	if len(cells) > 0 {
		parts = append(parts, "SELECT sum(n) FROM geonews_event_cells WHERE ("+strings.Join(cells, " OR ")+")"+typeCond)
	}
	return "(SELECT coalesce(sum(n), 0)::bigint FROM (" + strings.Join(parts, " UNION ALL ") + ") c)"
}

// estimate is the number of events in the cells covering box.
func (s *Store) estimate(ctx context.Context, box geo.BBox) (int, error) {
	w := &where{}
	var n int64
	err := s.pool.QueryRow(ctx, w.estimateSQL(box), w.args...).Scan(&n)
	return int(n), dbError(err)
}

// FindEvents returns one page of matching events, newest first.
func (s *Store) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	page, pr, err := s.page(ctx, f, true)
	if err != nil {
		return nil, err
	}
	defer pr.release()
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	page.Events = make([]*geo.Event, 0, len(pr.rows))
	for _, r := range pr.rows {
		var created, updated time.Time
		err := m.Scan(pgtype.TimestamptzOID, pr.timeFormat, pr.col(r.created), &created)
		if err == nil {
			err = m.Scan(pgtype.TimestamptzOID, pr.timeFormat, pr.col(r.updated), &updated)
		}
		var e *geo.Event
		if err == nil {
			e, err = decode(string(pr.col(r.feature)), created, updated)
		}
		if err != nil {
			return nil, err
		}
		page.Events = append(page.Events, e)
	}
	return page, nil
}

// AppendEventFeatures is FindEvents for the items endpoint: the stored
// Features, comma-separated, copied from the rows.
func (s *Store) AppendEventFeatures(ctx context.Context, f geo.EventFilter, dst []byte) ([]byte, *geo.EventPage, int, error) {
	page, pr, err := s.page(ctx, f, false)
	if err != nil {
		return dst, nil, 0, err
	}
	defer pr.release()
	for i, r := range pr.rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, pr.col(r.feature)...)
	}
	page.Events = []*geo.Event{}
	return dst, page, len(pr.rows), nil
}
