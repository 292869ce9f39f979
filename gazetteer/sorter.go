package gazetteer

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"github.com/geonews/geonews/internal/tempfile"
	"io"
	"slices"
)

// An indexOp is one deferred change to an index bucket: a delete or a put of
// key (whose first byte names the bucket, see opBucket*). Ops on one key keep
// the order they were added in, so the last one decides. A put's value is
// head + shared + value; head and shared are nil unless it was added by
// addShared and has not been through a spilled run.
type indexOp struct {
	key          []byte
	put          bool
	head, shared []byte
	value        []byte
}

const (
	opBucketNames = 'n'
	opBucketCells = 'c'
)

// opRec is an op held in memory: its bytes live in its group's arena, so
// that a million queued ops hold no pointers for the garbage collector to
// scan.
type opRec struct {
	// The key's first 16 bytes, big-endian: nearly every comparison ends
	// here, without reading the arena.
	pre, pre2 uint64
	seq       uint32 // order of addition, to break ties within one key
	off       uint32 // key, then value, in the group's arena
	klen      uint16
	vlen      uint16 // of a shared op: 4 (the shared part's offset), head, tail
	put       bool
	hlen      uint8 // of a shared op, the head's length
	shared    bool  // added by addShared
}

// opSorter collects index changes and returns them in key order, and in the
// order they were added within one key. It keeps up to runSize bytes in
// memory and spills sorted runs to temporary files beyond that, so that
// memory stays flat however large the import.
//
// Ops are kept in groups by their key's first three bytes (the bucket, the
// key kind and a name's first letter): a group is sorted and read on its
// own, its few hundred kilobytes in the CPU's cache, where one arena of the
// whole run would be read in key order at a cache miss per op.
type opSorter struct {
	groups map[uint32]*opGroup
	byID   [256]*[1 << 16]*opGroup // groups by the id's bytes: faster than the map
	order  []uint32                // the groups' ids, sorted by sort
	shared []byte                  // shared parts, each a 2-byte length then the bytes
	size   int                     // bytes held in the arenas and shared
	seq    uint32
	runs   []*tempfile.File
	dir    string
	limit  int // bytes held before a spill; 0 means runSize
	// The last shared part stored, at sharedOff in shared, while haveShared.
	sharedOff  uint32
	haveShared bool
}

// opGroup holds the ops whose keys start with the same three bytes.
type opGroup struct {
	arena []byte
	recs  []opRec
}

const runSize = 64 << 20

// keyPrefix returns bytes 8·i to 8·i+8 of k, zero-padded, as a big-endian
// number.
func keyPrefix(k []byte, i int) uint64 {
	if 8*i+8 <= len(k) {
		return binary.BigEndian.Uint64(k[8*i:])
	}
	var b [8]byte
	if 8*i < len(k) {
		copy(b[:], k[8*i:])
	}
	return binary.BigEndian.Uint64(b[:])
}

// add queues an op whose key is prefix+key (prefix names the bucket); key
// and value are copied.
func (s *opSorter) add(prefix byte, key []byte, put bool, value []byte) error {
	return s.push(prefix, key, put, nil, nil, value)
}

// addShared queues a put whose value is head + shared + tail. Consecutive
// puts with the same shared part (a place's fields in each of its name rows)
// store it once, so that a run holds more rows before it spills.
func (s *opSorter) addShared(prefix byte, key, head, shared, tail []byte) error {
	return s.push(prefix, key, true, head, shared, tail)
}

func (s *opSorter) push(prefix byte, key []byte, put bool, head, shared, value []byte) error {
	isShared := head != nil || shared != nil
	vlen := len(value)
	if isShared {
		vlen += 4 + len(head)
	}
	if len(key)+1 > 0xffff || vlen > 0xffff || len(head) > 0xff || len(shared) > 0xffff {
		return fmt.Errorf("index row of %d+%d bytes is too large", len(key), len(head)+len(shared)+len(value))
	}
	if s.groups == nil {
		s.groups = map[uint32]*opGroup{}
	}
	if isShared && !(s.haveShared && bytes.Equal(shared, s.sharedPart(s.sharedOff))) {
		s.sharedOff, s.haveShared = uint32(len(s.shared)), true
		s.shared = binary.BigEndian.AppendUint16(s.shared, uint16(len(shared)))
		s.shared = append(s.shared, shared...)
		s.size += 2 + len(shared)
	}
	id := uint32(prefix) << 16
	if len(key) > 0 {
		id |= uint32(key[0]) << 8
	}
	if len(key) > 1 {
		id |= uint32(key[1])
	}
	tab := s.byID[prefix]
	if tab == nil {
		tab = new([1 << 16]*opGroup)
		s.byID[prefix] = tab
	}
	g := tab[id&0xffff]
	if g == nil {
		g = &opGroup{}
		s.groups[id], tab[id&0xffff] = g, g
	}
	s.seq++
	g.arena = grow(g.arena, 1+len(key)+vlen, 16<<10)
	g.recs = grow(g.recs, 1, 512)
	off := len(g.arena)
	g.arena = append(g.arena, prefix)
	g.arena = append(g.arena, key...)
	if isShared {
		g.arena = binary.BigEndian.AppendUint32(g.arena, s.sharedOff)
		g.arena = append(g.arena, head...)
	}
	g.arena = append(g.arena, value...)
	k := g.arena[off : off+1+len(key)]
	g.recs = append(g.recs, opRec{pre: keyPrefix(k, 0), pre2: keyPrefix(k, 1), seq: s.seq, off: uint32(off),
		klen: uint16(len(k)), vlen: uint16(vlen), put: put, hlen: uint8(len(head)), shared: isShared})
	limit := s.limit
	if limit <= 0 {
		limit = runSize
	}
	if s.size += len(g.arena) - off; s.size >= limit {
		return s.spill()
	}
	return nil
}

