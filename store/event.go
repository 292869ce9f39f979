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

// fillPercent is how full bbolt packs the pages it splits. Its default, 0.5,
// suits random inserts one at a time; batches arrive in key order (flush
// sorts them), where fuller pages make a smaller file.
const fillPercent = 0.9

// CreateEvents stores events in one transaction: all or none. Each is
// validated (geo.ValidateEvent); one without an ID gets geo.NewEventID's; one whose
// ID is already stored, or repeated in the batch, is skipped and not
// counted, so re-ingesting is harmless. It sets ID, Created and Updated on
// the events it stores and returns how many it stored.
func (s *Store) CreateEvents(ctx context.Context, events []*geo.Event) (created int, err error) {
	// In event key order, most index puts land in key order too (see writer).
	sorted, err := prepare(events)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		w := newWriter().bind(tx)
		err := eachNew(ctx, tx, sorted, now, func(e *geo.Event) error {
			w.put(e)
			created++
			return nil
		})
		if err != nil {
			return err
		}
		return w.flush()
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// Event returns the event with the given ID, or an ENOTFOUND error.
func (s *Store) Event(ctx context.Context, id string) (*geo.Event, error) {
	var e *geo.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		k, rec := lookup(tx, id)
		if k == nil {
			return notFound(id)
		}
		var err error
		e, err = decodeEvent(k, rec)
		return err
	})
	return e, err
}

// lookup returns the key and record of the event with ID id, or nils.
func lookup(tx *bolt.Tx, id string) (key, rec []byte) {
	ids, events := tx.Bucket(bucketIDs), tx.Bucket(bucketEvents)
	if ids == nil || events == nil || id == "" {
		return nil, nil
	}
	tk := boltpack.Get(ids, []byte(id))
	if len(tk) != timeKeyLen {
		return nil, nil
	}
	key = append(append(make([]byte, 0, timeKeyLen+len(id)), tk...), id...)
	rec = boltpack.Get(events, key)
	if rec == nil {
		return nil, nil
	}
	return key, rec
}

// UpdateEvent replaces the stored event with e's ID, keeping its Created
// time, its merged sources and merge (the store's to manage; the first
// source becomes e's) and setting Updated, and moves it in every index. It
// returns an ENOTFOUND error if no such event is stored.
func (s *Store) UpdateEvent(ctx context.Context, e *geo.Event) error {
	if err := geo.ValidateEvent(e); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		k, rec := lookup(tx, e.ID)
		if k == nil {
			return notFound(e.ID)
		}
		old, err := decodeEvent(k, rec)
		if err != nil {
			return err
		}
		w := newWriter().bind(tx)
		if err := w.remove(old); err != nil {
			return err
		}
		e.Created, e.Updated = old.Created, time.Now().UTC()
		e.KeepMerges(old)
		w.put(e)
		return w.flush()
	})
}

// DeleteEvent removes the event with the given ID from the store and its
// indexes, with the reports merged into it, or returns an ENOTFOUND error.
func (s *Store) DeleteEvent(ctx context.Context, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		k, rec := lookup(tx, id)
		if k == nil {
			return notFound(id)
		}
		old, err := decodeEvent(k, rec)
		if err != nil {
			return err
		}
		if err := deleteMembers(tx, old); err != nil {
			return err
		}
		w := newWriter().bind(tx)
		if err := w.remove(old); err != nil {
			return err
		}
		return w.flush()
	})
}

