package store

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// Plan kinds: which ordered key space a query walks newest first.
const (
	planTime  = iota // the events bucket itself, filtering every record
	planCells        // one source per covering cell at one index level
	planTags         // one source per requested tag
)

// query is an EventFilter compiled for one transaction.
type query struct {
	bounds  []orb.Bound     // nil: anywhere
	tags    map[string]bool // nil: any
	types   map[string]bool // nil: any
	q       string          // lower case; "": any
	lo, hi  []byte          // event-key bounds: lo inclusive, hi exclusive; nil: open
	desc    bool            // walk newest first
	kind    int             // plan kind
	level   int             // planCells: index level
	cells   []geo.Cell      // planCells: non-empty covering cells
	tagList []string        // planTags: the tags, sorted
	walk    float64         // the plan's estimated entries to walk them all
	slab    []geo.Event     // events are allocated from here, 64 at a time
	view    bool            // decode into ev, a view of the record (decodeEventView)
	ev      geo.Event
	cur     *boltpack.Cursor // on the events bucket, for get
	// skip, when set, passes over a record before it is decoded (a
	// merge's lookup skips the events that list geo.MaxSources).
	skip func(rec []byte) bool
}

// FindEvents returns one page of the events that match f, newest first (by
// time, then ID). Cursors name the last event seen, so they stay valid while
// events are added or removed. The query walks whichever index the stored
// counts say reaches limit matches soonest; see plan.
func (s *Store) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	var evs []*geo.Event
	page, asc, err := s.find(ctx, f, false, func(_ []byte, e *geo.Event) {
		if evs == nil {
			evs = make([]*geo.Event, 0, min(max(f.Limit, geo.DefaultLimit), 1024))
		}
		evs = append(evs, e)
	})
	if err != nil {
		return nil, err
	}
	if asc {
		slices.Reverse(evs)
	}
	page.Events = evs
	if page.Events == nil {
		page.Events = []*geo.Event{}
	}
	return page, nil
}

// AppendEventFeatures is FindEvents for the items endpoint: it appends the
// page's events to dst as GeoJSON Features (geo.AppendFeature) separated by
// commas, encoding each straight from its record inside the read
// transaction, and returns the page without Events and how many it wrote.
// No event is built to outlive the transaction: at 1000 features a page,
// that allocation and its garbage collection cost as much as the encoding.
func (s *Store) AppendEventFeatures(ctx context.Context, f geo.EventFilter, dst []byte) ([]byte, *geo.EventPage, int, error) {
	if dir, _, err := decodeCursor(f.Cursor); f.Cursor != "" && err == nil && dir == 'p' {
		// A previous page is walked oldest first: build it, then encode.
		page, err := s.FindEvents(ctx, f)
		if err != nil {
			return dst, nil, 0, err
		}
		for i, e := range page.Events {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = geo.AppendFeature(dst, e)
		}
		n := len(page.Events)
		page.Events = nil
		return dst, page, n, nil
	}
	n := 0
	page, _, err := s.find(ctx, f, true, func(_ []byte, e *geo.Event) {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = geo.AppendFeature(dst, e)
		n++
	})
	return dst, page, n, err
}

