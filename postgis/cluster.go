package postgis

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// MaxClusterCells is how many grid cells a bbox may span at the requested
// level (geo.ClusterBox checks it, as for every backend).
const MaxClusterCells = geo.MaxClusterCells

// countedLevel is the finest level of geonews_event_cells.
const countedLevel = 10

// tally is a cluster being summed from parts.
type tally struct {
	n        int64
	sum      orb.Point
	id       string
	fromRows bool // an ID is known when n is 1
	types    map[string]int64
}

// add adds n events of type typ at the coordinate sums sx, sy.
func (t *tally) add(typ string, n int64, sx, sy float64) {
	if t.types == nil {
		t.types = map[string]int64{}
	}
	t.types[typ] += n
	t.n += n
	t.sum[0] += sx
	t.sum[1] += sy
}

// cellTally returns the tally of cell xy, made if new.
func cellTally(cells map[[2]uint32]*tally, x, y int32) *tally {
	k := [2]uint32{uint32(x), uint32(y)}
	t := cells[k]
	if t == nil {
		t = &tally{}
		cells[k] = t
	}
	return t
}

// Clusters counts the events that match f per cell at level (see
// geo.EventClusterer). With no datetime, tags or q (types may be given)
// and a level up to 10 the counts come from geonews_event_cells, which the
// database keeps up to date: the cells at level min(level+2, 10) wholly
// inside the box are summed, and only the events in the strips along the
// box's edges, thinner than a quarter of a cluster, are read and counted.
// Other filters group the matching events. Positions are the exact means
// of the events either way. Types, exact either way, are given under the
// bbolt store's rule (typesShown); top tags are not kept (empty).
func (s *Store) Clusters(ctx context.Context, f geo.EventFilter, level int) ([]geo.Cluster, int, error) {
	box, err := geo.ClusterBox(f, level)
	if err != nil {
		return nil, 0, err
	}
	w, err := compile(f)
	if err != nil {
		return nil, 0, err
	}
	cells := map[[2]uint32]*tally{}
	shift := strconv.Itoa(geo.MaxCellLevel - level)
	types := eventTypes(f.Types)
	if !countable(f) || level > countedLevel {
		err = s.groupEvents(ctx, cells, shift, []string{w.sql()}, w.args)
	} else {
		a := min(level+2+level%2, countedLevel)
		for _, b := range box.Bounds() {
			if err = s.countBound(ctx, cells, level, a, b, types); err != nil {
				break
			}
		}
		if err == nil {
			err = s.singleIDs(ctx, cells, level, types)
		}
	}
	showTypes := typesShown(f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]geo.Cluster, 0, len(cells))
	total := 0
	for xy, t := range cells {
		if t.n <= 0 {
			continue
		}
		c := geo.Cluster{Cell: geo.CellAt(level, xy[0], xy[1]), Count: int(t.n),
			Point: orb.Point{t.sum[0] / float64(t.n), t.sum[1] / float64(t.n)}}
		if t.n == 1 {
			c.ID = t.id
		}
		if showTypes {
			c.Types = make(map[string]int, len(t.types))
			for typ, n := range t.types {
				if n > 0 {
					c.Types[typ] = int(n)
				}
			}
		}
		total += c.Count
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b geo.Cluster) int { return cmp.Compare(a.Cell.ID, b.Cell.ID) })
	return out, total, nil
}

// countable reports whether f's counts come from the aggregates: no
// datetime, tags or q (types are kept per cell).
func countable(f geo.EventFilter) bool {
	return f.Interval.Start.IsZero() && f.Interval.End.IsZero() && !hasTags(f) && strings.TrimSpace(f.Q) == ""
}

// typesShown is the bbolt store's rule for when clusters carry Types:
// the filter has no tags or q, and any datetime is whole UTC days.
func typesShown(f geo.EventFilter) bool {
	midnight := func(t time.Time) bool { return t.Equal(t.UTC().Truncate(24 * time.Hour)) }
	return !hasTags(f) && strings.TrimSpace(f.Q) == "" &&
		(f.Interval.Start.IsZero() || midnight(f.Interval.Start)) &&
		(f.Interval.End.IsZero() || midnight(f.Interval.End.Add(time.Nanosecond)))
}

func hasTags(f geo.EventFilter) bool {
	for _, t := range f.Tags {
		if strings.TrimSpace(t) != "" {
			return true
		}
	}
	return false
}

