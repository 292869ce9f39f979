package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/benchdata"
	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkStore measures the issue 4 figures on the events and query boxes
// of ../shared/bench/gen-events (GEONEWS_BENCH_N events, default 1,000,000,
// seed 1): Import (parse NDJSON + CreateEvents in batches, events/s and
// bytes/event), Open (start-up on the full DB), and per bbox class the items
// query as the server runs it (AppendEventFeatures, limit 1000):
// BBox/CLASS serially (p50/p99), BBoxParallel/CLASS with GOMAXPROCS
// goroutines (queries/s, comparable to pgbench's 2 clients on 2 cores).
// All setup happens in here, so `go test` without -bench never pays for it.
// GEONEWS_BENCH_BATCH sets the import's transaction size (default as
// `geonews events import`); GEONEWS_BENCH_KEEP=DIR keeps the DB in DIR and
// reuses it, to iterate on queries without re-importing.
func BenchmarkStore(b *testing.B) {
	shared, n, batch := benchSettings(b)
	dir := b.TempDir()
	eventsPath := filepath.Join(dir, "events.ndjson")
	bboxPath, classPath := filepath.Join(dir, "bboxes.txt"), filepath.Join(dir, "classes.txt")
	genEvents(b, shared, n, eventsPath, bboxPath, classPath)
	classes, boxes := readBoxes(b, bboxPath, classPath)

	var db *bolt.DB
	var s *store.Store
	dbPath := filepath.Join(dir, "geonews.db")
	b.Cleanup(func() {
		if db != nil {
			db.Close()
		}
	})
	load := func(b *testing.B, path string) (*bolt.DB, *store.Store, time.Duration) {
		os.Remove(path)
		d, err := bolt.Open(path, 0o600, benchOptions)
		if err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(d)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := importFile(st, eventsPath, batch); err != nil {
			b.Fatal(err)
		}
		return d, st, time.Since(start)
	}

	imports := 0 // across the runs the framework makes with growing b.N
	b.Run("Import", func(b *testing.B) {
		var total, cpu time.Duration
		for i := 0; i < b.N; i++ {
			c0 := benchdata.CPUTime()
			imports++
			path := filepath.Join(dir, fmt.Sprintf("import%d.db", imports))
			d, st, took := load(b, path)
			total += took
			cpu += benchdata.CPUTime() - c0
			if db == nil {
				db, s = d, st
				dbPath = path
				continue
			}
			d.Close()
			os.Remove(path)
		}
		fi, err := os.Stat(dbPath)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
		b.ReportMetric(float64(fi.Size())/float64(n), "B/event")
		// CPU seconds are steadier than wall time on a shared machine.
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
	})
	if keep := os.Getenv("GEONEWS_BENCH_KEEP"); db == nil && keep != "" {
		// A DB kept from an earlier run, for iterating on queries.
		dbPath = filepath.Join(keep, fmt.Sprintf("geonews-n%d.db", n))
		if _, err := os.Stat(dbPath); err == nil {
			if db, err = bolt.Open(dbPath, 0o600, benchOptions); err != nil {
				b.Fatal(err)
			}
			if s, err = store.Open(db); err != nil {
				b.Fatal(err)
			}
		}
	}
	if db == nil {
		db, s, _ = load(b, dbPath)
	}

	b.Run("Open", func(b *testing.B) {
		// Start-up as geonews serve does it: open the file, open the
		// store, answer one query.
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			d, err := bolt.Open(dbPath, 0o600, benchOptions)
			if err != nil {
				b.Fatal(err)
			}
			st, err := store.Open(d)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.FindEvents(context.Background(), geo.EventFilter{Limit: 10}); err != nil {
				b.Fatal(err)
			}
			if i == b.N-1 {
				db, s = d, st
			} else {
				d.Close()
			}
		}
	})

	ctx := context.Background()
	query := func(b *testing.B, box geo.BBox, buf []byte) []byte {
		// As the items endpoint does it: features straight from the records.
		buf = append(buf[:0], `{"type":"FeatureCollection","features":[`...)
		buf, _, _, err := s.AppendEventFeatures(ctx, geo.EventFilter{BBox: &box, Limit: 1000}, buf)
		if err != nil {
			b.Fatal(err)
		}
		return append(buf, "]}"...)
	}
	for _, class := range uniq(classes) {
		var cb []geo.BBox
		for i, c := range classes {
			if c == class {
				cb = append(cb, boxes[i])
			}
		}
		b.Run("BBox/"+class, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var buf []byte
			var bytes int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				buf = query(b, cb[i%len(cb)], buf)
				lat = append(lat, time.Since(start))
				bytes += len(buf)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
			b.ReportMetric(float64(bytes)/float64(b.N), "json-B/op")
		})
		b.Run("BBoxParallel/"+class, func(b *testing.B) {
			var next atomic.Int64
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var buf []byte
				for pb.Next() {
					buf = query(b, cb[int(next.Add(1))%len(cb)], buf)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
		})
	}
	b.Run("Count/world", func(b *testing.B) {
		// A world page with its NumberMatched: must not count 1M events.
		for i := 0; i < b.N; i++ {
			if _, err := s.FindEvents(ctx, geo.EventFilter{BBox: &geo.World, Limit: 1000}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchOptions are the bbolt options the benchmark opens its DB with. The
// 1 GiB initial mmap (address space, not memory) saves the remaps that
// otherwise copy every dirty node of a big import several times.
var benchOptions = &bolt.Options{Timeout: time.Second, InitialMmapSize: 1 << 30}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func readBoxes(tb testing.TB, bboxPath, classPath string) ([]string, []geo.BBox) {
	return benchdata.Boxes(tb, bboxPath, classPath)
}

// importFile loads an NDJSON file as `geonews events import` does: parsed
// in slices on the other CPUs while ImportEvents sorts and writes.
func importFile(s *store.Store, path string, batch int) error {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(2 << 30))
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	slices := make(chan []*geo.Event, 4)
	errc := make(chan error, 1)
	go func() {
		defer close(slices)
		r := geo.NewEventReader(f)
		for {
			events, _, err := r.ReadBatch(10000)
			if errors.Is(err, io.EOF) {
				errc <- nil
				return
			} else if err != nil {
				errc <- err
				return
			}
			slices <- events
		}
	}()
	next := func() ([]*geo.Event, error) {
		if events, ok := <-slices; ok {
			return events, nil
		}
		if err := <-errc; err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	_, err = s.ImportEvents(context.Background(), next, store.ImportOptions{Batch: batch})
	for range slices {
	}
	return err
}

// benchSettings returns the gen-events folder (skipping the benchmark when
// ../shared is absent), GEONEWS_BENCH_N (default 1,000,000 events) and
// GEONEWS_BENCH_BATCH (default store.DefaultImportBatch, as geonews events
// import).
func benchSettings(b *testing.B) (shared string, n, batch int) {
	return benchdata.Settings(b, store.DefaultImportBatch)
}

// genEvents runs gen-events (seed 1) for n events and its query boxes.
func genEvents(b *testing.B, shared string, n int, eventsPath, bboxPath, classPath string) {
	benchdata.Gen(b, shared, n, eventsPath, bboxPath, classPath)
}