// writer gathers the puts and count changes of a set of events and writes
// them in key order by flush. put needs no transaction, so that a bulk
// import prepares the next batch while the previous one is written
// (ImportEvents); remove deletes at once and so needs one (bind).
type writer struct {
	events, ids, cells, tags, stats *bolt.Bucket // set by bind
	arena                           []byte
	// The index buckets are packed (see boltpack): an import writes one
	// bbolt value per ~4 KB of entries instead of one per entry.
	pw boltpack.Writer
	// puts waiting for flush, per bucket (the put* indexes). bbolt splits
	// nodes only at commit, so random inserts into one node cost O(n)
	// each; in key order they append, which makes a 50k-event batch ~40x
	// faster.
	// Puts carry a group number that sorts like their key prefix (cell) or
	// indexes tagNames; a batch written in event key order (CreateEvents
	// sorts it) leaves each group sorted already, so flush mostly sorts by
	// integers.
	puts     [numPutBuckets][]kv
	tagNames []string
	tagIndex map[string]uint64
	// Count changes: total, per cell of the finest stat level (flush adds
	// them up for the coarser ones: one map update per event, not five),
	// per tag.
	total     int64
	cellDelta map[uint32]int64
	tagDelta  map[string]int64
	// Tag-set histogram changes by cell ID at the finest set level<<32 |
	// index into setNames (see setLevels); flush adds up the coarser ones.
	setDelta map[uint64]int64
	setNames []string
	setIndex map[string]uint32
	setBuf   []byte
	// Type aggregate changes (typecount.go), with the types numbered.
	typeDelta []typeChange
	typeNames []string
	typeIndex map[string]uint32
	// putRecord's tags, their strings made once per writer.
	tagBuf    []string
	tagIntern map[string]string
	ext       *orb.Bound // of the events put
	sorted    bool       // puts are in key order (sortPuts)
	// inTimeOrder: the events come in time order, batch after batch (a
	// bulk import), so each cell's and tag's keys mostly append to its
	// group's stored ones.
	inTimeOrder bool
}

// Indexes of writer.puts.
const (
	putEvents = iota
	putIDs
	putCells
	putTags
	numPutBuckets
)

type kv struct {
	g    uint64
	k, v []byte
}

func newWriter() *writer {
	return &writer{
		tagIndex: map[string]uint64{}, cellDelta: map[uint32]int64{}, tagDelta: map[string]int64{},
		setDelta: map[uint64]int64{}, setIndex: map[string]uint32{}, tagIntern: map[string]string{},
		typeIndex: map[string]uint32{},
	}
}

// reserve makes room for the puts of n events (with two tags each), so
// that queueing a bulk batch does not grow and copy the slices.
func (w *writer) reserve(n int) {
	w.puts[putEvents] = make([]kv, 0, n)
	w.puts[putIDs] = make([]kv, 0, n)
	w.puts[putCells] = make([]kv, 0, n*len(indexLevels))
	w.puts[putTags] = make([]kv, 0, 2*n)
	w.typeDelta = make([]typeChange, 0, n)
}

// bind sets the buckets of tx, which remove and flush write to.
func (w *writer) bind(tx *bolt.Tx) *writer {
	w.events, w.ids, w.cells = tx.Bucket(bucketEvents), tx.Bucket(bucketIDs), tx.Bucket(bucketCells)
	w.tags, w.stats = tx.Bucket(bucketTags), tx.Bucket(bucketStats)
	return w
}

// queue queues a Put into bucket b; key and value must live until the commit.
func (w *writer) queue(b int, group uint64, k, v []byte) {
	w.puts[b] = append(w.puts[b], kv{group, k, v})
}

// alloc returns n bytes that stay valid until the transaction ends, as bbolt
// requires of the keys and values it is given, without one allocation each.
func (w *writer) alloc(n int) []byte {
	if n > len(w.arena) {
		w.arena = make([]byte, max(n, 1<<20))
	}
	b := w.arena[:0:n]
	w.arena = w.arena[n:]
	return b
}

func (w *writer) put(e *geo.Event) {
	kl := timeKeyLen + len(e.ID)
	key := append(appendTimeKey(w.alloc(kl), e.Time), e.ID...)
	var scratch [256]byte
	rec := encodeEvent(scratch[:0], e)
	w.putEncoded(key, append(w.alloc(len(rec)), rec...), e.Point, e.Tags, e.Type)
}

