package store

import (
	"bytes"
	"cmp"
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

// Per-type aggregates, so that a map at any zoom can say how many events of
// each type it shows and draw a time histogram without loading events:
//
//	'y' + level + cell ID + day    → type counts of the cell on one UTC day (dayLevels)
//	'z' + level + cell ID          → type counts of the cell (typeLevels)
//
// A value is (uvarint length, type, uvarint count)... sorted by type; ""
// is the events without a type. Days are dayOf's numbers. "T" marks a store
// whose aggregates cover every event: Open builds them once for a store
// filled before they existed.
const (
	// Both sort after every other stats key, and writer.flush writes them
	// last: bbolt splits nodes only at commit, so keys put in front of
	// many others in one node shift them all, each time (a first batch of
	// 100k events took 120-160 s to import instead of 4 s).
	statTypeDay  = 'y'
	statTypeCell = 'z'
	statTypesAll = "T"
)

var (
	// typeLevels are the levels of the per-cell type counts: those of the
	// per-cell counters, so that clusters up to level 10 read them instead.
	typeLevels = []int{2, 4, 6, 8, 10}
	// dayLevels are the levels of the per-day type counts. Coarse ones
	// only: a cell holds one key per day with events, which at level 10
	// is about one key per event; finer boxes walk the level-10 index.
	dayLevels = []int{2, 4, 6, 8}
	typeTop   = typeLevels[len(typeLevels)-1]
	dayTop    = dayLevels[len(dayLevels)-1]
)

// dayOffset keeps day numbers positive: events are from 1700 on.
const dayOffset = 1 << 20

// dayOf numbers the UTC day of a time key (days since 1970 plus dayOffset).
func dayOf(timeKey []byte) uint32 {
	ns := int64(binary.BigEndian.Uint64(timeKey) ^ 1<<63)
	d := ns / int64(24*time.Hour)
	if ns < 0 && ns%int64(24*time.Hour) != 0 {
		d--
	}
	return uint32(d + dayOffset)
}

// dayTime is the midnight UTC that begins day d.
func dayTime(d uint32) time.Time {
	return time.Unix((int64(d)-dayOffset)*86400, 0).UTC()
}

func typeCellKey(c geo.Cell) []byte { return cellPrefix([]byte{statTypeCell}, c) }

func typeDayKey(c geo.Cell, day uint32) []byte {
	return binary.BigEndian.AppendUint32(cellPrefix([]byte{statTypeDay}, c), day)
}

// typeCounts is a decoded aggregate value: events by type.
type typeCounts map[string]int64

// eachTypeCount calls fn with each type (valid during the call only) and
// count of an encoded value.
func eachTypeCount(v []byte, fn func(typ []byte, n int64)) error {
	for len(v) > 0 {
		l, k := binary.Uvarint(v)
		if k <= 0 || l > uint64(len(v)-k) {
			return errCorrupt
		}
		t := v[k : k+int(l)]
		v = v[k+int(l):]
		n, j := binary.Uvarint(v)
		if j <= 0 {
			return errCorrupt
		}
		v = v[j:]
		fn(t, int64(n))
	}
	return nil
}

func encodeTypeCounts(m typeCounts) []byte {
	types := make([]string, 0, len(m))
	for t, n := range m {
		if n > 0 {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	var v []byte
	for _, t := range types {
		v = appendString(v, t)
		v = binary.AppendUvarint(v, uint64(m[t]))
	}
	return v
}

// recordType returns the type of a record, pointing into it.
func recordType(rec []byte) ([]byte, error) {
	if !knownRecord(rec) {
		return nil, errCorrupt
	}
	if rec[0] < 2 {
		return nil, nil // version 1 had no type
	}
	body, _, ok := recordBody(rec) // version 3 puts a source count first
	if !ok {
		return nil, errCorrupt
	}
	r := viewReader{b: body}
	r.string() // title
	n := r.uvarint()
	if n > geo.MaxTags {
		return nil, errCorrupt
	}
	for range n {
		r.string()
	}
	r.varint() // place ID
	r.string() // place name
	r.string() // precision
	r.string() // source URL
	r.string() // source title
	r.varint() // published
	r.varint() // start
	r.varint() // end
	r.string() // excerpt
	r.uint64() // confidence
	r.varint() // created
	r.varint() // updated
	flags := r.byte()
	if r.err || flags&extraUnknown != 0 {
		return nil, errCorrupt
	}
	if flags&1 == 0 {
		return nil, nil
	}
	l := r.uvarint()
	if r.err || l > uint64(len(r.b)) {
		return nil, errCorrupt
	}
	return r.b[:l], nil
}

// typeDelta is a change of the type aggregates: events of typ on day in
// the cell of ID cell at typeTop.
type typeDelta struct {
	cell, day uint32
	typ       string
}

// countType records a change of d events of typ at p on day (writer.count's
// counterpart for the type aggregates).
func (w *writer) countType(p orb.Point, typ string, day uint32, d int64) {
	if w.typeDelta == nil {
		w.typeDelta = map[typeDelta]int64{}
	}
	w.typeDelta[typeDelta{geo.CellOf(p, typeTop).ID, day, typ}] += d
}

// flushTypes adds the gathered type changes to the aggregates, in key order.
func (w *writer) flushTypes() error {
	if len(w.typeDelta) == 0 {
		return nil
	}
	// One change per aggregate key and type, sorted as the keys and, in a
	// key, by type, as values list them: each value is then merged with
	// its changes in one pass (maps per key cost twice the time).
	type change struct {
		key uint64 // kind<<40 | level<<32 | cell ID
		day uint32
		typ string
		d   int64
	}
	changes := make([]change, 0, len(w.typeDelta)*(len(typeLevels)+len(dayLevels)))
	for k, d := range w.typeDelta {
		if d == 0 {
			continue
		}
		for _, l := range typeLevels {
			changes = append(changes, change{uint64(statTypeCell)<<40 | uint64(l)<<32 | uint64(k.cell>>(2*(typeTop-l))), 0, k.typ, d})
		}
		for _, l := range dayLevels {
			changes = append(changes, change{uint64(statTypeDay)<<40 | uint64(l)<<32 | uint64(k.cell>>(2*(typeTop-l))), k.day, k.typ, d})
		}
	}
	clear(w.typeDelta)
	slices.SortFunc(changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.day, b.day), strings.Compare(a.typ, b.typ))
	})
	var v []byte
	for i := 0; i < len(changes); {
		j := i + 1
		for j < len(changes) && changes[j].key == changes[i].key && changes[j].day == changes[i].day {
			j++
		}
		run := changes[i:j]
		i = j
		c := geo.Cell{Level: int(run[0].key >> 32 & 0xff), ID: uint32(run[0].key)}
		key := typeCellKey(c)
		if byte(run[0].key>>40) == statTypeDay {
			key = typeDayKey(c, run[0].day)
		}
		old := w.stats.Get(key)
		v = v[:0]
		// Merge the stored (type, count) list with the run, both by type.
		emit := func(t string, n int64) {
			if n > 0 {
				v = appendString(v, t)
				v = binary.AppendUvarint(v, uint64(n))
			}
		}
		var ot []byte
		var on int64
		nextOld := func() bool {
			if len(old) == 0 {
				return false
			}
			l, k := binary.Uvarint(old)
			if k <= 0 || l > uint64(len(old)-k) {
				return false
			}
			ot, old = old[k:k+int(l)], old[k+int(l):]
			n, m := binary.Uvarint(old)
			if m <= 0 {
				return false
			}
			on, old = int64(n), old[m:]
			return true
		}
		has := nextOld()
		for r := 0; r < len(run); {
			t, d := run[r].typ, int64(0)
			for ; r < len(run) && run[r].typ == t; r++ {
				d += run[r].d
			}
			for has && string(ot) < t {
				emit(string(ot), on)
				has = nextOld()
			}
			if has && string(ot) == t {
				d += on
				has = nextOld()
			}
			emit(t, d)
		}
		for ; has; has = nextOld() {
			emit(string(ot), on)
		}
		if len(old) != 0 {
			return errCorrupt
		}
		var err error
		if len(v) == 0 {
			err = w.stats.Delete(key)
		} else {
			err = w.stats.Put(key, append(w.alloc(len(v)), v...))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// buildTypeCounts fills the type aggregates from every stored event, once,
// for a store filled before they existed, and marks them complete.
func buildTypeCounts(tx *bolt.Tx) error {
	stats := tx.Bucket(bucketStats)
	w := newWriter().bind(tx)
	c := boltpack.NewCursor(tx.Bucket(bucketEvents))
	n := 0
	for k, rec := c.First(); k != nil; k, rec = c.Next() {
		if len(k) <= timeKeyLen || len(rec) < 17 {
			return errCorrupt
		}
		typ, err := recordType(rec)
		if err != nil {
			return err
		}
		w.countType(recordPoint(rec), string(typ), dayOf(k), 1)
		if n++; n%100000 == 0 {
			if err := w.flushTypes(); err != nil {
				return err
			}
		}
	}
	if c.Err() != nil {
		return errCorrupt
	}
	if err := w.flushTypes(); err != nil {
		return err
	}
	return stats.Put([]byte(statTypesAll), encodeCount(1))
}

// TypeDay is how many events of one type fell on one UTC day.
type TypeDay = geo.TypeDay

// EventTimeline counts the events that match f per UTC day and type, for a
// time histogram of the events in a map view. Only f.BBox and f.Types
// apply; other fields must be empty. It reads the per-day aggregates:
// cells wholly inside the box add their days; a cell the box edge crosses
// is split down to the finest day level, whose level-10 index entries (keys
// carry the time, values the record) are then tested one by one. Cost: the
// cell-days of the box, not its events (a world view reads level 2), plus
// the events of the edge's level-8 cells. Counts are exact: for day-aligned
// windows they add up to FindEvents' NumberMatched.
func (s *Store) EventTimeline(ctx context.Context, f geo.EventFilter) ([]TypeDay, error) {
	if !f.Interval.Start.IsZero() || !f.Interval.End.IsZero() || len(f.Tags) > 0 || f.Q != "" {
		return nil, geo.Errorf(geo.EINVALID, "the timeline takes a bbox and types only")
	}
	q, err := compileFilter(f)
	if err != nil {
		return nil, err
	}
	counts := map[typeDelta]int{}
	cl := &clusterer{q: q}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			return nil
		}
		cl.events, cl.index, cl.stats = tx.Bucket(bucketEvents), tx.Bucket(bucketCells), tx.Bucket(bucketStats)
		cl.cur, cl.evCur = boltpack.NewCursor(cl.index), boltpack.NewCursor(cl.events)
		if cl.stats.Get([]byte(statTypesAll)) == nil {
			return geo.Errorf(geo.EUNAVAILABLE, "this store's type aggregates are not built; reopen it read-write")
		}
		tv := &typeVisitor{cl: cl, day: true, top: dayTop,
			in: func(_ geo.Cell, day uint32, typ []byte, n int64) {
				counts[typeDelta{day: day, typ: string(typ)}] += int(n)
			},
			leaf: func(_ orb.Point, key []byte, typ []byte) {
				counts[typeDelta{day: dayOf(key), typ: string(typ)}]++
			},
		}
		if err := tv.visit(ctx, dayLevels[0], 0, 1<<(2*dayLevels[0])); err != nil {
			return err
		}
		if cl.cur.Err() != nil || cl.evCur.Err() != nil {
			return errCorrupt
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]TypeDay, 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			out = append(out, TypeDay{Day: dayTime(k.day), Type: k.typ, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b TypeDay) int { return cmp.Or(a.Day.Compare(b.Day), strings.Compare(a.Type, b.Type)) })
	return out, nil
}

// typeVisitor walks the type aggregates of the cells at the even levels
// from 2 to top that the filter's box touches: the per-cell counts, or
// with day the per-day ones (restricted to the filter's time bounds, which
// must then be day-aligned). A cell wholly inside the box at or below
// target gives its counts to in; a cell the box edge crosses at top is
// walked in the level-10 index, each matching event given to leaf.
type typeVisitor struct {
	cl     *clusterer
	day    bool
	top    int
	target int // 0: top
	in     func(c geo.Cell, day uint32, typ []byte, n int64)
	leaf   func(p orb.Point, key []byte, typ []byte) // key: the event key
	// loDay and hiDay bound the days read when day is set: [loDay, hiDay).
	loDay, hiDay uint32
}

func (tv *typeVisitor) visit(ctx context.Context, level int, from, to uint32) error {
	cl := tv.cl
	target := tv.target
	if target == 0 {
		target = tv.top
	}
	kind := byte(statTypeCell)
	klen := 2 + 4
	if tv.day {
		kind, klen = statTypeDay, 2+4+4
	}
	prefix := []byte{kind, byte(level)}
	c := cl.stats.Cursor()
	k, val := c.Seek(binary.BigEndian.AppendUint32(slices.Clip(prefix), from))
	for k != nil && bytes.HasPrefix(k, prefix) {
		if len(k) != klen {
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
		next := binary.BigEndian.AppendUint32(slices.Clip(prefix), id+1)
		rel := cl.relate(cell.Bound())
		var err error
		switch {
		case rel == cellOut:
		case rel == cellIn && level >= target:
			if !tv.day {
				err = tv.add(cell, 0, val)
				break
			}
			start := binary.BigEndian.AppendUint32(slices.Clip(k[:6]), tv.loDay)
			for k, val = c.Seek(start); k != nil && len(k) == klen && bytes.Equal(k[:6], start[:6]); k, val = c.Next() {
				day := binary.BigEndian.Uint32(k[6:])
				if tv.hiDay != 0 && day >= tv.hiDay {
					break
				}
				if err = tv.add(cell, day, val); err != nil {
					break
				}
			}
		case level < tv.top:
			err = tv.visit(ctx, level+2, id<<4, (id+1)<<4)
		default:
			err = tv.walkPart(ctx, cell)
		}
		if err != nil {
			return err
		}
		if id == 1<<(2*level)-1 {
			break
		}
		k, val = c.Seek(next)
	}
	return nil
}

// add gives the matching types of one aggregate value to in.
func (tv *typeVisitor) add(cell geo.Cell, day uint32, val []byte) error {
	types := tv.cl.q.types
	return eachTypeCount(val, func(t []byte, n int64) {
		if types == nil || types[string(t)] {
			tv.in(cell, day, t, n)
		}
	})
}

// walkPart walks the level-10 cells of c that the box covers and gives
// their matching events to leaf.
func (tv *typeVisitor) walkPart(ctx context.Context, c geo.Cell) error {
	cl := tv.cl
	for _, f := range cl.partCells(c) {
		src := &source{c: cl.cur, prefix: cellPrefix(nil, f)}
		for ok := src.first(false, cl.q.lo, cl.q.hi); ok; ok = src.step(false, cl.q.lo, cl.q.hi) {
			if err := cl.tick(ctx); err != nil {
				return err
			}
			key, rec := src.key(), src.v
			if len(rec) == 8 {
				if rec = cl.evCur.Get(key); rec == nil {
					return errCorrupt
				}
			}
			if len(rec) < 17 {
				return errCorrupt
			}
			p := recordPoint(rec)
			if cl.q.bounds != nil && !inBounds(cl.q.bounds, p) {
				continue
			}
			typ, err := recordType(rec)
			if err != nil {
				return err
			}
			if cl.q.types != nil && !cl.q.types[string(typ)] {
				continue
			}
			tv.leaf(p, key, typ)
		}
	}
	return nil
}

// typeSet is a filter's types as a set; nil for any type.
func typeSet(types []string) map[string]bool {
	var m map[string]bool
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" {
			if m == nil {
				m = map[string]bool{}
			}
			m[t] = true
		}
	}
	return m
}

// dayBounds turns event-key time bounds (lo inclusive, hi exclusive; nil
// open) into day numbers [loDay, hiDay) (hiDay 0: open), and reports whether
// both fall on midnight UTC, so that whole days count exactly.
func dayBounds(lo, hi []byte) (loDay, hiDay uint32, aligned bool) {
	aligned = true
	midnight := func(k []byte) bool { return int64(binary.BigEndian.Uint64(k)^1<<63)%int64(24*time.Hour) == 0 }
	if lo != nil {
		loDay, aligned = dayOf(lo), midnight(lo)
	}
	if hi != nil {
		hiDay, aligned = dayOf(hi), aligned && midnight(hi)
	}
	return loDay, hiDay, aligned
}