// find runs the query of f and calls add with each event of the page in
// walk order, newest first unless asc; with view, the events are views
// valid only during the call (decodeEventView).
func (s *Store) find(ctx context.Context, f geo.EventFilter, view bool, add func(key []byte, e *geo.Event)) (page *geo.EventPage, asc bool, err error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = geo.DefaultLimit
	case limit < 1:
		limit = 1
	case limit > geo.MaxLimit:
		limit = geo.MaxLimit
	}
	q := &query{desc: true, view: view}
	var dir byte
	var anchor []byte
	if f.Cursor != "" {
		if dir, anchor, err = decodeCursor(f.Cursor); err != nil {
			return nil, false, err
		}
	}
	if f.BBox != nil {
		if err := f.BBox.Validate(); err != nil {
			return nil, false, err
		}
		q.bounds = f.BBox.Bounds()
	}
	if len(f.Tags) > 0 {
		q.tags = map[string]bool{}
		for _, t := range f.Tags {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				q.tags[t] = true
			}
		}
		if len(q.tags) == 0 {
			q.tags = nil
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
	countLo, countHi := q.lo, q.hi
	switch dir {
	case 'n':
		if q.hi == nil || bytes.Compare(anchor, q.hi) < 0 {
			q.hi = anchor
		}
	case 'p':
		after := append(slices.Clip(anchor), 0)
		if q.lo == nil || bytes.Compare(after, q.lo) > 0 {
			q.lo = after
		}
		q.desc = false
	}

	page = &geo.EventPage{NumberMatched: -1}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			page.NumberMatched = 0
			return nil
		}
		total := decodeCount(tx.Bucket(bucketStats).Get([]byte(statTotal)))
		q.plan(tx, limit, total)
		// Cursors need only the page's first and last keys.
		var firstKey, lastKey []byte
		n := 0
		exhausted := true
		err := q.run(ctx, tx, true, func(key []byte, e *geo.Event) bool {
			if n == limit {
				exhausted = false
				return false
			}
			if n == 0 {
				firstKey = slices.Clone(key)
			}
			add(key, e)
			n++
			lastKey = append(lastKey[:0], key...)
			return true
		})
		if err != nil {
			return err
		}
		if !q.desc {
			asc = true
			firstKey, lastKey = lastKey, firstKey
		}
		switch {
		case dir == 0 && !exhausted:
			page.Next = encodeCursor('n', lastKey)
		case dir == 'n' && n > 0:
			page.Prev = encodeCursor('p', firstKey)
			if !exhausted {
				page.Next = encodeCursor('n', lastKey)
			}
		case dir == 'p' && n > 0:
			page.Next = encodeCursor('n', lastKey)
			if !exhausted {
				page.Prev = encodeCursor('p', firstKey)
			}
		}
		// NumberMatched follows one rule whatever the limit or cursor
		// (countMatches); the stored counters and a first page that holds
		// every match only spare the count its work.
		switch {
		case q.bounds == nil && q.tags == nil && q.types == nil && q.q == "" && countLo == nil && countHi == nil:
			page.NumberMatched = int(total)
		case q.bounds == nil && len(q.tags) == 1 && q.types == nil && q.q == "" && countLo == nil && countHi == nil:
			page.NumberMatched = int(decodeCount(tx.Bucket(bucketStats).Get(tagStatKey(q.tagList[0]))))
		case dir == 0 && exhausted && q.q == "":
			page.NumberMatched = n
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if page.NumberMatched < 0 {
		// Counted after the page's transaction: a second read transaction
		// opened inside the first could deadlock with a writer's remap.
		if page.NumberMatched, err = s.countMatches(ctx, f); err != nil {
			return nil, false, err
		}
	}
	return page, asc, nil
}

