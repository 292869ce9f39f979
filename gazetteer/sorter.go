package gazetteer

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// An indexOp is one deferred change to an index bucket: a delete or a put of
// key (whose first byte names the bucket, see opBucket*). Ops on one key keep
// the order they were added in, so the last one decides.
type indexOp struct {
	key   []byte
	put   bool
	value []byte
	seq   uint64 // order of addition, to break ties within one key
	pre   uint64 // the key's first 8 bytes, big-endian: most comparisons end here
}

func keyPrefix(k []byte) uint64 {
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

const (
	opBucketNames = 'n'
	opBucketCells = 'c'
)

// opSorter collects index changes and returns them in key order, and in the
// order they were added within one key. It keeps up to runSize ops in memory and
// spills sorted runs to temporary files beyond that, so that memory stays
// flat however large the import.
type opSorter struct {
	mem     []indexOp
	memSize int
	seq     uint64
	runs    []*os.File
	dir     string
	limit   int // bytes held in memory before a spill; 0 means runSize
}

const runSize = 64 << 20 // bytes of ops held in memory before a run is spilled

func compareOps(a, b indexOp) int {
	if a.pre != b.pre {
		return cmp.Compare(a.pre, b.pre)
	}
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func (s *opSorter) add(op indexOp) error {
	s.seq++
	op.seq = s.seq
	op.pre = keyPrefix(op.key)
	s.mem = append(s.mem, op)
	s.memSize += len(op.key) + len(op.value) + 64
	if s.memSize >= runSize || s.limit > 0 && s.memSize >= s.limit {
		return s.spill()
	}
	return nil
}

func (s *opSorter) len() int { return len(s.mem) + len(s.runs) }

func (s *opSorter) spill() error {
	slices.SortFunc(s.mem, compareOps)
	f, err := os.CreateTemp(s.dir, "geonews-index-*.run")
	if err != nil {
		return fmt.Errorf("spill index run: %w", err)
	}
	os.Remove(f.Name()) // unlinked: the run disappears with the process
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [binary.MaxVarintLen64*2 + 1]byte
	for _, op := range s.mem {
		n := binary.PutUvarint(hdr[:], uint64(len(op.key)))
		n += binary.PutUvarint(hdr[n:], uint64(len(op.value)))
		hdr[n] = 0
		if op.put {
			hdr[n] = 1
		}
		w.Write(hdr[:n+1])
		w.Write(op.key)
		w.Write(op.value)
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
	s.mem, s.memSize = s.mem[:0], 0
	return nil
}

// each calls fn with every op in order, merging the spilled runs.
func (s *opSorter) each(fn func(indexOp) error) error {
	defer s.close()
	slices.SortFunc(s.mem, compareOps)
	if len(s.runs) == 0 {
		for _, op := range s.mem {
			if err := fn(op); err != nil {
				return err
			}
		}
		return nil
	}
	h := &runHeap{}
	if len(s.mem) > 0 {
		h.items = append(h.items, &runReader{mem: s.mem, order: len(s.runs)})
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

func (s *opSorter) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs, s.mem = nil, nil
}

// runReader yields the ops of one sorted run, from memory or a file.
type runReader struct {
	mem   []indexOp
	r     *bufio.Reader
	cur   indexOp
	order int // earlier runs hold earlier ops: ties keep that order
}

func (r *runReader) next() (bool, error) {
	if r.r == nil {
		if len(r.mem) == 0 {
			return false, nil
		}
		r.cur, r.mem = r.mem[0], r.mem[1:]
		return true, nil
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
	buf := make([]byte, kl+vl)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return false, err
	}
	r.cur = indexOp{key: buf[:kl:kl], put: put == 1, value: buf[kl:], pre: keyPrefix(buf[:kl])}
	return true, nil
}

type runHeap struct{ items []*runReader }

func (h *runHeap) Len() int { return len(h.items) }
func (h *runHeap) Less(i, j int) bool {
	if c := compareOps(h.items[i].cur, h.items[j].cur); c != 0 {
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
