package store_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/benchdata"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkClusters measures the issue 6 figures on GEONEWS_BENCH_N
// (default 1,000,000) events of ../shared/bench/gen-events, seed 1, through
// the real HTTP handlers (query, store, encoding; no network):
//
//   - World/zZ: the world box at zoom Z (p50-ms; target ≤ 50 at 1M).
//   - Matrix: every bbox class × filter combination (none, datetime, one
//     tag, two tags, datetime+tags, q) at the class's zoom (p99-ms over
//     all; target ≤ 200); q requests refused as too broad (400) are
//     counted in rejected-%, not in the latencies.
//   - Tile: one tile per query box centre at the class's zoom (p50-ms;
//     target ≤ 20), plus the p50 with a tag filter.
//   - Memory: resident MB after the queries, whole and split into the
//     process's own memory and the DB file's pages, as the store leaves
//     them: geonews serve also trims the file's pages (--max-mapped), and
//     `geonews bench` measures resident memory that way (target < 500 at
//     10M).
//
// GEONEWS_BENCH_KEEP=DIR keeps the DB in DIR and reuses it;
// GEONEWS_BENCH_BATCH sets the import's transaction size.
func BenchmarkClusters(b *testing.B) {
	shared, n, batch := benchSettings(b)
	dir := b.TempDir()
	if keep := os.Getenv("GEONEWS_BENCH_KEEP"); keep != "" {
		dir = keep
	}
	eventsPath := filepath.Join(dir, fmt.Sprintf("events-n%d.ndjson", n))
	bboxPath, classPath := filepath.Join(dir, "bboxes.txt"), filepath.Join(dir, "classes.txt")
	dbPath := filepath.Join(dir, fmt.Sprintf("clusters-n%d.db", n))
	_, dbErr := os.Stat(dbPath)
	if _, err := os.Stat(eventsPath); err != nil && dbErr != nil {
		genEvents(b, shared, n, eventsPath, bboxPath, classPath)
	}
	classes, boxes := readBoxes(b, bboxPath, classPath)
	db, err := bolt.Open(dbPath, 0o600, benchOptions)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st, err := store.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	if dbErr != nil {
		start := time.Now() // ~20 GB of RSS at 10M with the default batch: lower GEONEWS_BENCH_BATCH there
		if err := importFile(st, eventsPath, batch); err != nil {
			b.Fatal(err)
		}
		b.Logf("imported %d events in %v", n, time.Since(start))
		os.Remove(eventsPath)
	}
	srv, err := server.New(server.Config{Events: st, Token: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	get := func(b *testing.B, path string) (int, time.Duration) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		took := time.Since(start)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		return w.Code, took
	}
	zoomOf := map[string]int{"city": 11, "region": 7, "country": 5, "continent": 3, "world": 2}
	bboxParam := func(x geo.BBox) string { return fmt.Sprintf("%g,%g,%g,%g", x.West, x.South, x.East, x.North) }

	for _, zoom := range []int{2, 3} {
		b.Run(fmt.Sprintf("World/z%d", zoom), func(b *testing.B) {
			path := fmt.Sprintf("/collections/events/clusters?bbox=-180,-90,180,90&zoom=%d", zoom)
			lat := make([]time.Duration, 0, b.N)
			c0 := benchdata.CPUTime()
			for i := 0; i < b.N; i++ {
				_, d := get(b, path)
				lat = append(lat, d)
			}
			// CPU time per request, GC included: steadier than the
			// latencies on a shared machine.
			b.ReportMetric(ms(benchdata.CPUTime()-c0)/float64(b.N), "cpu-ms/op")
			reportLatency(b, lat)
		})
	}

	filters := []string{"", "&datetime=2020-01-01/2020-12-31", "&tags=airstrike", "&tags=protest,ceasefire",
		"&datetime=2018-01-01/2019-12-31&tags=shelling,displacement", "&q=residential"}
	type combo struct{ path, name string }
	var combos []combo
	for j, x := range boxes {
		for _, f := range filters {
			combos = append(combos, combo{fmt.Sprintf("/collections/events/clusters?bbox=%s&zoom=%d%s", bboxParam(x), zoomOf[classes[j]], f), classes[j] + f})
		}
	}
	b.Run("Matrix", func(b *testing.B) {
		// One request per iteration, cycling through the combinations:
		// run with -benchtime 1200x (or more) to cover each once.
		lat := make([]time.Duration, 0, b.N)
		worst := map[string]time.Duration{}
		rejected := 0
		for i := 0; i < b.N; i++ {
			c := combos[i*7919%len(combos)] // a stride coprime to 1200: classes interleave
			code, d := get(b, c.path)
			if code == http.StatusBadRequest {
				rejected++
				continue
			}
			lat = append(lat, d)
			worst[c.name] = max(worst[c.name], d)
		}
		reportLatency(b, lat)
		b.ReportMetric(100*float64(rejected)/float64(b.N), "rejected-%")
		if testing.Verbose() && b.N >= len(combos) {
			names := slices.Sorted(maps.Keys(worst))
			for _, k := range names {
				b.Logf("max %7.1f ms  %s", ms(worst[k]), k)
			}
		}
	})

	tilePaths := func(filter string) []string {
		var paths []string
		for j, x := range boxes {
			z := zoomOf[classes[j]]
			t := maptile.At(orb.Point{(x.West + x.East) / 2, (x.South + x.North) / 2}, maptile.Zoom(z))
			paths = append(paths, fmt.Sprintf("/collections/events/tiles/%d/%d/%d.mvt%s", t.Z, t.X, t.Y, filter))
		}
		return paths
	}
	for name, filter := range map[string]string{"Tile": "", "TileTags": "?tags=airstrike,protest"} {
		b.Run(name, func(b *testing.B) {
			paths := tilePaths(filter)
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				p := paths[i*7919%len(paths)] // classes interleave
				code, d := get(b, p)
				if code != http.StatusOK {
					b.Fatalf("GET %s: %d", p, code)
				}
				lat = append(lat, d)
			}
			reportLatency(b, lat)
		})
	}

	// Memory after the queries above: the whole resident set, and its
	// parts, the process's own (anonymous) memory and the pages of the
	// memory-mapped DB file that the queries touched (page cache the
	// kernel can reclaim). The heap an import left is returned to the OS
	// first; with GEONEWS_BENCH_KEEP no import runs in this process.
	b.Run("Memory", func(b *testing.B) {
		debug.FreeOSMemory()
		for i := 0; i < b.N; i++ {
			status, err := os.ReadFile("/proc/self/status")
			if err != nil {
				b.Skipf("no /proc: %v", err)
			}
			for _, f := range []struct{ field, unit string }{{"VmRSS", "rss-MB"}, {"RssAnon", "rss-anon-MB"}, {"RssFile", "rss-file-MB"}} {
				if kb, ok := procKB(string(status), f.field); ok {
					b.ReportMetric(float64(kb)/1024, f.unit)
				}
			}
		}
	})
}

// procKB reads one "Field:   N kB" line of /proc/PID/status.
func procKB(status, field string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}