// putRecord is put for an event already encoded, which a bulk import
// writes without decoding it: key and record are copied.
func (w *writer) putRecord(key, rec []byte) error {
	w.tagBuf = w.tagBuf[:0]
	err := recordTags(rec, func(t []byte) {
		s, ok := w.tagIntern[string(t)]
		if !ok {
			s = string(t)
			w.tagIntern[s] = s
		}
		w.tagBuf = append(w.tagBuf, s)
	})
	if err != nil {
		return err
	}
	typ, err := recordType(rec)
	if err != nil {
		return err
	}
	ts, ok := w.tagIntern[string(typ)]
	if !ok {
		ts = string(typ)
		w.tagIntern[ts] = ts
	}
	k := append(w.alloc(len(key)), key...)
	w.putEncoded(k, append(w.alloc(len(rec)), rec...), recordPoint(rec), w.tagBuf, ts)
	return nil
}

// putEncoded queues the puts of an event with key, record, point, tags
// and type; key and record must live until the commit.
func (w *writer) putEncoded(key, rec []byte, p orb.Point, tags []string, typ string) {
	w.sorted = false
	kl := len(key)
	w.queue(putEvents, 0, key, rec)
	w.queue(putIDs, 0, key[timeKeyLen:], key[:timeKeyLen])
	pv := encodePointE7(w.alloc(8), p)
	for _, l := range indexLevels {
		c := geo.CellOf(p, l)
		v := pv
		if coveringLevel(l) {
			v = rec
		}
		w.queue(putCells, uint64(l)<<32|uint64(c.ID), append(cellPrefix(w.alloc(cellPrefixLen+kl), c), key...), v)
	}
	for _, t := range tags {
		g, ok := w.tagIndex[t]
		if !ok {
			g = uint64(len(w.tagNames))
			w.tagIndex[t] = g
			w.tagNames = append(w.tagNames, t)
		}
		w.queue(putTags, g, append(tagPrefix(w.alloc(len(t)+1+kl), t), key...), pv)
	}
	w.count(p, tags, 1)
	w.countType(p, w.typeID(typ), dayOf(key), 1)
	if w.ext == nil {
		b := p.Bound()
		w.ext = &b
	} else {
		*w.ext = w.ext.Extend(p)
	}
}

func (w *writer) remove(e *geo.Event) error {
	key := eventKey(e.Time, e.ID)
	del := func(b *bolt.Bucket, k []byte) error { return w.pw.Delete(b, [][]byte{k}) }
	if err := del(w.events, key); err != nil {
		return err
	}
	if err := del(w.ids, []byte(e.ID)); err != nil {
		return err
	}
	for _, l := range indexLevels {
		if err := del(w.cells, append(cellPrefix(nil, geo.CellOf(e.Point, l)), key...)); err != nil {
			return err
		}
	}
	for _, t := range e.Tags {
		if err := del(w.tags, append(tagPrefix(nil, t), key...)); err != nil {
			return err
		}
	}
	w.count(e.Point, e.Tags, -1)
	w.countType(e.Point, w.typeID(e.Type), dayOf(key), -1)
	return nil
}

func (w *writer) count(p orb.Point, tags []string, d int64) {
	w.total += d
	// Cell IDs nest (a parent's ID is its child's shifted right by 2), so
	// one CellOf serves every level.
	id := geo.CellOf(p, statTop).ID
	w.cellDelta[id] += d
	for _, t := range tags {
		w.tagDelta[t] += d
	}
	if len(tags) == 0 {
		return // no tag filter matches it
	}
	w.setBuf = appendTagSet(w.setBuf[:0], tags)
	set, ok := w.setIndex[string(w.setBuf)]
	if !ok {
		set = uint32(len(w.setNames))
		w.setNames = append(w.setNames, string(w.setBuf))
		w.setIndex[w.setNames[set]] = set
	}
	w.setDelta[uint64(id>>(2*(statTop-setTop)))<<32|uint64(set)] += d
}

// The finest levels of statLevels and setLevels.
var (
	statTop = statLevels[len(statLevels)-1]
	setTop  = setLevels[len(setLevels)-1]
)

