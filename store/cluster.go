package store

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// Limits that keep one Clusters call cheap whatever its parameters.
const (
	// MaxClusterCells is how many grid cells a bbox may span at the
	// requested level (geo.ClusterBox checks it).
	MaxClusterCells = geo.MaxClusterCells
	// QScanBudget is how many index entries a free-text (q) request may
	// walk: q has no index or aggregate, so every candidate's record is
	// read and matched. Past it Clusters answers geo.EINVALID (a 400)
	// asking for a smaller box, a time span or tags, rather than a partial
	// count that would silently disagree with numberMatched.
	QScanBudget = 50000
	// topTagSample and topTagBudget bound how top tags are sampled: at most
	// topTagSample matching events, among at most topTagBudget index
	// entries read, per cluster.
	topTagSample = 32
	topTagBudget = 512
	maxTopTags   = 3
)

// Cluster is the events of one grid cell that match a filter (geo's
// backend-neutral type).
type Cluster = geo.Cluster

// tally is a cluster being counted: its points' count-weighted sum and its
// tag tallies, exact or sampled.
type tally struct {
	geo.Cluster
	sum  orb.Point
	tags map[string]int
}

// Clusters counts the events that match f (BBox, Interval, Tags, Q; Limit
// and Cursor are ignored) per cell of the geo.Cell grid at level, for maps
// that show millions of events: a level-L cell is 360/2^L degrees wide, so
// level = zoom+2 puts clusters ~64 px apart on a Web Mercator map. Cells
// are fixed, so clusters stay put while the map pans and split into their
// four children at each level down. Clusters come sorted by cell ID; total
// is the sum of their counts.
//
// Counts are exact: they add up to FindEvents' NumberMatched for the same
// filter. How they are found depends on the filter:
//
//   - No tags, time or q (level ≤ 10): from the per-cell counters kept at
//     statLevels, no event read. Counted cells wholly inside the bbox add
//     their counts; a cell the bbox edge crosses is split into its counted
//     children down to level 10, whose index entries are then tested one
//     by one. Cost: the cells visited, not the events (~10k stat keys for a
//     world view, whatever the number of events).
//   - Tags only (level ≤ 8): from the tag-set histograms kept at setLevels
//     (events per cell per set of tags), summing the sets that hold a
//     requested tag, so an event with two of them counts once; cells the
//     bbox edge crosses are split down to level 8 and then walked in the
//     level-10 index where the box covers them. Cost: the cells and sets
//     visited (≤ ~300 sets per cell for the benchmark's 12 tags), and the
//     events in the edge's level-8 cells. Positions as for counters, with
//     sub-cells at most level 8.
//   - Tags and/or datetime otherwise: a walk of index keys, which
//     carry the time key and the point, so no record is decoded: the
//     per-cell index (only populated cells, each from the time bound to the
//     end bound) or the per-tag index (merged in key order so that an event
//     with two of the tags counts once), whichever the counters say is
//     shorter. Cost: proportional to the matches in the box.
//   - q: the planner's candidates are walked and their records matched, up
//     to QScanBudget entries; beyond that the call fails with geo.EINVALID.
//
// Positions: a walk places each cluster at the exact mean of its events. The
// counter path places it at the count-weighted mean of the centres of the
// counted sub-cells (level min(L+2, 10), rounded up to a counted level),
// so the error is at most half a sub-cell: 1/8 of the cluster's cell (8 px
// of a 64 px cluster) for L ≤ 8, half a level-10 cell (0.18° × 0.09°)
// above. (Finer sub-cells cost more: a world view at L+4 reads ~200k
// level-10 counters for 1M events, ~50 ms.)
//
// Top tags are exact when the walk reads records (q, and tag filters over
// small boxes); otherwise they are the most frequent tags among a sample of
// up to 32 matching events read from the level-10 index in the cluster's
// cell (among at most 512 entries, in spatial then time order), so for big
// clusters they are indicative and may be empty under a narrow filter.
func (s *Store) Clusters(ctx context.Context, f geo.EventFilter, level int) ([]Cluster, int, error) {
	if _, err := geo.ClusterBox(f, level); err != nil {
		return nil, 0, err
	}
	q, err := compileFilter(f)
	if err != nil {
		return nil, 0, err
	}
	cl := &clusterer{q: q, level: level, cells: map[uint32]*tally{}}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			return nil
		}
		cl.events, cl.index, cl.stats = tx.Bucket(bucketEvents), tx.Bucket(bucketCells), tx.Bucket(bucketStats)
		cl.cur, cl.evCur = boltpack.NewCursor(cl.index), boltpack.NewCursor(cl.events)
		var err error
		switch {
		case q.q != "":
			err = cl.scanQuery(ctx, tx)
		case cl.typeCountsServe():
			err = cl.fromTypeCounts(ctx)
		case q.tags == nil && q.types == nil && q.lo == nil && q.hi == nil && level <= 10:
			err = cl.fromCounts(ctx)
		case q.lo == nil && q.hi == nil && q.types == nil && level <= setLevels[len(setLevels)-1] && cl.stats.Get([]byte(statSetsAll)) != nil:
			err = cl.fromSetCounts(ctx)
		default:
			err = cl.walk(ctx, tx)
		}
		if err == nil && !cl.exactTags {
			err = cl.sampleTags(ctx)
		}
		if err == nil && (cl.cur.Err() != nil || cl.evCur.Err() != nil) {
			err = errCorrupt
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]Cluster, 0, len(cl.cells))
	total := 0
	for _, c := range cl.cells {
		c.Point = orb.Point{c.sum[0] / float64(c.Count), c.sum[1] / float64(c.Count)}
		c.TopTags = topTags(c.tags)
		c.tags = nil
		if !cl.typesExact {
			c.Types = nil
		}
		if c.Count != 1 {
			c.ID = ""
		}
		total += c.Count
		out = append(out, c.Cluster)
	}
	slices.SortFunc(out, func(a, b Cluster) int { return cmp.Compare(a.Cell.ID, b.Cell.ID) })
	return out, total, nil
}

