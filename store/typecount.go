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
//	'y' + level + cell ID + period → type counts of the cell per UTC day of a period (dayLevels)
//	'z' + level + cell ID          → type counts of the cell (typeLevels)
//
// A 'z' value is (uvarint length, type, uvarint count)... sorted by type;
// "" is the events without a type. A 'y' value is (uvarint day - first
// day of the period, uvarint length, type, uvarint count)... sorted by day
// and type; a period is 2^dayShift days from a multiple of it (period =
// day >> dayShift), days being dayOf's numbers. "T" marks a store whose
// aggregates cover every event and holds their layout (typeLayout): Open
// builds them once for a store filled before they existed or in another
// layout.
const (
	// Both sort after every other stats key, and writer.flush writes them
	// last: bbolt splits nodes only at commit, so keys put in front of
	// many others in one node shift them all, each time (a first batch of
	// 100k events took 120-160 s to import instead of 4 s).
	statTypeDay  = 'y'
	statTypeCell = 'z'
	statTypesAll = "T"
)

// typeLayout is the layout of the type aggregates this version writes, the
// value of "T". Layout 1 kept one 'y' key per cell and day: ~1.7 keys per
// event at 1M events, most of a bulk import's time; layout 2 packs a
// period of days into one key (~0.04 keys per event).
const typeLayout = 2

var (
	// typeLevels are the levels of the per-cell type counts: those of the
	// per-cell counters, so that clusters up to level 10 read them instead.
	typeLevels = []int{2, 4, 6, 8, 10}
	// dayLevels are the levels of the per-day type counts. Coarse ones
	// only: a cell holds one entry per day with events, which at level 10
	// is about one per event; finer boxes walk the level-10 index.
	dayLevels = []int{2, 4, 6, 8}
	// dayShifts are log2 of the days one key of each of dayLevels holds:
	// 32 days at level 2, 1024 at level 8, so that a value stays small (a
	// level-2 cell has events most days) and a sparse fine cell still
	// gathers many days in one key.
	dayShifts = []uint{5, 7, 9, 10}
	typeTop   = typeLevels[len(typeLevels)-1]
	dayTop    = dayLevels[len(dayLevels)-1]
)

// dayShift is the period length (log2 days) of the per-day counts at level.
func dayShift(level int) uint { return dayShifts[(level-dayLevels[0])/2] }

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

// typesReady reports whether the type aggregates in stats cover every event
// in the layout this version reads.
func typesReady(stats *bolt.Bucket) bool {
	v := stats.Get([]byte(statTypesAll))
	return v != nil && decodeCount(v) == typeLayout
}

func typeCellKey(c geo.Cell) []byte { return cellPrefix([]byte{statTypeCell}, c) }

// typeDayKey is the key of the per-day counts of c that hold day.
func typeDayKey(c geo.Cell, day uint32) []byte {
	return binary.BigEndian.AppendUint32(cellPrefix([]byte{statTypeDay}, c), day>>dayShift(c.Level))
}

// typeCounts is a decoded aggregate value: events by type.
type typeCounts map[string]int64

// eachTypeCount calls fn with each type (valid during the call only) and
// count of an encoded 'z' value.
func eachTypeCount(v []byte, fn func(typ []byte, n int64)) error {
	r := aggReader{v: v}
	for r.next() {
		fn(r.typ, r.n)
	}
	return r.err()
}

// eachDayTypeCount calls fn with each day, type (valid during the call
// only) and count of the 'y' value v of key k.
func eachDayTypeCount(k, v []byte, fn func(day uint32, typ []byte, n int64)) error {
	if len(k) != 2+4+4 {
		return errCorrupt
	}
	shift := dayShift(int(k[1]))
	r := aggReader{v: v, days: true, first: binary.BigEndian.Uint32(k[6:]) << shift, span: 1 << shift}
	for r.next() {
		fn(r.day, r.typ, r.n)
	}
	return r.err()
}

// aggReader reads the entries of an aggregate value one by one.
type aggReader struct {
	v           []byte
	days        bool   // a 'y' value: entries start with a day
	first, span uint32 // of the period, for days
	day         uint32
	typ         []byte
	n           int64
	bad         bool
}