// groupEvents adds the events matching any of conds (which select
// disjoint sets), grouped by cell and type, to cells.
func (s *Store) groupEvents(ctx context.Context, cells map[[2]uint32]*tally, shift string, conds []string, args []any) error {
	var union []string
	for _, c := range conds {
		union = append(union, "SELECT cx, cy, type, pt, id FROM geonews_events WHERE "+c)
	}
	rows, err := s.pool.Query(ctx, "SELECT cx >> "+shift+", cy >> "+shift+", type, count(*), sum(pt[0]), sum(pt[1]), min(id) FROM ("+
		strings.Join(union, " UNION ALL ")+") e GROUP BY 1, 2, 3", args...)
	if err != nil {
		return dbError(err)
	}
	for rows.Next() {
		var x, y int32
		var typ string
		var n int64
		var sx, sy float64
		var id string
		if err := rows.Scan(&x, &y, &typ, &n, &sx, &sy, &id); err != nil {
			rows.Close()
			return dbError(err)
		}
		t := cellTally(cells, x, y)
		if t.n == 0 {
			t.id, t.fromRows = id, true
		}
		t.add(typ, n, sx, sy)
	}
	return rowsErr(rows)
}

// countBound adds the events in b (of types, if any) to cells at level:
// the counted cells at level a wholly inside b from their counts, the rest
// (the strips along b's edges) from the events.
func (s *Store) countBound(ctx context.Context, cells map[[2]uint32]*tally, level, a int, b orb.Bound, types []string) error {
	c := insideCells(b, a)
	if c.empty() {
		w := &where{}
		return s.groupEvents(ctx, cells, strconv.Itoa(geo.MaxCellLevel-level), []string{w.inBox(b) + w.typeCond(types)}, w.args)
	}
	up := strconv.Itoa(a - level)
	w := &where{}
	cond := "level = " + w.arg(int16(a)) + " AND x BETWEEN " + w.arg(c.x0) + " AND " + w.arg(c.x1) +
		" AND y BETWEEN " + w.arg(c.y0) + " AND " + w.arg(c.y1) + " AND n > 0" + w.typeCond(types)
	rows, err := s.pool.Query(ctx, "SELECT x >> "+up+", y >> "+up+", type, sum(n), sum(sum_lon), sum(sum_lat) FROM geonews_event_cells"+
		" WHERE "+cond+" GROUP BY 1, 2, 3", w.args...)
	if err != nil {
		return dbError(err)
	}
	for rows.Next() {
		var x, y int32
		var typ string
		var cnt int64
		var sx, sy float64
		if err := rows.Scan(&x, &y, &typ, &cnt, &sx, &sy); err != nil {
			rows.Close()
			return dbError(err)
		}
		cellTally(cells, x, y).add(typ, cnt, sx, sy)
	}
	if err := rowsErr(rows); err != nil {
		return err
	}
	// The strips: b less the inside cells.
	w = &where{}
	conds := w.strips(b, a, c)
	typeCond := w.typeCond(types) // one argument for every strip
	for i := range conds {
		conds[i] += typeCond
	}
	return s.groupEvents(ctx, cells, strconv.Itoa(geo.MaxCellLevel-level), conds, w.args)
}

// singleIDs finds the event of each cluster of one that the counts made:
// a count has no ID, so the event is looked up at the cluster's point,
// which is the event's own.
func (s *Store) singleIDs(ctx context.Context, cells map[[2]uint32]*tally, level int, types []string) error {
	var keys [][2]uint32
	var lons, lats []float64
	var xs, ys []int32
	for k, t := range cells {
		if t.n == 1 && !t.fromRows {
			keys = append(keys, k)
			lons, lats = append(lons, t.sum[0]), append(lats, t.sum[1])
			xs, ys = append(xs, int32(k[0])), append(ys, int32(k[1]))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if types == nil {
		types = []string{} // cardinality(NULL) is NULL
	}
	shift := strconv.Itoa(geo.MaxCellLevel - level)
	rows, err := s.pool.Query(ctx, `SELECT p.i, e.id, e.pt[0], e.pt[1]
		FROM unnest($1::float8[], $2::float8[], $3::int[], $4::int[]) WITH ORDINALITY AS p(lon, lat, x, y, i)
		CROSS JOIN LATERAL (SELECT id, pt FROM geonews_events
			WHERE pt <@ box(point(p.lon - 1e-6, p.lat - 1e-6), point(p.lon + 1e-6, p.lat + 1e-6))
			AND cx >> `+shift+` = p.x AND cy >> `+shift+` = p.y AND (cardinality($5::text[]) = 0 OR type = ANY($5::text[]))
			ORDER BY id LIMIT 1) e`, lons, lats, xs, ys, types)
	if err != nil {
		return dbError(err)
	}
	for rows.Next() {
		var i int64
		var id string
		var lon, lat float64
		if err := rows.Scan(&i, &id, &lon, &lat); err != nil {
			rows.Close()
			return dbError(err)
		}
		t := cells[keys[i-1]]
		t.id, t.sum = id, orb.Point{lon, lat}
	}
	return rowsErr(rows)
}