// sortPuts orders the queued puts of every bucket by key.
func (w *writer) sortPuts() {
	if w.sorted {
		return
	}
	w.sorted = true
	// Tag groups sort by tag name.
	rank := make([]uint64, len(w.tagNames))
	order := make([]int, len(w.tagNames))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(w.tagNames[a], w.tagNames[b]) })
	for r, i := range order {
		rank[i] = uint64(r)
	}
	for i := range w.puts[putTags] {
		p := &w.puts[putTags][i]
		p.g = rank[p.g]
	}
	w.tagNames, w.tagIndex = nil, map[string]uint64{}
	byKey := func(a, b kv) int { return bytes.Compare(a.k, b.k) }
	for b := range w.puts {
		puts := sortByGroup(w.puts[b])
		for i := 0; i < len(puts); {
			j := i + 1
			for j < len(puts) && puts[j].g == puts[i].g {
				j++
			}
			if run := puts[i:j]; !slices.IsSortedFunc(run, byKey) {
				sortByKey(run)
			}
			i = j
		}
		w.puts[b] = puts
	}
}

// flush writes the queued puts in key order to the bound buckets and adds
// the gathered count changes to the stats bucket. Puts already in order
// (sortPuts) stay so.
func (w *writer) flush() error {
	w.sortPuts()
	for i, b := range []*bolt.Bucket{w.events, w.ids, w.cells, w.tags} {
		puts := w.puts[i]
		b.FillPercent = fillPercent
		if w.inTimeOrder && (i == putCells || i == putTags) {
			// Later batches append after each group's last key, so
			// pages can be filled (1M events: 632 -> 614 bytes each).
			b.FillPercent = 1
		} else if len(puts) > 0 {
			// Appending past the last key: full pages, as nothing will
			// be inserted between these keys later.
			if last, _ := b.Cursor().Last(); last == nil || bytes.Compare(puts[0].k, last) > 0 {
				b.FillPercent = 1
			}
		}
		ents := make([]boltpack.Entry, len(puts))
		for j, p := range puts {
			ents[j] = boltpack.Entry{Key: p.k, Value: p.v}
		}
		if err := w.pw.Put(b, ents); err != nil {
			return err
		}
		w.puts[i] = nil
	}
	if w.ext != nil {
		ext := *w.ext
		if old, ok := decodeExtent(w.stats.Get([]byte(statExtent))); ok {
			ext = ext.Union(old)
		}
		if err := w.stats.Put([]byte(statExtent), encodeExtent(ext)); err != nil {
			return err
		}
		w.ext = nil
	}
	type delta struct {
		k string
		d int64
	}
	byCell := make(map[geo.Cell]int64, 2*len(w.cellDelta))
	for id, d := range w.cellDelta {
		for _, l := range statLevels {
			byCell[geo.Cell{Level: l, ID: id >> (2 * (statTop - l))}] += d
		}
	}
	deltas := make([]delta, 0, 1+len(byCell)+len(w.tagDelta))
	deltas = append(deltas, delta{statTotal, w.total})
	for c, d := range byCell {
		deltas = append(deltas, delta{string(cellStatKey(c)), d})
	}
	for t, d := range w.tagDelta {
		deltas = append(deltas, delta{string(tagStatKey(t)), d})
	}
	slices.SortFunc(deltas, func(a, b delta) int { return strings.Compare(a.k, b.k) })
	w.stats.FillPercent = fillPercent
	for _, x := range deltas {
		if x.d == 0 {
			continue
		}
		n := decodeCount(w.stats.Get([]byte(x.k))) + x.d
		var err error
		if n <= 0 && x.k != statTotal {
			err = w.stats.Delete([]byte(x.k))
		} else {
			err = w.stats.Put([]byte(x.k), encodeCount(n))
		}
		if err != nil {
			return err
		}
	}
	w.total = 0
	clear(w.cellDelta)
	clear(w.tagDelta)
	if err := w.flushSets(); err != nil {
		return err
	}
	// Last: its keys sort after every other stats key (see statTypeDay).
	return w.flushTypes()
}