// countMatches is FindEvents' NumberMatched: the exact number of events that
// match f's BBox, Interval, Tags and Q, whatever its limit and cursor.
// Without Q it is always given, by whichever of two exact counts costs
// less. With a box that holds few of the events, or no datetime, it is
// counted as Clusters counts at level 0 (stored counters, and index keys
// for a datetime), so the map's counts and the API agree. Otherwise a walk
// of the time keys in the window, or of the tags' index keys, tests each
// entry's point, with no record decoded: cost follows the events in the
// window, where Clusters' walk seeks every populated cell
// (BenchmarkNumberMatched: a month of 200k world-wide events 28 → 0.6 ms).
// With Q, which has no index, it is -1 when the candidates to read pass
// QScanBudget.
func (s *Store) countMatches(ctx context.Context, f geo.EventFilter) (int, error) {
	f = geo.EventFilter{BBox: f.BBox, Interval: f.Interval, Tags: f.Tags, Types: f.Types, Q: f.Q}
	q, err := compileFilter(f)
	if err != nil {
		return 0, err
	}
	if q.q == "" && (q.lo != nil || q.hi != nil || q.bounds == nil) {
		n, walked := 0, false
		err := s.db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketEvents) == nil {
				walked = true
				return nil
			}
			if q.bounds != nil {
				total := decodeCount(tx.Bucket(bucketStats).Get([]byte(statTotal)))
				if estimateBox(tx.Bucket(bucketStats), q.bounds) < wideBox*float64(total) {
					return nil // a small box: Clusters' cells are cheaper
				}
			}
			walked = true
			q.kind = planTime
			if q.tags != nil {
				q.kind = planTags
				for t := range q.tags {
					q.tagList = append(q.tagList, t)
				}
				slices.Sort(q.tagList)
			}
			return q.run(ctx, tx, false, func([]byte, *geo.Event) bool { n++; return true })
		})
		if err != nil || walked {
			return n, err
		}
	}
	_, n, err := s.Clusters(ctx, f, 0)
	if err != nil {
		if f.Q != "" && geo.ErrorCode(err) == geo.EINVALID {
			return -1, nil
		}
		return 0, err
	}
	return n, nil
}

// wideBox is the share of all events above which a box's count walks the
// time window rather than the box's cells (BenchmarkNumberMatched: Europe,
// 6% of the events, 0.9 ms by cells; the world box 28 ms by cells).
const wideBox = 0.05

// clampTime keeps filter times inside the range of time keys; a time
// before every event stays before them (an end there matches nothing).
func clampTime(t time.Time) time.Time {
	if t.Before(minEventTime) {
		return minEventTime.Add(-time.Nanosecond)
	}
	if t.After(maxEventTime) {
		return maxEventTime
	}
	return t
}

// plan picks the key space to walk. With M the estimated number of matches
// (cell counts × overlap for the box, tag counts, assumed independent), a
// source of S entries yields a match every S/M entries, so reaching limit
// matches walks about limit·S/M entries, at most S. Each cell or tag source
// adds a seek, each match found through an index a Get of its record. The
// cheapest estimate wins: cells for city to country boxes, the time order
// for continents and the world (measured by BenchmarkStore).
func (q *query) plan(tx *bolt.Tx, limit int, total int64) {
	stats := tx.Bucket(bucketStats)
	counts := counter{c: stats.Cursor()}
	n := float64(max(total, 1))
	m := n
	if q.bounds != nil {
		m = estimateBox(stats, q.bounds)
	}
	var tagSum float64
	if q.tags != nil {
		q.tagList = make([]string, 0, len(q.tags))
		for t := range q.tags {
			q.tagList = append(q.tagList, t)
			tagSum += float64(counts.get(tagStatKey(t)))
		}
		slices.Sort(q.tagList)
		m *= math.Min(1, tagSum/n)
	}
	if q.q != "" {
		m /= 10 // a guess: free text is unindexed and usually selective
	}
	m = math.Max(m, 1)
	walked := func(s float64) float64 { return math.Min(s, float64(limit+1)*s/m) }

	// An index plan reads each match's record with a random Get, about ten
	// times the cost of stepping over a record in time order.
	gets := 10 * math.Min(float64(limit+1), m)
	q.kind, q.walk = planTime, n
	best := walked(n)
	if q.tags != nil {
		if c := walked(tagSum) + 20*float64(len(q.tagList)) + gets; c < best {
			q.kind, q.walk, best = planTags, tagSum, c
		}
	}
	if q.bounds == nil {
		return
	}
levels:
	for _, l := range indexLevels {
		if cellCount(q.bounds, l) > 1024 {
			continue
		}
		var cells []geo.Cell
		var s float64
		for _, b := range q.bounds {
			for _, c := range geo.CoveringCells(geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}, l) {
				if k := counts.get(cellStatKey(c)); k > 0 {
					cells = append(cells, c)
					s += float64(k)
					if 20*float64(len(cells)) >= best {
						continue levels // the seeks alone cost more than the best plan
					}
				}
			}
		}
		w := walked(s)
		c := w + 20*float64(len(cells))
		if !coveringLevel(l) {
			c += gets
		}
		if q.tags != nil {
			c += 2 * w // records fetched to test their tags
		}
		if c < best {
			q.kind, q.walk, best, q.level, q.cells = planCells, s, c, l, cells
		}
	}
}

