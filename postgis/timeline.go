package postgis

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

var _ geo.EventTimeliner = (*Store)(nil)

// dayLevels are the levels of geonews_event_days, coarsest first.
var dayLevels = [...]int{0, 4, 6}

// eventTypes is a filter's types as compile reads them: trimmed, the
// empty ones dropped, case kept (types are names from the ontology).
func eventTypes(types []string) []string {
	var out []string
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// EventTimeline counts the events matching f (BBox and Types only) per UTC
// day and type (see geo.EventTimeliner), sorted by day and type, from
// geonews_event_days, which the triggers keep: each part of the box is
// cut into the cells wholly inside it at level 0 (the world), then the
// level-4 cells inside it but outside those, then the level-6 ones, whose
// day counts are added up; only the events in the strips along its edges
// (less than a level-6 cell, 5.6°, wide) are counted, from pt's GiST
// index alone, which carries their time, type and cell (the table, in
// time order, holds a strip's events scattered over its pages). A world
// view reads one row per day and type, and no event.
func (s *Store) EventTimeline(ctx context.Context, f geo.EventFilter) ([]geo.TypeDay, error) {
	if !f.Interval.Start.IsZero() || !f.Interval.End.IsZero() || hasTags(f) || strings.TrimSpace(f.Q) != "" {
		return nil, geo.Errorf(geo.EINVALID, "the timeline takes a bbox and types only")
	}
	box := geo.BBox{West: -180, South: -90, East: 180, North: 90}
	if f.BBox != nil {
		if err := f.BBox.Validate(); err != nil {
			return nil, err
		}
		box = *f.BBox
	}
	w := &where{}
	typeCond := w.typeCond(eventTypes(f.Types))
	var parts []string
	for _, b := range box.Bounds() {
		parts = append(parts, timelineParts(w, b, typeCond)...)
	}
	rows, err := s.pool.Query(ctx, "SELECT day, type, sum(n) FROM ("+strings.Join(parts, " UNION ALL ")+
		") u GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2", w.args...)
	if err != nil {
		return nil, dbError(err)
	}
	out := []geo.TypeDay{}
	for rows.Next() {
		var day time.Time
		var typ string
		var n int64
		if err := rows.Scan(&day, &typ, &n); err != nil {
			rows.Close()
			return nil, dbError(err)
		}
		out = append(out, geo.TypeDay{Day: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), Type: typ, Count: int(n)})
	}
	return out, rowsErr(rows)
}

// cellSpan is the range of the cells at a level wholly inside a bound;
// empty when x0 > x1 or y0 > y1.
type cellSpan struct{ x0, x1, y0, y1 int32 }

func (c cellSpan) empty() bool { return c.x0 > c.x1 || c.y0 > c.y1 }

func insideCells(b orb.Bound, level int) cellSpan {
	n := float64(uint32(1) << level)
	return cellSpan{
		x0: int32(math.Ceil((b.Min[0] + 180) / 360 * n)), x1: int32(math.Floor((b.Max[0]+180)/360*n)) - 1,
		y0: int32(math.Ceil((b.Min[1] + 90) / 180 * n)), y1: int32(math.Floor((b.Max[1]+90)/180*n)) - 1,
	}
}

// timelineParts are the SELECTs of (day, type, n) whose union counts the
// events in b per day and type: the day counts of its inside cells, the
// events of its strips (see cover).
func timelineParts(w *where, b orb.Bound, typeCond string) []string {
	cells, strips := w.cover(b, dayLevels[:])
	var parts []string
	for _, c := range cells {
		parts = append(parts, "SELECT day, type, n FROM geonews_event_days WHERE "+c+typeCond)
	}
	for _, c := range strips {
		parts = append(parts, "SELECT (time AT TIME ZONE 'UTC')::date AS day, type, count(*) AS n FROM geonews_events WHERE "+
			c+typeCond+" GROUP BY 1, 2")
	}
	return parts
}

// cover cuts b into the counted cells wholly inside it and the strips
// along its edges that no such cell covers: the conditions on an
// aggregate table's (level, x, y) that select the cells, and on
// geonews_events that select the strips' events, each its own range of
// an index. The cells are taken level by level from levels, coarsest
// first, each level only the ring of cells around those its parent level
// took, so that a level reads only the rows it adds; the strips are
// narrower than a cell of the finest level taken. A b that holds no cell
// of any level is one strip, itself.
func (w *where) cover(b orb.Bound, levels []int) (cells, strips []string) {
	var prev cellSpan
	prevLevel := -1 // none yet
	for _, l := range levels {
		c := insideCells(b, l)
		if c.empty() {
			continue
		}
		ring := []cellSpan{c}
		if prevLevel >= 0 {
			up := l - prevLevel
			p := cellSpan{prev.x0 << up, (prev.x1+1)<<up - 1, prev.y0 << up, (prev.y1+1)<<up - 1}
			ring = []cellSpan{
				{c.x0, p.x0 - 1, c.y0, c.y1}, {p.x1 + 1, c.x1, c.y0, c.y1},
				{p.x0, p.x1, c.y0, p.y0 - 1}, {p.x0, p.x1, p.y1 + 1, c.y1},
			}
		}
		for _, r := range ring {
			if !r.empty() {
				cells = append(cells, "level = "+w.arg(int16(l))+" AND x BETWEEN "+w.arg(r.x0)+" AND "+w.arg(r.x1)+
					" AND y BETWEEN "+w.arg(r.y0)+" AND "+w.arg(r.y1))
			}
		}
		prev, prevLevel = c, l
	}
	if prevLevel < 0 {
		return nil, []string{w.inBox(b)}
	}
	return cells, w.strips(b, prevLevel, prev)
}