// flushSets adds the gathered tag-set changes to the histograms, numbering
// sets seen for the first time.
func (w *writer) flushSets() error {
	if len(w.setDelta) == 0 {
		return nil
	}
	ids := make([]uint32, len(w.setNames))
	next := decodeCount(w.stats.Get([]byte(statSetNext)))
	next0 := next
	for i, name := range w.setNames {
		k := append([]byte{statSetID}, name...)
		if v := w.stats.Get(k); len(v) == 4 {
			ids[i] = binary.BigEndian.Uint32(v)
			continue
		}
		ids[i] = uint32(next)
		next++
		if err := w.stats.Put(k, binary.BigEndian.AppendUint32(nil, ids[i])); err != nil {
			return err
		}
		if err := w.stats.Put(binary.BigEndian.AppendUint32([]byte{statSetName}, ids[i]), []byte(name)); err != nil {
			return err
		}
	}
	if next != next0 {
		if err := w.stats.Put([]byte(statSetNext), encodeCount(next)); err != nil {
			return err
		}
	}
	byCell := map[uint64]histogram{}
	for k, d := range w.setDelta {
		if d == 0 {
			continue
		}
		for _, l := range setLevels {
			c := uint64(l)<<24 | k>>32>>(2*(setTop-l))
			h := byCell[c]
			if h == nil {
				h = histogram{}
				byCell[c] = h
			}
			h[ids[uint32(k)]] += d
		}
	}
	cells := make([]uint64, 0, len(byCell))
	for c := range byCell {
		cells = append(cells, c)
	}
	slices.Sort(cells) // level, then ID: key order
	for _, c := range cells {
		key := setCellKey(geo.Cell{Level: int(c >> 24), ID: uint32(c & (1<<24 - 1))})
		h := byCell[c]
		if err := decodeHistogram(w.stats.Get(key), h); err != nil {
			return err
		}
		var err error
		if v := encodeHistogram(h); len(v) == 0 {
			err = w.stats.Delete(key)
		} else {
			err = w.stats.Put(key, v)
		}
		if err != nil {
			return err
		}
	}
	clear(w.setDelta)
	w.setNames, w.setIndex = nil, map[string]uint32{}
	return nil
}

// sortByKey sorts puts by key. Most comparisons are settled by the first 8
// bytes as an integer: 500k random IDs (the ids bucket's puts) sort ~3x
// faster than by comparing slices.
func sortByKey(puts []kv) {
	if len(puts) < 256 {
		slices.SortFunc(puts, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		return
	}
	type pk struct {
		p uint64
		i int
	}
	keys := make([]pk, len(puts))
	for i, p := range puts {
		var b [8]byte
		copy(b[:], p.k)
		keys[i] = pk{binary.BigEndian.Uint64(b[:]), i}
	}
	slices.SortFunc(keys, func(a, b pk) int {
		if a.p != b.p {
			return cmp.Compare(a.p, b.p)
		}
		return bytes.Compare(puts[a.i].k, puts[b.i].k)
	})
	sorted := make([]kv, len(puts))
	for i, k := range keys {
		sorted[i] = puts[k.i]
	}
	copy(puts, sorted)
}

// sortByGroup returns puts ordered by group, keeping the order within a
// group. Packing group and position into one integer makes this a plain
// integer sort, 3x faster than a stable sort of the structs.
func sortByGroup(puts []kv) []kv {
	const posBits = 24
	if len(puts) >= 1<<posBits {
		slices.SortStableFunc(puts, func(a, b kv) int { return cmp.Compare(a.g, b.g) })
		return puts
	}
	order := make([]uint64, len(puts))
	for i, p := range puts {
		order[i] = p.g<<posBits | uint64(i)
	}
	slices.Sort(order)
	out := make([]kv, len(puts))
	for i, o := range order {
		out[i] = puts[o&(1<<posBits-1)]
	}
	return out
}