// compileFilter is FindEvents' reading of a filter, without paging.
func compileFilter(f geo.EventFilter) (*query, error) {
	q := &query{desc: true}
	if f.BBox != nil {
		if err := f.BBox.Validate(); err != nil {
			return nil, err
		}
		q.bounds = f.BBox.Bounds()
	}
	for _, t := range f.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			if q.tags == nil {
				q.tags = map[string]bool{}
			}
			q.tags[t] = true
		}
	}
	q.q = strings.ToLower(strings.TrimSpace(f.Q))
	q.types = typeSet(f.Types)
	if !f.Interval.Start.IsZero() {
		q.lo = appendTimeKey(nil, clampTime(f.Interval.Start))
	}
	if !f.Interval.End.IsZero() {
		q.hi = appendTimeKey(nil, clampTime(f.Interval.End).Add(time.Nanosecond))
	}
	return q, nil
}

// clusterer accumulates clusters within one read transaction.
type clusterer struct {
	q                    *query
	level                int
	cells                map[uint32]*tally
	events, index, stats *bolt.Bucket
	cur, evCur           *boltpack.Cursor // on index and events, kept for the walk
	exactTags            bool             // tags were tallied from every matching record
	typesExact           bool             // types were tallied from every matching event
	steps                int
	setMatch             []int8 // by tag set ID: 0 not known yet, 1 no match, 2 holds a requested tag
	names                map[string]string
}

// name returns b, a tag or type read from the DB, as a string made once per
// call of Clusters (a world view samples ~10k tags from ~50 names).
func (cl *clusterer) name(b []byte) string {
	s, ok := cl.names[string(b)]
	if !ok {
		if cl.names == nil {
			cl.names = map[string]string{}
		}
		s = string(b)
		cl.names[s] = s
	}
	return s
}