func cellCount(bounds []orb.Bound, level int) int {
	n := 0
	for _, b := range bounds {
		n += geo.CoveringCellCount(geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}, level)
	}
	return n
}

// estimateBox estimates the events in the box from the finest counted level
// at which it covers at most 256 cells, assuming even spread inside a cell.
func estimateBox(stats *bolt.Bucket, bounds []orb.Bound) float64 {
	level := statLevels[0]
	for _, l := range statLevels {
		if cellCount(bounds, l) <= 256 {
			level = l
		}
	}
	var m float64
	counts := counter{c: stats.Cursor()}
	for _, b := range bounds {
		for _, c := range geo.CoveringCells(geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}, level) {
			if k := counts.get(cellStatKey(c)); k > 0 {
				m += float64(k) * c.Overlap(b)
			}
		}
	}
	return m
}

// counter reads counters of the stats bucket through one cursor: the
// planner reads hundreds per query, and Bucket.Get makes a cursor, and
// allocates its search stack, on every call.
type counter struct{ c *bolt.Cursor }

func (r counter) get(key []byte) int64 {
	k, v := r.c.Seek(key)
	if !bytes.Equal(k, key) {
		return 0
	}
	return decodeCount(v)
}

// run walks the plan's sources merged in key order within [lo, hi) and calls
// yield with each matching event (nil unless decode) until yield returns
// false or the sources run out.
func (q *query) run(ctx context.Context, tx *bolt.Tx, decode bool, yield func(key []byte, e *geo.Event) bool) error {
	events := tx.Bucket(bucketEvents)
	var srcs []*source
	switch q.kind {
	case planTime:
		srcs = []*source{{c: boltpack.NewCursor(events)}}
	case planCells:
		b := tx.Bucket(bucketCells)
		for _, c := range q.cells {
			srcs = append(srcs, &source{c: boltpack.NewCursor(b), prefix: cellPrefix(nil, c)})
		}
	case planTags:
		b := tx.Bucket(bucketTags)
		for _, t := range q.tagList {
			srcs = append(srcs, &source{c: boltpack.NewCursor(b), prefix: tagPrefix(nil, t)})
		}
	}
	m := &merger{desc: q.desc}
	for _, s := range srcs {
		if s.first(q.desc, q.lo, q.hi) {
			m.srcs = append(m.srcs, s)
		}
	}
	heap.Init(m)
	var last []byte
	var lastT uint64
	merged := len(m.srcs) > 1
	for steps := 0; len(m.srcs) > 0; steps++ {
		if steps&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s := m.srcs[0]
		key, v := s.key(), s.v
		// Only merged sources repeat a key (an event under two tags, a
		// cell of both halves of an antimeridian box).
		dup := merged && last != nil && s.t == lastT && bytes.Equal(key, last)
		if merged {
			last, lastT = append(last[:0], key...), s.t
		}
		if !dup {
			e, ok, err := q.test(events, key, v, decode)
			if err != nil {
				return err
			}
			if ok && !yield(key, e) {
				return nil
			}
		}
		if s.step(q.desc, q.lo, q.hi) {
			m.fixTop()
		} else {
			heap.Pop(m)
		}
	}
	for _, s := range srcs {
		if s.c.Err() != nil {
			return errCorrupt
		}
	}
	return nil
}