func (r *aggReader) next() bool {
	if len(r.v) == 0 || r.bad {
		return false
	}
	if r.days {
		off, k := binary.Uvarint(r.v)
		if k <= 0 || off >= uint64(r.span) {
			r.bad = true
			return false
		}
		r.day, r.v = r.first+uint32(off), r.v[k:]
	}
	l, k := binary.Uvarint(r.v)
	if k <= 0 || l > uint64(len(r.v)-k) {
		r.bad = true
		return false
	}
	r.typ, r.v = r.v[k:k+int(l)], r.v[k+int(l):]
	n, j := binary.Uvarint(r.v)
	if j <= 0 {
		r.bad = true
		return false
	}
	r.n, r.v = int64(n), r.v[j:]
	return true
}

func (r *aggReader) err() error {
	if r.bad || len(r.v) != 0 {
		return errCorrupt
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

// typeID numbers typ among the types of the writer's changes.
func (w *writer) typeID(typ string) uint32 {
	if t, ok := w.typeIndex[typ]; ok {
		return t
	}
	return w.newTypeID(typ)
}

// typeIDBytes is typeID for a type read from a record.
func (w *writer) typeIDBytes(typ []byte) uint32 {
	if t, ok := w.typeIndex[string(typ)]; ok {
		return t
	}
	return w.newTypeID(string(typ))
}

func (w *writer) newTypeID(typ string) uint32 {
	t := uint32(len(w.typeNames))
	w.typeNames = append(w.typeNames, typ)
	w.typeIndex[typ] = t
	return t
}

// countType records a change of d events of type t (typeID) at p on day
// (writer.count's counterpart for the type aggregates). Changes are kept
// in a list, not added up in a map: flushTypes sorts them anyway, and a
// bulk import gives them in day order.
func (w *writer) countType(p orb.Point, t, day uint32, d int64) {
	w.typeDelta = append(w.typeDelta, typeChange{geo.CellOf(p, typeTop).ID, day, t, d})
}

// typeChange is one change of an aggregate: d events of type t on day in
// cell, at some level; t indexes writer.typeNames, then (in flushTypes)
// the types ranked by name.
type typeChange struct {
	cell, day, t uint32
	d            int64
}

// flushTypes adds the gathered type changes to the aggregates, in key order.
func (w *writer) flushTypes() error {
	if len(w.typeDelta) == 0 {
		return nil
	}
	// Types ranked by name, so that changes sort by integers in the order
	// values list their types.
	order := make([]uint32, len(w.typeNames))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(w.typeNames[a], w.typeNames[b]) })
	rank := make([]uint32, len(order))
	names := make([]string, len(order))
	for r, i := range order {
		rank[i], names[r] = uint32(r), w.typeNames[i]
	}
	base := w.typeDelta
	for i := range base {
		base[i].t = rank[base[i].t]
	}
	w.typeDelta = nil
	w.typeNames, w.typeIndex = w.typeNames[:0], map[string]uint32{}
	// Each level's changes come from base by a stable sort on the cell
	// alone (a counting sort for big batches): base in (day, type) order
	// makes them (cell, day, type), the per-day keys' order; in type order,
	// (cell, type), the per-cell keys'. Nine comparison sorts of a 500k
	// batch took most of its aggregate time.
	byDayType := func(a, b typeChange) int { return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.t, b.t)) }
	if !slices.IsSortedFunc(base, byDayType) { // it is for a bulk import of one type
		slices.SortFunc(base, byDayType)
	}
	buf := make([]typeChange, len(base))
	var counts []int32
	for _, l := range dayLevels {
		counts = orderByCell(base, buf, l, counts)
		if err := w.mergeTypes(buf, l, true, names); err != nil {
			return err
		}
	}
	orderByType(base, buf, len(names))
	base, buf = buf, base
	for _, l := range typeLevels {
		counts = orderByCell(base, buf, l, counts)
		if err := w.mergeTypes(buf, l, false, names); err != nil {
			return err
		}
	}
	return nil
}