// tick checks ctx every 4096 steps, so that a hung-up client stops a walk.
func (cl *clusterer) tick(ctx context.Context) error {
	cl.steps++
	if cl.steps&4095 == 0 {
		return ctx.Err()
	}
	return nil
}

// add counts n events at p (their mean) in p's cluster; id names the event
// when n is 1.
func (cl *clusterer) add(p orb.Point, n int, id string) *tally {
	cell := geo.CellOf(p, cl.level)
	c := cl.cells[cell.ID]
	if c == nil {
		c = &tally{Cluster: geo.Cluster{Cell: cell, Types: map[string]int{}}, tags: map[string]int{}}
		cl.cells[cell.ID] = c
	}
	if c.Count == 0 && n == 1 {
		c.ID = id
	}
	c.Count += n
	c.sum[0] += p[0] * float64(n)
	c.sum[1] += p[1] * float64(n)
	return c
}

// Relations of a cell to the filter's box.
const (
	cellOut = iota
	cellIn
	cellPartial
)

func (cl *clusterer) relate(b orb.Bound) int {
	if cl.q.bounds == nil {
		return cellIn
	}
	res := cellOut
	for _, qb := range cl.q.bounds {
		if b.Min[0] >= qb.Min[0] && b.Max[0] <= qb.Max[0] && b.Min[1] >= qb.Min[1] && b.Max[1] <= qb.Max[1] {
			return cellIn
		}
		if b.Min[0] <= qb.Max[0] && b.Max[0] >= qb.Min[0] && b.Min[1] <= qb.Max[1] && b.Max[1] >= qb.Min[1] {
			res = cellPartial
		}
	}
	return res
}

// typeCountsServe reports whether the type aggregates can answer the
// clusters: no tags or q, a level they keep, and no time bounds or
// day-aligned ones at a level the per-day counts keep.
func (cl *clusterer) typeCountsServe() bool {
	q := cl.q
	if q.tags != nil || q.q != "" || cl.level > typeTop || !typesReady(cl.stats) {
		return false
	}
	if q.lo == nil && q.hi == nil {
		return true
	}
	_, _, ok := dayBounds(q.lo, q.hi)
	return ok && cl.level <= dayTop
}

// fromTypeCounts clusters a box filtered by types and whole days from the
// type aggregates, as fromCounts does from the per-cell counters, with
// every cluster's count per type.
func (cl *clusterer) fromTypeCounts(ctx context.Context) error {
	cl.typesExact = true
	tv := &typeVisitor{cl: cl, top: typeTop}
	if cl.q.lo != nil || cl.q.hi != nil {
		tv.day, tv.top = true, dayTop
		tv.loDay, tv.hiDay, _ = dayBounds(cl.q.lo, cl.q.hi)
	}
	tv.target = min(cl.level+2, tv.top)
	tv.target = max(tv.target+tv.target%2, typeLevels[0])
	// A cell's types come one after another: its cluster is found once.
	var last geo.Cell
	var lastC *tally
	name := cl.name
	tv.in = func(cell geo.Cell, _ uint32, typ []byte, n int64) {
		if lastC == nil || cell != last {
			last, lastC = cell, cl.add(cell.Bound().Center(), int(n), "")
		} else {
			p := cell.Bound().Center()
			lastC.Count += int(n)
			lastC.sum[0] += p[0] * float64(n)
			lastC.sum[1] += p[1] * float64(n)
		}
		lastC.Types[name(typ)] += int(n)
	}
	tv.leaf = func(p orb.Point, key []byte, typ []byte) {
		c := cl.add(p, 1, string(key[timeKeyLen:]))
		c.Types[name(typ)]++
	}
	return tv.visit(ctx, typeLevels[0], 0, 1<<(2*typeLevels[0]))
}

