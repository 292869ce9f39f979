package postgis_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/benchdata"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/geonews/geonews/postgis"
)

// BenchmarkPostGIS measures the issue 13 figures in process on the events
// and boxes of ../shared/bench/gen-events (GEONEWS_BENCH_N, default
// 1,000,000), in a private cluster tuned as ../shared/bench/postgis.sh
// tunes its own (no JIT, no parallel workers, 1 GB of shared buffers):
// Import (ImportEvents by COPY, events/s), Clusters/world-z2 (the map's
// world view: p50 ms), and per bbox class the items query as the server
// runs it (AppendEventFeatures, limit 1000): BBox/CLASS serially (p50, p99,
// and cpu-ms/op, geonews's own CPU per page)
// and BBoxParallel/CLASS on 2 goroutines (queries/s, as pgbench's 2
// clients). scripts/bench-postgis measures the same over HTTP next to raw SQL.
func BenchmarkPostGIS(b *testing.B) {
	c, n, batch, eventsPath, classes, boxes := benchSetup(b)
	ctx := context.Background()
	imports := 0
	var s *postgis.Store
	b.Run("Import", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			imports++
			db := "import" + string(rune('a'+imports))
			if err := c.Exec("postgres", "CREATE DATABASE "+db); err != nil {
				b.Fatal(err)
			}
			st, err := postgis.Open(ctx, c.URL(db))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := importFile(st, eventsPath, batch); err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			b.ReportMetric(float64(n)/took.Seconds(), "events/s")
			if s != nil {
				s.Close()
			}
			s = st
		}
	})
	if s == nil {
		b.Skip("no import ran")
	}
	defer s.Close()
	if _, err := s.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Run("Clusters/world-z2", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			_, total, err := s.Clusters(ctx, geo.EventFilter{}, geo.CellLevelForZoom(2))
			if err != nil || total != n {
				b.Fatalf("clusters: total %d, %v; want %d", total, err, n)
			}
			ds = append(ds, time.Since(start))
		}
		report(b, ds)
	})
	order := []string{}
	byClass := map[string][]geo.BBox{}
	for i, cl := range classes {
		if byClass[cl] == nil {
			order = append(order, cl)
		}
		byClass[cl] = append(byClass[cl], boxes[i])
	}
	query := func(box geo.BBox, buf []byte) []byte {
		out, _, _, err := s.AppendEventFeatures(ctx, geo.EventFilter{BBox: &box, Limit: 1000}, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	for _, cl := range order {
		bs := byClass[cl]
		b.Run("BBox/"+cl, func(b *testing.B) {
			var ds []time.Duration
			var buf []byte
			c0 := benchdata.CPUTime()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				buf = query(bs[i%len(bs)], buf)
				ds = append(ds, time.Since(start))
			}
			// geonews's own CPU per page (the database's is apart):
			// reading a page that trickles out of the database costs a
			// wake-up per network read.
			b.ReportMetric(float64(benchdata.CPUTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
			report(b, ds)
		})
		b.Run("BBoxParallel/"+cl, func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(1) // GOMAXPROCS goroutines: 2 on the bench box, as pgbench's 2 clients
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var buf []byte
				for pb.Next() {
					buf = query(bs[int(next.Add(1))%len(bs)], buf)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
		})
	}
}

// report adds p50 and p99 in milliseconds.
func report(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100])/1e6, "p99-ms")
}

// importFile loads an NDJSON file as `geonews events import` does.
func importFile(s *postgis.Store, path string, batch int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := geo.NewEventReader(f)
	next := func() ([]*geo.Event, error) {
		evs, _, err := r.ReadBatch(10000)
		if errors.Is(err, io.EOF) && len(evs) == 0 {
			return nil, io.EOF
		}
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return evs, err
	}
	_, err = s.ImportEvents(context.Background(), next, batch)
	return err
}

// benchSetup generates gen-events (GEONEWS_BENCH_N) and their query boxes
// and starts a private cluster tuned as ../shared/bench/postgis.sh tunes
// its own (no JIT, no parallel workers, 1 GB of shared buffers); it skips
// b without ../shared or PostgreSQL.
func benchSetup(b *testing.B) (c *pgtest.Cluster, n, batch int, eventsPath string, classes []string, boxes []geo.BBox) {
	b.Helper()
	shared, n, batch := benchdata.Settings(b, postgis.DefaultImportBatch)
	if why := pgtest.Available(); why != "" {
		b.Skip(why)
	}
	dir := b.TempDir()
	eventsPath = filepath.Join(dir, "events.ndjson")
	bboxPath, classPath := filepath.Join(dir, "bboxes.txt"), filepath.Join(dir, "classes.txt")
	benchdata.Gen(b, shared, n, eventsPath, bboxPath, classPath)
	classes, boxes = benchdata.Boxes(b, bboxPath, classPath)
	c = pgtest.NewCluster(b)
	if err := c.Exec("postgres", "ALTER SYSTEM SET shared_buffers = '1GB'", "ALTER SYSTEM SET jit = off",
		"ALTER SYSTEM SET max_parallel_workers_per_gather = 0", "ALTER SYSTEM SET random_page_cost = 1.1",
		"ALTER SYSTEM SET work_mem = '32MB'", "ALTER SYSTEM SET max_wal_size = '8GB'", "ALTER SYSTEM SET maintenance_work_mem = '512MB'"); err != nil {
		b.Fatal(err)
	}
	if err := c.Stop("fast"); err != nil {
		b.Fatal(err)
	}
	if err := c.Restart(); err != nil {
		b.Fatal(err)
	}
	return c, n, batch, eventsPath, classes, boxes
}