// orderByCell copies src (cells at typeTop) to dst with their cells at
// level, ordered by cell and otherwise as in src.
func orderByCell(src, dst []typeChange, level int, counts []int32) []int32 {
	shift := uint(2 * (typeTop - level))
	ncells := 1 << (2 * level)
	if len(src) < ncells/4 {
		copy(dst, src)
		for i := range dst {
			dst[i].cell >>= shift
		}
		slices.SortStableFunc(dst, func(a, b typeChange) int { return cmp.Compare(a.cell, b.cell) })
		return counts
	}
	if cap(counts) < ncells+1 {
		counts = make([]int32, ncells+1)
	}
	counts = counts[:ncells+1]
	clear(counts)
	for _, c := range src {
		counts[c.cell>>shift+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	for _, c := range src {
		c.cell >>= shift
		dst[counts[c.cell]] = c
		counts[c.cell]++
	}
	return counts
}

// orderByType copies src to dst ordered by type rank (< n), otherwise as in src.
func orderByType(src, dst []typeChange, n int) {
	at := make([]int, n+1)
	for _, c := range src {
		at[c.t+1]++
	}
	for i := 1; i < len(at); i++ {
		at[i] += at[i-1]
	}
	for _, c := range src {
		dst[at[c.t]] = c
		at[c.t]++
	}
}

// mergeTypes adds changes (cells at level, ordered by key, then day and
// type rank) to the per-day (days) or per-cell aggregates of level: each
// value is merged with its changes in one pass and written once.
func (w *writer) mergeTypes(changes []typeChange, level int, days bool, names []string) error {
	var shift uint
	kind := byte(statTypeCell)
	if days {
		shift, kind = dayShift(level), statTypeDay
	}
	key := []byte{kind, byte(level), 0, 0, 0, 0, 0, 0, 0, 0}[:6]
	if days {
		key = key[:10]
	}
	var v []byte
	for i := 0; i < len(changes); {
		cell, period := changes[i].cell, changes[i].day>>shift
		j := i + 1
		for j < len(changes) && changes[j].cell == cell && (!days || changes[j].day>>shift == period) {
			j++
		}
		run := changes[i:j]
		i = j
		binary.BigEndian.PutUint32(key[2:], cell)
		if days {
			binary.BigEndian.PutUint32(key[6:], period)
		}
		old := aggReader{v: w.stats.Get(key), days: days, first: period << shift, span: 1 << shift}
		v = v[:0]
		emit := func(day uint32, t string, n int64) {
			if n > 0 {
				if days {
					v = binary.AppendUvarint(v, uint64(day-period<<shift))
				}
				v = appendString(v, t)
				v = binary.AppendUvarint(v, uint64(n))
			}
		}
		// before reports whether the old entry sorts before (day, t).
		before := func(day uint32, t string) int {
			if days && old.day != day {
				return cmp.Compare(old.day, day)
			}
			return strings.Compare(string(old.typ), t)
		}
		has := old.next()
		for r := 0; r < len(run); {
			c := run[r]
			d := int64(0)
			for ; r < len(run) && run[r].t == c.t && (!days || run[r].day == c.day); r++ {
				d += run[r].d
			}
			t := names[c.t]
			for has && before(c.day, t) < 0 {
				emit(old.day, string(old.typ), old.n)
				has = old.next()
			}
			if has && before(c.day, t) == 0 {
				d += old.n
				has = old.next()
			}
			emit(c.day, t, d)
		}
		for ; has; has = old.next() {
			emit(old.day, string(old.typ), old.n)
		}
		if err := old.err(); err != nil {
			return err
		}
		var err error
		if len(v) == 0 {
			err = w.stats.Delete(key)
		} else {
			k := append(w.alloc(len(key)), key...)
			err = w.stats.Put(k, append(w.alloc(len(v)), v...))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// buildTypeCounts fills the type aggregates from every stored event, once,
// for a store filled before they existed or in another layout (whose keys
// it deletes first), and marks them complete.
func buildTypeCounts(tx *bolt.Tx) error {
	stats := tx.Bucket(bucketStats)
	if err := deleteTypeCounts(stats); err != nil {
		return err
	}
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
		w.countType(recordPoint(rec), w.typeIDBytes(typ), dayOf(k), 1)
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
	return stats.Put([]byte(statTypesAll), encodeCount(typeLayout))
}

// deleteTypeCounts deletes every type aggregate key, in chunks: keys are
// gathered with a cursor and then deleted one by one, since bbolt empties
// nodes but merges them only at commit, and a cursor seeking the first key
// left again would walk every emptied node (1.9M keys of a 1M-event store
// took more than 10 minutes that way).
func deleteTypeCounts(stats *bolt.Bucket) error {
	var keys [][]byte
	from := []byte{statTypeDay}
	for {
		keys = keys[:0]
		c := stats.Cursor()
		for k, _ := c.Seek(from); k != nil && (k[0] == statTypeDay || k[0] == statTypeCell) && len(keys) < 1<<16; k, _ = c.Next() {
			keys = append(keys, slices.Clone(k))
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			if err := stats.Delete(k); err != nil {
				return err
			}
		}
		from = keys[len(keys)-1]
	}
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
	type dayType struct {
		day uint32
		typ string
	}
	counts := map[dayType]int{}
	names := map[string]string{} // the types, each made a string once
	name := func(typ []byte) string {
		s, ok := names[string(typ)]
		if !ok {
			s = string(typ)
			names[s] = s
		}
		return s
	}
	cl := &clusterer{q: q}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			return nil
		}
		cl.events, cl.index, cl.stats = tx.Bucket(bucketEvents), tx.Bucket(bucketCells), tx.Bucket(bucketStats)
		cl.cur, cl.evCur = boltpack.NewCursor(cl.index), boltpack.NewCursor(cl.events)
		if !typesReady(cl.stats) {
			return geo.Errorf(geo.EUNAVAILABLE, "this store's type aggregates are not built or in an older layout; reopen it read-write")
		}
		// A cell wholly inside the box counts at its own level: the
		// timeline needs no finer cells (a world view reads level 2, not
		// the 12x as many entries of level 8).
		tv := &typeVisitor{cl: cl, day: true, top: dayTop, target: dayLevels[0],
			in: func(_ geo.Cell, day uint32, typ []byte, n int64) {
				counts[dayType{day, name(typ)}] += int(n)
			},
			leaf: func(_ orb.Point, key []byte, typ []byte) {
				counts[dayType{dayOf(key), name(typ)}]++
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
		rel := cl.relate(cell.Bound())
		var err error
		switch {
		case rel == cellOut:
		case rel == cellIn && level >= target:
			if !tv.day {
				err = tv.add(cell, 0, val)
				break
			}
			shift := dayShift(level)
			start := binary.BigEndian.AppendUint32(slices.Clip(k[:6]), tv.loDay>>shift)
			for k, val = c.Seek(start); k != nil && len(k) == klen && bytes.Equal(k[:6], start[:6]); k, val = c.Next() {
				if tv.hiDay != 0 && binary.BigEndian.Uint32(k[6:])<<shift >= tv.hiDay {
					break
				}
				if err = tv.addDays(cell, k, val); err != nil {
					break
				}
			}
		case rel == cellIn:
			// Wholly inside: its cells at the target level are one run
			// of keys, read with this cursor's next Seek, not one per
			// level between.
			sh := 2 * (target - level)
			err = tv.visit(ctx, target, id<<sh, (id+1)<<sh)
		case level < tv.top:
			err = tv.visit(ctx, level+2, id<<4, (id+1)<<4)
		default:
			err = tv.walkPart(ctx, cell)
		}
		if err != nil {
			return err
		}
		if !tv.day {
			// One key per cell: the next is the next cell's. (Seeking
			// from the root instead made a world view cost 2-3x.)
			k, val = c.Next()
			continue
		}
		if id == 1<<(2*level)-1 {
			break
		}
		if k != nil && len(k) == klen && bytes.HasPrefix(k, prefix) && binary.BigEndian.Uint32(k[2:]) == id {
			// Past the cell's other periods, unless its days were read.
			k, val = c.Seek(binary.BigEndian.AppendUint32(slices.Clip(prefix), id+1))
		}
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

// addDays gives the matching types and days of one 'y' value of key k to in.
func (tv *typeVisitor) addDays(cell geo.Cell, k, val []byte) error {
	types := tv.cl.q.types
	return eachDayTypeCount(k, val, func(day uint32, t []byte, n int64) {
		if day >= tv.loDay && (tv.hiDay == 0 || day < tv.hiDay) && (types == nil || types[string(t)]) {
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