// fromCounts clusters an unfiltered box from the per-cell counters.
func (cl *clusterer) fromCounts(ctx context.Context) error {
	v := &visitor{kind: statCell, top: 10, leaf: cl.walkCell}
	v.count = func(val []byte) (int64, error) { return decodeCount(val), nil }
	return cl.visit(ctx, v, statLevels[0], 0, 1<<(2*statLevels[0]))
}

// fromSetCounts clusters a box with a tag filter (and no time or q) from
// the tag-set histograms, as fromCounts does from the per-cell counters:
// a counted cell wholly inside the box adds the counts of its sets that
// hold a requested tag, so an event with two of them counts once; a cell
// the box edge crosses is split down to the finest histogram level, whose
// level-10 index entries (records) are then tested one by one.
func (cl *clusterer) fromSetCounts(ctx context.Context) error {
	v := &visitor{kind: statSetCell, top: setLevels[len(setLevels)-1]}
	v.leaf = cl.walkPart
	v.count = func(val []byte) (n int64, err error) {
		err = eachHistogram(val, func(set uint32, k int64) {
			if cl.setMatches(set, &err) {
				n += k
			}
		})
		return n, err
	}
	return cl.visit(ctx, v, setLevels[0], 0, 1<<(2*setLevels[0]))
}

// visitor describes counters kept per cell at the even levels 2..top:
// their stats key kind, how to read the matching count from a value, and
// how to walk the events of a cell at level top that the box edge crosses.
type visitor struct {
	kind  byte
	top   int
	count func(v []byte) (int64, error)
	leaf  func(ctx context.Context, c geo.Cell) error
}

