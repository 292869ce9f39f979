package store

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/geonews/geonews/internal/tempfile"
	bolt "go.etcd.io/bbolt"
)

// Defaults of ImportOptions.
const (
	DefaultImportBatch = 500000
	defaultRunBytes    = 64 << 20
)

// ImportOptions tune ImportEvents; the zero value is the defaults.
type ImportOptions struct {
	// Batch is how many events one write transaction stores (default
	// DefaultImportBatch). bbolt keeps a transaction's dirty pages in
	// memory, and events in time order touch few pages per batch, so
	// memory depends on Batch, not on the size of the import or the DB.
	Batch int
	// RunBytes is how many bytes of encoded events are sorted in memory
	// before they are spilled to a temporary file (default 64 MiB).
	RunBytes int
	// TempDir holds the spilled runs (default: the DB file's folder, as
	// /tmp may be small or in memory). They are named for the process and
	// unlinked as soon as they are made (package tempfile), so even a
	// killed import leaves none behind.
	TempDir string
}

// ImportEvents stores the events next returns until it returns io.EOF, for
// bulk loads of any size in memory that does not grow with them. Every
// event is validated (geo.ValidateEvent) and sorted by its key before the
// first is written, so a bad event, or an error from next, stores nothing.
// The events are then written in time order, Batch at a time, each batch
// in one transaction, while the next batch is prepared on another
// goroutine; a crash or a failing write leaves whole batches stored, and
// importing again completes the rest. As in CreateEvents, an event without
// an ID gets geo.NewEventID's, and one whose ID is stored already or comes
// again (the first in time order wins) is skipped and not counted. Created
// and Updated are the time the import began. It returns how many events
// it stored.
func (s *Store) ImportEvents(ctx context.Context, next func() ([]*geo.Event, error), opt ImportOptions) (created int, err error) {
	if opt.Batch <= 0 {
		opt.Batch = DefaultImportBatch
	}
	if opt.RunBytes <= 0 {
		opt.RunBytes = defaultRunBytes
	}
	if opt.TempDir == "" {
		opt.TempDir = filepath.Dir(s.db.Path())
	}
	srt := &sorter{dir: opt.TempDir, limit: opt.RunBytes}
	defer srt.close()
	now := time.Now().UTC()
	n := 0
	for {
		events, err := next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return 0, err
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for _, e := range events {
			n++
			if err := geo.ValidateEvent(e); err != nil {
				return 0, geo.Errorf(geo.ErrorCode(err), "event %d: %s", n, geo.ErrorMessage(err))
			}
			if e.ID == "" {
				e.ID = geo.NewEventID(e)
			}
			e.Created, e.Updated = now, now
			if err := srt.add(e); err != nil {
				return 0, err
			}
		}
	}
	runs, err := srt.finish()
	if err != nil {
		return 0, err
	}

	// Prepare batches (decode, encode every index entry, sort per bucket)
	// on one goroutine while this one writes the previous batch.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Records are written as encoded (with Created and Updated set).
	batches := make(chan *writer) // one batch prepared while one is written: memory for two
	errc := make(chan error, 1)
	go func() {
		defer close(batches)
		m := &runMerger{}
		for _, r := range runs {
			if r.next() {
				m.runs = append(m.runs, r)
			}
		}
		heap.Init(m)
		for len(m.runs) > 0 {
			w := newWriter()
			w.inTimeOrder = true
			w.reserve(opt.Batch)
			seen := make(map[string]bool, opt.Batch)
			for len(m.runs) > 0 && len(seen) < opt.Batch {
				r := m.runs[0]
				if id := r.key[timeKeyLen:]; !seen[string(id)] {
					seen[string(id)] = true
					if err := w.putRecord(r.key, r.rec); err != nil {
						errc <- err
						return
					}
				}
				if r.next() {
					heap.Fix(m, 0)
				} else if r.err != nil {
					errc <- r.err
					return
				} else {
					heap.Pop(m)
				}
			}
			w.sortPuts()
			select {
			case batches <- w:
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
		errc <- nil
	}()
	for w := range batches {
		stored := 0
		err := s.db.Update(func(tx *bolt.Tx) error {
			ids := tx.Bucket(bucketIDs)
			c := boltpack.NewCursor(ids) // sorted probes: most stay in one block
			for _, p := range w.puts[putIDs] {
				if c.Get(p.k) != nil {
					// Some are stored already (an import run again):
					// write the others the slow way.
					var err error
					if w, err = w.without(ids); err != nil {
						return err
					}
					break
				}
			}
			stored = len(w.puts[putIDs])
			return w.bind(tx).flush()
		})
		if err == nil {
			created += stored
		} else {
			cancel()
			for range batches {
			}
			<-errc
			return created, err
		}
	}
	return created, <-errc
}

// without returns a writer of w's events whose IDs are not in ids.
func (w *writer) without(ids *bolt.Bucket) (*writer, error) {
	out := newWriter()
	for _, p := range w.puts[putEvents] {
		if boltpack.Get(ids, p.k[timeKeyLen:]) == nil {
			if err := out.putRecord(p.k, p.v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sorter sorts encoded events by key in runs of about limit bytes, spilling
// each full run to a temporary file.
type sorter struct {
	dir   string
	limit int
	buf   []byte     // entries: key length (2 bytes), record length (4), key, record
	ents  []runEntry // of buf
	files []*tempfile.File
	rec   []byte
}

// runEntry points at one entry of a run buffer; t, the time key, settles
// most comparisons without touching the buffer.
type runEntry struct {
	t   uint64
	off int
}

func (s *sorter) add(e *geo.Event) error {
	s.rec = encodeEvent(s.rec[:0], e)
	off := len(s.buf)
	s.buf = binary.BigEndian.AppendUint16(s.buf, uint16(timeKeyLen+len(e.ID)))
	s.buf = binary.BigEndian.AppendUint32(s.buf, uint32(len(s.rec)))
	s.buf = appendTimeKey(s.buf, e.Time)
	s.buf = append(s.buf, e.ID...)
	s.buf = append(s.buf, s.rec...)
	s.ents = append(s.ents, runEntry{timeKey(e.Time), off})
	if len(s.buf) >= s.limit {
		return s.spill()
	}
	return nil
}

func (s *sorter) entry(off int) (key, rec []byte) {
	kl := int(binary.BigEndian.Uint16(s.buf[off:]))
	rl := int(binary.BigEndian.Uint32(s.buf[off+2:]))
	key = s.buf[off+6 : off+6+kl]
	return key, s.buf[off+6+kl : off+6+kl+rl]
}

func (s *sorter) sort() {
	slices.SortFunc(s.ents, func(a, b runEntry) int {
		if a.t != b.t {
			return cmp.Compare(a.t, b.t)
		}
		ka, _ := s.entry(a.off)
		kb, _ := s.entry(b.off)
		return bytes.Compare(ka, kb)
	})
}

// spill writes the current run, sorted, to a new temporary file.
func (s *sorter) spill() error {
	s.sort()
	f, err := tempfile.Create(s.dir, "import")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	s.files = append(s.files, f)
	bw := bufio.NewWriterSize(f, 1<<20)
	for _, en := range s.ents {
		key, rec := s.entry(en.off)
		bw.Write(s.buf[en.off : en.off+6+len(key)+len(rec)])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	s.buf, s.ents = s.buf[:0], s.ents[:0]
	return nil
}

// finish returns the runs: the spilled ones and the last, in memory.
func (s *sorter) finish() ([]*run, error) {
	var runs []*run
	for _, f := range s.files {
		runs = append(runs, &run{r: bufio.NewReaderSize(f, 1<<20)})
	}
	s.sort()
	runs = append(runs, &run{mem: s})
	return runs, nil
}

func (s *sorter) close() {
	for _, f := range s.files {
		f.Close()
	}
}

// run reads one sorted run, from a file or from the sorter's memory.
type run struct {
	r        *bufio.Reader
	mem      *sorter
	i        int
	key, rec []byte
	buf      []byte
	err      error
}

// next moves to the run's next entry and reports whether there is one;
// err tells a failed read from the end.
func (r *run) next() bool {
	if r.mem != nil {
		if r.i >= len(r.mem.ents) {
			return false
		}
		r.key, r.rec = r.mem.entry(r.mem.ents[r.i].off)
		r.i++
		return true
	}
	var h [6]byte
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("import: read run: %w", err)
		}
		return false
	}
	kl, rl := int(binary.BigEndian.Uint16(h[:])), int(binary.BigEndian.Uint32(h[2:]))
	if cap(r.buf) < kl+rl {
		r.buf = make([]byte, kl+rl)
	}
	r.buf = r.buf[:kl+rl]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		r.err = fmt.Errorf("import: read run: %w", err)
		return false
	}
	r.key, r.rec = r.buf[:kl], r.buf[kl:]
	return true
}

// runMerger is a heap of runs by their current key.
type runMerger struct{ runs []*run }

func (m *runMerger) Len() int           { return len(m.runs) }
func (m *runMerger) Less(i, j int) bool { return bytes.Compare(m.runs[i].key, m.runs[j].key) < 0 }
func (m *runMerger) Swap(i, j int)      { m.runs[i], m.runs[j] = m.runs[j], m.runs[i] }
func (m *runMerger) Push(x any)         { m.runs = append(m.runs, x.(*run)) }
func (m *runMerger) Pop() any {
	r := m.runs[len(m.runs)-1]
	m.runs = m.runs[:len(m.runs)-1]
	return r
}