// test reports whether the event under key matches. v is the record (time
// plan) or the index value (point E7). The record is read and decoded only
// when a filter or the caller needs it.
func (q *query) test(events *bolt.Bucket, key, v []byte, decode bool) (*geo.Event, bool, error) {
	rec := v
	needRec := decode || q.q != "" || q.types != nil || (q.tags != nil && q.kind != planTags)
	if q.kind != planTime && len(v) != 8 {
		// A covering index holds the record itself: rec is v.
	} else if q.kind != planTime {
		rec = nil
		if q.bounds != nil {
			p, ok := decodePointE7(v)
			if !ok {
				return nil, false, errCorrupt
			}
			switch classifyE7(q.bounds, p) {
			case outside:
				return nil, false, nil
			case edge:
				needRec = true
			}
		}
		if needRec {
			if rec = q.get(events, key); rec == nil {
				return nil, false, errCorrupt
			}
		}
	}
	if rec != nil {
		if len(rec) < 17 {
			return nil, false, errCorrupt
		}
		if q.bounds != nil && !inBounds(q.bounds, recordPoint(rec)) {
			return nil, false, nil
		}
	}
	if !needRec {
		return nil, true, nil
	}
	if q.skip != nil && q.skip(rec) {
		return nil, false, nil
	}
	var e *geo.Event
	if q.view {
		e = &q.ev
		if err := decodeEventView(e, key, rec, e.Tags); err != nil {
			return nil, false, err
		}
	} else {
		if len(q.slab) == 0 {
			q.slab = make([]geo.Event, 64)
		}
		e = &q.slab[0]
		if err := decodeEventInto(e, key, rec); err != nil {
			return nil, false, err
		}
	}
	if q.tags != nil && q.kind != planTags && !slices.ContainsFunc(e.Tags, func(t string) bool { return q.tags[t] }) {
		return nil, false, nil
	}
	if q.q != "" && !strings.Contains(strings.ToLower(e.Title), q.q) && !strings.Contains(strings.ToLower(e.Place.Name), q.q) {
		return nil, false, nil
	}
	if q.types != nil && !q.types[e.Type] {
		return nil, false, nil
	}
	if !q.view {
		q.slab = q.slab[1:] // keep e; a rejected event's slot is reused
	}
	return e, true, nil
}

// get is the record under key through one cursor kept for the query: a new
// cursor allocates its search stack, and one that stays in a block (keys
// near each other, as a walk's are) needs no bbolt search at all.
func (q *query) get(events *bolt.Bucket, key []byte) []byte {
	if q.cur == nil {
		q.cur = boltpack.NewCursor(events)
	}
	return q.cur.Get(key)
}

func inBounds(bounds []orb.Bound, p orb.Point) bool {
	for _, b := range bounds {
		if b.Contains(p) {
			return true
		}
	}
	return false
}

// Answers of classifyE7.
const (
	inside = iota
	outside
	edge // within rounding distance of an edge: ask the record
)

// e7Margin exceeds the E7 rounding error (5e-8) plus float error.
const e7Margin = 2e-7

func classifyE7(bounds []orb.Bound, p orb.Point) int {
	res := outside
	for _, b := range bounds {
		if p[0] >= b.Min[0]+e7Margin && p[0] <= b.Max[0]-e7Margin && p[1] >= b.Min[1]+e7Margin && p[1] <= b.Max[1]-e7Margin {
			return inside
		}
		if p[0] >= b.Min[0]-e7Margin && p[0] <= b.Max[0]+e7Margin && p[1] >= b.Min[1]-e7Margin && p[1] <= b.Max[1]+e7Margin {
			res = edge
		}
	}
	return res
}

// source walks the keys of one bucket that start with prefix; the rest of
// each key is an event key.
type source struct {
	c      *boltpack.Cursor
	prefix []byte
	k, v   []byte
	t      uint64 // the time key of k, so that merging compares integers
}

func (s *source) key() []byte { return s.k[len(s.prefix):] }

// before reports whether s's key sorts before o's.
func (s *source) before(o *source) bool {
	if s.t != o.t {
		return s.t < o.t
	}
	return bytes.Compare(s.k[len(s.prefix)+timeKeyLen:], o.k[len(o.prefix)+timeKeyLen:]) < 0
}