// visit visits the counted cells at level whose IDs are in [from, to). A
// cell inside the box at or below the target level (two levels under the
// cluster level, within the counted ones) is added at its centre, so that
// cluster positions are the count-weighted mean of those sub-cells.
func (cl *clusterer) visit(ctx context.Context, v *visitor, level int, from, to uint32) error {
	target := min(cl.level+2, v.top)
	target = max(target+target%2, statLevels[0])
	c := cl.stats.Cursor()
	prefix := []byte{v.kind, byte(level)}
	for k, val := c.Seek(binary.BigEndian.AppendUint32(slices.Clip(prefix), from)); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
		if len(k) != 2+4 {
			return errCorrupt
		}
		id := binary.BigEndian.Uint32(k[2:])
		if id >= to {
			break
		}
		if err := cl.tick(ctx); err != nil {
			return err
		}
		cell := geo.Cell{Level: level, ID: id}
		rel := cl.relate(cell.Bound())
		var err error
		switch {
		case rel == cellOut:
		case rel == cellIn && level >= target:
			var n int64
			if n, err = v.count(val); err == nil && n > 0 {
				b := cell.Bound()
				cl.add(b.Center(), int(n), "")
			}
		case level < v.top:
			err = cl.visit(ctx, v, level+2, id<<4, (id+1)<<4)
		default:
			err = v.leaf(ctx, cell)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// setMatches reports whether tag set id holds a requested tag, reading its
// name once per call of Clusters.
func (cl *clusterer) setMatches(id uint32, err *error) bool {
	if int(id) >= len(cl.setMatch) {
		if id > 1<<24 {
			*err = errCorrupt
			return false
		}
		cl.setMatch = append(cl.setMatch, make([]int8, int(id)+1-len(cl.setMatch))...)
	}
	if cl.setMatch[id] == 0 {
		name := cl.stats.Get(binary.BigEndian.AppendUint32([]byte{statSetName}, id))
		if name == nil {
			*err = errCorrupt
		}
		cl.setMatch[id] = 1
		for t := range bytes.SplitSeq(name, []byte{0}) {
			if cl.q.tags[string(t)] {
				cl.setMatch[id] = 2
			}
		}
	}
	return cl.setMatch[id] == 2
}

// walkPart walks the level-10 cells of c that the box covers, whose
// index entries hold records, and adds their matching events.
func (cl *clusterer) walkPart(ctx context.Context, c geo.Cell) error {
	for _, f := range cl.partCells(c) {
		if err := cl.walkCell(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// partCells returns the level-10 cells of c that the box covers, sorted,
// each once.
func (cl *clusterer) partCells(c geo.Cell) []geo.Cell {
	sh := 2 * (10 - c.Level)
	cb := c.Bound()
	var cells []geo.Cell
	for _, qb := range boundsOrWorld(cl.q.bounds) {
		w, s := max(cb.Min[0], qb.Min[0]), max(cb.Min[1], qb.Min[1])
		e, n := min(cb.Max[0], qb.Max[0]), min(cb.Max[1], qb.Max[1])
		if w > e || s > n {
			continue
		}
		for _, f := range geo.CoveringCells(geo.BBox{West: w, South: s, East: e, North: n}, 10) {
			if f.ID>>sh == c.ID { // not a neighbour the edge touches
				cells = append(cells, f)
			}
		}
	}
	slices.SortFunc(cells, func(a, b geo.Cell) int { return cmp.Compare(a.ID, b.ID) })
	return slices.Compact(cells)
}

// walkCell adds the events of one level-10 cell that lie in the box and
// have a requested tag, if any.
func (cl *clusterer) walkCell(ctx context.Context, cell geo.Cell) error {
	src := &source{c: cl.cur, prefix: cellPrefix(nil, cell)}
	for ok := src.first(false, nil, nil); ok; ok = src.step(false, nil, nil) {
		if err := cl.tick(ctx); err != nil {
			return err
		}
		if err := cl.entry(src.key(), src.v, cl.q.tags != nil); err != nil {
			return err
		}
	}
	return nil
}

// entry tests one index entry (value: point E7 or record) against the box
// and, if checkTags, the tags, and adds the event if it matches.
func (cl *clusterer) entry(key, v []byte, checkTags bool) error {
	var rec []byte
	var p orb.Point
	if len(v) == 8 {
		var ok bool
		if p, ok = decodePointE7(v); !ok {
			return errCorrupt
		}
		if cl.q.bounds != nil {
			switch classifyE7(cl.q.bounds, p) {
			case outside:
				return nil
			case edge:
				if rec = cl.evCur.Get(key); rec == nil {
					return errCorrupt
				}
			}
		}
	} else {
		rec = v
	}
	if rec != nil {
		if len(rec) < 17 {
			return errCorrupt
		}
		if p = recordPoint(rec); cl.q.bounds != nil && !inBounds(cl.q.bounds, p) {
			return nil
		}
	}
	if checkTags || cl.exactTags || cl.typesExact || cl.q.types != nil {
		if rec == nil {
			if rec = cl.evCur.Get(key); rec == nil {
				return errCorrupt
			}
		}
		match := !checkTags
		err := recordTags(rec, func(t []byte) {
			if cl.q.tags[string(t)] {
				match = true
			}
		})
		if err != nil {
			return err
		}
		if !match {
			return nil
		}
		var typ []byte
		if cl.typesExact || cl.q.types != nil {
			if typ, err = recordType(rec); err != nil {
				return err
			}
			if cl.q.types != nil && !cl.q.types[string(typ)] {
				return nil
			}
		}
		c := cl.add(p, 1, string(key[timeKeyLen:]))
		if cl.typesExact {
			c.Types[string(typ)]++
		}
		if cl.exactTags {
			return recordTags(rec, func(t []byte) { c.tags[string(t)]++ })
		}
		return nil
	}
	cl.add(p, 1, string(key[timeKeyLen:]))
	return nil
}

// walk clusters a filtered box by walking index keys: the cell index over
// populated cells, or the tag index merged in key order.
func (cl *clusterer) walk(ctx context.Context, tx *bolt.Tx) error {
	q := cl.q
	total := float64(max(decodeCount(cl.stats.Get([]byte(statTotal))), 1))
	boxEst := total
	if q.bounds != nil {
		boxEst = estimateBox(cl.stats, q.bounds)
	}
	// A level-10 index entry holds the record (tags readable in place);
	// a level-6 entry only the point, so testing its tags costs a Get.
	level := 6
	if cellCount(boundsOrWorld(q.bounds), 10) <= 4096 {
		level = 10
	}
	cellCost := boxEst
	if q.tags != nil {
		cellCost *= 3 // decoding tags
		if level == 6 {
			cellCost *= 4 // and a Get per entry
		}
		var tagSum float64
		for t := range q.tags {
			tagSum += float64(decodeCount(cl.stats.Get(tagStatKey(t))))
		}
		if tagSum <= cellCost {
			cl.typesExact = q.types != nil // records are read to test the type
			return cl.walkTags(ctx, tx)
		}
	}
	cl.exactTags = level == 10
	cl.typesExact = level == 10 || q.types != nil
	for _, b := range boundsOrWorld(q.bounds) {
		for _, c := range geo.CoveringCells(geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}, level) {
			if decodeCount(cl.stats.Get(cellStatKey(c))) == 0 {
				continue
			}
			src := &source{c: cl.cur, prefix: cellPrefix(nil, c)}
			for ok := src.first(false, q.lo, q.hi); ok; ok = src.step(false, q.lo, q.hi) {
				if err := cl.tick(ctx); err != nil {
					return err
				}
				if err := cl.entry(src.key(), src.v, q.tags != nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// walkTags merges the requested tags' index keys in key order, so that an
// event under two of them is seen once.
func (cl *clusterer) walkTags(ctx context.Context, tx *bolt.Tx) error {
	q := cl.q
	b := tx.Bucket(bucketTags)
	m := &merger{}
	var curs []*boltpack.Cursor
	for t := range q.tags {
		s := &source{c: boltpack.NewCursor(b), prefix: tagPrefix(nil, t)}
		curs = append(curs, s.c)
		if s.first(false, q.lo, q.hi) {
			m.srcs = append(m.srcs, s)
		}
	}
	heap.Init(m)
	var last []byte
	for len(m.srcs) > 0 {
		if err := cl.tick(ctx); err != nil {
			return err
		}
		s := m.srcs[0]
		key := s.key()
		if last == nil || !bytes.Equal(key, last) {
			last = append(last[:0], key...)
			if err := cl.entry(key, s.v, false); err != nil {
				return err
			}
		}
		if s.step(false, cl.q.lo, cl.q.hi) {
			heap.Fix(m, 0)
		} else {
			heap.Pop(m)
		}
	}
	for _, c := range curs {
		if c.Err() != nil {
			return errCorrupt
		}
	}
	return nil
}

// scanQuery clusters a free-text filter through the planner's cheapest
// plan, reading every candidate's record, within QScanBudget.
func (cl *clusterer) scanQuery(ctx context.Context, tx *bolt.Tx) error {
	q := cl.q
	q.plan(tx, 1<<30, decodeCount(cl.stats.Get([]byte(statTotal))))
	if q.walk > QScanBudget {
		return geo.Errorf(geo.EINVALID, "q over this bbox and filters would read ~%.0f events, more than %d; narrow the bbox, datetime or tags, or zoom in", q.walk, QScanBudget)
	}
	q.desc = false
	cl.exactTags, cl.typesExact = true, true
	return q.run(ctx, tx, true, func(key []byte, e *geo.Event) bool {
		c := cl.add(e.Point, 1, e.ID)
		c.Types[e.Type]++
		for _, t := range e.Tags {
			c.tags[t]++
		}
		return true
	})
}

// sampleTags tallies the tags of up to topTagSample matching events per
// cluster from the level-10 covering index.
func (cl *clusterer) sampleTags(ctx context.Context) error {
	var tags []string
	for _, c := range cl.cells {
		// The cluster's cell at level 10, or its level-10 ancestor: a
		// contiguous ID range in Z-order.
		var from, to uint32
		if c.Cell.Level <= 10 {
			sh := 2 * (10 - c.Cell.Level)
			from, to = c.Cell.ID<<sh, (c.Cell.ID+1)<<sh
		} else {
			from = c.Cell.ID >> (2 * (c.Cell.Level - 10))
			to = from + 1
		}
		cur := cl.cur
		prefix := []byte{10}
		found, read := 0, 0
		for k, v := cur.Seek(binary.BigEndian.AppendUint32(prefix, from)); k != nil && found < topTagSample; k, v = cur.Next() {
			if err := cl.tick(ctx); err != nil {
				return err
			}
			if k[0] != 10 || len(k) <= cellPrefixLen+timeKeyLen || binary.BigEndian.Uint32(k[1:]) >= to {
				break
			}
			if read++; read > topTagBudget {
				break
			}
			key := k[cellPrefixLen:]
			if (cl.q.lo != nil && bytes.Compare(key, cl.q.lo) < 0) || (cl.q.hi != nil && bytes.Compare(key, cl.q.hi) >= 0) {
				continue
			}
			rec := v
			if len(v) == 8 {
				if rec = cl.evCur.Get(key); rec == nil {
					return errCorrupt
				}
			}
			if len(rec) < 17 {
				return errCorrupt
			}
			p := recordPoint(rec)
			if (cl.q.bounds != nil && !inBounds(cl.q.bounds, p)) || geo.CellOf(p, c.Cell.Level) != c.Cell {
				continue
			}
			match := cl.q.tags == nil
			tags = tags[:0]
			if err := recordTags(rec, func(t []byte) {
				match = match || cl.q.tags[string(t)]
				tags = append(tags, cl.name(t))
			}); err != nil {
				return err
			}
			if !match {
				continue
			}
			if cl.q.types != nil {
				typ, err := recordType(rec)
				if err != nil {
					return err
				}
				if !cl.q.types[string(typ)] {
					continue
				}
			}
			found++
			if c.Count == 1 && c.ID == "" {
				c.ID = string(key[timeKeyLen:])
			}
			for _, t := range tags {
				c.tags[t]++
			}
		}
	}
	return nil
}

// recordTags calls fn with each tag of a record, without decoding the rest
// or copying it: t is only valid during the call.
func recordTags(rec []byte, fn func(t []byte)) error {
	b, _, ok := recordBody(rec)
	if !ok {
		return errCorrupt
	}
	next := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		s := b[k : k+int(n)]
		b = b[k+int(n):]
		return s, true
	}
	if _, ok := next(); !ok { // title
		return errCorrupt
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > geo.MaxTags {
		return errCorrupt
	}
	b = b[k:]
	for range n {
		t, ok := next()
		if !ok {
			return errCorrupt
		}
		fn(t)
	}
	return nil
}

// topTags returns the most frequent tags, ties broken by name.
func topTags(m map[string]int) []string {
	type tagCount struct {
		t string
		n int
	}
	all := make([]tagCount, 0, len(m))
	for t, n := range m {
		all = append(all, tagCount{t, n})
	}
	// Counts in the slice, not looked up in m by the comparison: a world
	// view sorts ~250 clusters' tags, and the lookups were most of it.
	slices.SortFunc(all, func(a, b tagCount) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.t, b.t)) })
	tags := make([]string, min(len(all), maxTopTags))
	for i := range tags {
		tags[i] = all[i].t
	}
	return tags
}

func boundsOrWorld(bounds []orb.Bound) []orb.Bound {
	if bounds == nil {
		return []orb.Bound{{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}}
	}
	return bounds
}

// CellLevelForZoom returns the cluster level for a Web Mercator zoom
// (geo.CellLevelForZoom, the rule of every backend).
func CellLevelForZoom(zoom int) int { return geo.CellLevelForZoom(zoom) }