// grow returns s with room for n more elements, growing fourfold (at least
// to min): a group grows from nothing to megabytes, and doubling would copy
// it twice as often.
func grow[T any](s []T, n, min int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	bigger := make([]T, len(s), max(4*cap(s), len(s)+n, min))
	copy(bigger, s)
	return bigger
}

// sharedPart returns the shared part stored at off.
func (s *opSorter) sharedPart(off uint32) []byte {
	n := uint32(binary.BigEndian.Uint16(s.shared[off:]))
	return s.shared[off+2 : off+2+n : off+2+n]
}

func (g *opGroup) key(r *opRec) []byte { return g.arena[r.off : r.off+uint32(r.klen)] }

func (s *opSorter) op(g *opGroup, r *opRec) indexOp {
	k := g.key(r)
	v := g.arena[r.off+uint32(r.klen) : r.off+uint32(r.klen)+uint32(r.vlen)]
	if !r.shared {
		return indexOp{key: k, put: r.put, value: v}
	}
	h := 4 + int(r.hlen)
	return indexOp{key: k, put: r.put, head: v[4:h:h], shared: s.sharedPart(binary.BigEndian.Uint32(v)), value: v[h:]}
}

// sort orders the groups by id, which is key order, and each group's ops.
func (s *opSorter) sort() {
	s.order = s.order[:0]
	for id, g := range s.groups {
		if len(g.recs) > 0 {
			s.order = append(s.order, id)
			g.radixSort(g.recs, 3) // the group's keys agree on three bytes
		}
	}
	slices.Sort(s.order)
}

// radixSort orders recs, whose inline prefixes agree before byte d, by
// distributing them in place on byte d (American flag sort) and recursing;
// small groups, and groups that agree on all 16 inline bytes, are sorted by
// comparison. Keys are near random after their first two bytes, so each
// level splits a group many ways for one pass over it.
func (g *opGroup) radixSort(recs []opRec, d int) {
	switch {
	case len(recs) <= 48:
		g.insertionSort(recs)
		return
	case d == 16:
		slices.SortFunc(recs, g.compare)
		return
	}
	var count, next [256]int
	for i := range recs {
		count[recs[i].digit(d)]++
	}
	sum := 0
	for b, n := range count {
		next[b] = sum
		sum += n
	}
	end := next
	for b := range end {
		end[b] += count[b]
	}
	for b := range next {
		for next[b] < end[b] {
			i := next[b]
			if db := recs[i].digit(d); db != byte(b) {
				recs[i], recs[next[db]] = recs[next[db]], recs[i]
				next[db]++
				continue
			}
			next[b]++
		}
	}
	start := 0
	for _, n := range count {
		if n > 1 {
			g.radixSort(recs[start:start+n], d+1)
		}
		start += n
	}
}

// insertionSort orders a few recs, comparing in line: most of a group's
// sorting happens here, in the leaves of radixSort.
func (g *opGroup) insertionSort(recs []opRec) {
	for i := 1; i < len(recs); i++ {
		r := recs[i]
		j := i
		for ; j > 0 && g.less(&r, &recs[j-1]); j-- {
			recs[j] = recs[j-1]
		}
		recs[j] = r
	}
}