// first positions the source on its first key within [lo, hi) in the walk's
// direction and reports whether there is one.
func (s *source) first(desc bool, lo, hi []byte) bool {
	if !desc {
		s.k, s.v = s.c.Seek(append(slices.Clip(s.prefix), lo...))
		return s.valid(desc, lo, hi)
	}
	var target []byte
	switch {
	case hi != nil:
		target = append(slices.Clip(s.prefix), hi...)
	case len(s.prefix) > 0:
		target = prefixEnd(s.prefix)
	}
	if target == nil {
		s.k, s.v = s.c.Last()
	} else if s.k, s.v = s.c.Seek(target); s.k == nil {
		s.k, s.v = s.c.Last()
	} else {
		s.k, s.v = s.c.Prev()
	}
	return s.valid(desc, lo, hi)
}

func (s *source) step(desc bool, lo, hi []byte) bool {
	if desc {
		s.k, s.v = s.c.Prev()
	} else {
		s.k, s.v = s.c.Next()
	}
	return s.valid(desc, lo, hi)
}

func (s *source) valid(desc bool, lo, hi []byte) bool {
	if len(s.k) <= len(s.prefix)+timeKeyLen || !hasPrefix(s.k, s.prefix) {
		return false
	}
	s.t = binary.BigEndian.Uint64(s.k[len(s.prefix):])
	if desc {
		return lo == nil || bytes.Compare(s.key(), lo) >= 0
	}
	return hi == nil || bytes.Compare(s.key(), hi) < 0
}

// hasPrefix is bytes.HasPrefix for len(k) >= len(p), with a loop for the
// 5-byte cell prefixes that beats a call to memequal on every step.
func hasPrefix(k, p []byte) bool {
	if len(p) > 8 {
		return bytes.Equal(k[:len(p)], p)
	}
	for i, b := range p {
		if k[i] != b {
			return false
		}
	}
	return true
}

// prefixEnd returns the least key greater than every key with prefix p, or
// nil if there is none (p is all 0xFF).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// merger is a heap of sources ordered by their current event key, newest
// on top when desc.
type merger struct {
	srcs []*source
	desc bool
}

func (m *merger) Len() int { return len(m.srcs) }
func (m *merger) Less(i, j int) bool {
	if m.desc {
		return m.srcs[j].before(m.srcs[i])
	}
	return m.srcs[i].before(m.srcs[j])
}

// fixTop restores the heap after the top source stepped: heap.Fix(m, 0)
// without the interface calls, which cost a fifth of a region query.
func (m *merger) fixTop() {
	srcs, n := m.srcs, len(m.srcs)
	top := srcs[0]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && m.above(srcs[r], srcs[c]) {
			c = r
		}
		if !m.above(srcs[c], top) {
			break
		}
		srcs[i] = srcs[c]
		i = c
	}
	srcs[i] = top
}

// above reports whether a comes out of the heap before b.
func (m *merger) above(a, b *source) bool {
	if m.desc {
		return b.before(a)
	}
	return a.before(b)
}
func (m *merger) Swap(i, j int) { m.srcs[i], m.srcs[j] = m.srcs[j], m.srcs[i] }
func (m *merger) Push(x any)    { m.srcs = append(m.srcs, x.(*source)) }
func (m *merger) Pop() any {
	s := m.srcs[len(m.srcs)-1]
	m.srcs = m.srcs[:len(m.srcs)-1]
	return s
}

// Cursors are "n" (the page after) or "p" (the page before) and the event
// key of the last or first event seen, in unpadded base64url: opaque to
// clients, and valid across writes because they name a position in key
// order rather than an offset.
func encodeCursor(dir byte, key []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{dir}, key...))
}

func decodeCursor(s string) (dir byte, key []byte, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2+timeKeyLen || (b[0] != 'n' && b[0] != 'p') {
		return 0, nil, geo.Errorf(geo.EINVALID, "invalid paging cursor %q", s)
	}
	return b[0], b[1:], nil
}
