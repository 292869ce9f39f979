package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkHTTPItems measures GET /collections/events/items over loopback
// HTTP against the real store, on ../shared/bench/gen-events data
// (GEONEWS_BENCH_N events, default 1,000,000, seed 1) and its 200 query
// boxes: per bbox class, limit=1000, serially (p50/p99 latency including
// the full body read) and with 2 concurrent clients (queries/s, as
// pgbench's 2 clients and http-bbox.sh's CONNS=2). Set GEONEWS_BENCH_DB to a
// path to keep the loaded DB between runs; loading 1M events takes a while.
func BenchmarkHTTPItems(b *testing.B) {
	gen, err := filepath.Abs("../../shared/bench/gen-events")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(gen, "main.go")); err != nil {
		b.Skip("../shared/bench/gen-events is absent: no benchmark data")
	}
	n := 1000000
	if v := os.Getenv("GEONEWS_BENCH_N"); v != "" {
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("GEONEWS_BENCH_N: %v", err)
		}
	}
	dir := b.TempDir()
	dbPath := os.Getenv("GEONEWS_BENCH_DB")
	if dbPath == "" {
		dbPath = filepath.Join(dir, "geonews.db")
	}
	eventsPath := filepath.Join(dir, "events.ndjson")
	boxPath, classPath := filepath.Join(dir, "bboxes.txt"), filepath.Join(dir, "classes.txt")
	_, statErr := os.Stat(dbPath)
	genN := n
	if statErr == nil {
		genN = 1 // the DB is loaded already: only the boxes are needed
	}
	args := []string{"run", "-C", gen, ".", "-n", strconv.Itoa(genN), "-seed", "1", "-bboxes", boxPath, "-bbox-classes", classPath, "-out", eventsPath}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		b.Fatalf("gen-events: %v\n%s", err, out)
	}
	db, err := bolt.Open(dbPath, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st, err := store.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		start := time.Now()
		if err := load(st, eventsPath); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d events in %v", n, time.Since(start))
	}
	srv, err := server.New(server.Config{Events: st, Token: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Open("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close(context.Background()) })

	classes, boxes := readBoxes(b, boxPath, classPath)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func(b *testing.B, box string) int {
		res, err := client.Get(srv.URL() + "/collections/events/items?limit=1000&bbox=" + box)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("bbox=%s: %d %v", box, res.StatusCode, err)
		}
		return int(n)
	}
	var order []string
	for _, c := range classes {
		if !slices.Contains(order, c) {
			order = append(order, c)
		}
	}
	for _, class := range order {
		var cb []string
		for i, c := range classes {
			if c == class {
				cb = append(cb, boxes[i])
			}
		}
		b.Run("BBox/"+class, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			bytes := 0
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				bytes += get(b, cb[i%len(cb)])
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
			b.ReportMetric(float64(bytes)/float64(len(lat)), "body-B/op")
		})
		b.Run("BBox2Clients/"+class, func(b *testing.B) {
			var next atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			for range 2 {
				wg.Go(func() {
					for int(next.Add(1)) <= b.N {
						get(b, cb[int(next.Load())%len(cb)])
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// readBoxes reads gen-events' query boxes and their classes.
func readBoxes(tb testing.TB, boxPath, classPath string) (classes, boxes []string) {
	tb.Helper()
	cls, err := os.ReadFile(classPath)
	if err != nil {
		tb.Fatal(err)
	}
	bx, err := os.ReadFile(boxPath)
	if err != nil {
		tb.Fatal(err)
	}
	classes, boxes = strings.Fields(string(cls)), strings.Fields(string(bx))
	if len(classes) != len(boxes) {
		tb.Fatalf("%d classes for %d boxes", len(classes), len(boxes))
	}
	return classes, boxes
}

// load imports an NDJSON file in batches of 50,000, one transaction each.
func load(st *store.Store, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := geo.NewEventReader(f)
	batch := make([]*geo.Event, 0, 50000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := st.CreateEvents(context.Background(), batch)
		batch = batch[:0]
		return err
	}
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return flush()
		} else if err != nil {
			return fmt.Errorf("line %d: %w", r.Line(), err)
		}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