func (g *opGroup) less(a, b *opRec) bool {
	if a.pre != b.pre {
		return a.pre < b.pre
	}
	if a.pre2 != b.pre2 {
		return a.pre2 < b.pre2
	}
	if c := bytes.Compare(g.key(a), g.key(b)); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

// digit returns byte d of the key's inline prefix.
func (r *opRec) digit(d int) byte {
	if d < 8 {
		return byte(r.pre >> (56 - 8*d))
	}
	return byte(r.pre2 >> (56 - 8*(d-8)))
}

// compare orders ops by key, then by order of addition.
func (g *opGroup) compare(a, b opRec) int {
	if a.pre != b.pre {
		return cmp.Compare(a.pre, b.pre)
	}
	if a.pre2 != b.pre2 {
		return cmp.Compare(a.pre2, b.pre2)
	}
	if c := bytes.Compare(g.key(&a), g.key(&b)); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func (s *opSorter) spill() error {
	s.sort()
	f, err := tempfile.Create(s.dir, "index") // unlinked: the run disappears with the process
	if err != nil {
		return fmt.Errorf("spill index run: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [binary.MaxVarintLen64*2 + 1]byte
	for _, id := range s.order {
		g := s.groups[id]
		for i := range g.recs {
			op := s.op(g, &g.recs[i]) // a run holds whole values
			n := binary.PutUvarint(hdr[:], uint64(len(op.key)))
			n += binary.PutUvarint(hdr[n:], uint64(len(op.head)+len(op.shared)+len(op.value)))
			hdr[n] = 0
			if op.put {
				hdr[n] = 1
			}
			w.Write(hdr[:n+1])
			w.Write(op.key)
			w.Write(op.head)
			w.Write(op.shared)
			w.Write(op.value)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("spill index run: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	s.runs = append(s.runs, f)
	for _, g := range s.groups { // kept for the next run: memory stays flat
		g.arena, g.recs = g.arena[:0], g.recs[:0]
	}
	s.shared, s.size, s.haveShared = s.shared[:0], 0, false
	return nil
}

// each calls fn with every op in order, merging the spilled runs. The op's
// slices stay valid until close.
func (s *opSorter) each(fn func(indexOp) error) error {
	s.sort()
	if len(s.runs) == 0 {
		for _, id := range s.order {
			g := s.groups[id]
			for i := range g.recs {
				if err := fn(s.op(g, &g.recs[i])); err != nil {
					return err
				}
			}
		}
		return nil
	}
	h := &runHeap{}
	if len(s.order) > 0 {
		h.items = append(h.items, &runReader{s: s, order: len(s.runs)})
	}
	for i, f := range s.runs {
		h.items = append(h.items, &runReader{r: bufio.NewReaderSize(f, 1<<20), order: i})
	}
	live := h.items[:0]
	for _, r := range h.items {
		if ok, err := r.next(); err != nil {
			return err
		} else if ok {
			live = append(live, r)
		}
	}
	h.items = live
	heap.Init(h)
	for h.Len() > 0 {
		r := h.items[0]
		if err := fn(r.cur); err != nil {
			return err
		}
		if ok, err := r.next(); err != nil {
			return err
		} else if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

// close releases the runs and the arenas.
func (s *opSorter) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs, s.groups, s.byID, s.order, s.shared = nil, nil, [256]*[1 << 16]*opGroup{}, nil, nil
}

// runReader yields the ops of one sorted run, from memory or a file.
type runReader struct {
	s     *opSorter // the in-memory run: group s.order[g], op i
	g, i  int
	r     *bufio.Reader
	chunk []byte // where ops read from r are kept, a megabyte at a time
	cur   indexOp
	order int // earlier runs hold earlier ops: ties keep that order
}

func (r *runReader) next() (bool, error) {
	if r.r == nil {
		for r.g < len(r.s.order) {
			g := r.s.groups[r.s.order[r.g]]
			if r.i < len(g.recs) {
				r.cur = r.s.op(g, &g.recs[r.i])
				r.i++
				return true, nil
			}
			r.g, r.i = r.g+1, 0
		}
		return false, nil
	}
	kl, err := binary.ReadUvarint(r.r)
	if err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, err
	}
	vl, err := binary.ReadUvarint(r.r)
	if err != nil {
		return false, err
	}
	put, err := r.r.ReadByte()
	if err != nil {
		return false, err
	}
	n := int(kl + vl)
	if len(r.chunk)+n > cap(r.chunk) {
		r.chunk = make([]byte, 0, max(1<<20, n)) // the old chunk lives while ops point into it
	}
	buf := r.chunk[len(r.chunk) : len(r.chunk)+n : len(r.chunk)+n]
	r.chunk = r.chunk[:len(r.chunk)+n]
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return false, err
	}
	r.cur = indexOp{key: buf[:kl:kl], put: put == 1, value: buf[kl:]}
	return true, nil
}

type runHeap struct{ items []*runReader }

func (h *runHeap) Len() int { return len(h.items) }
func (h *runHeap) Less(i, j int) bool {
	if c := bytes.Compare(h.items[i].cur.key, h.items[j].cur.key); c != 0 {
		return c < 0
	}
	return h.items[i].order < h.items[j].order
}
func (h *runHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)    { h.items = append(h.items, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
