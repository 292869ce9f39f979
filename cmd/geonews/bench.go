package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// runBench builds a DB of synthetic events with ../shared/bench/gen-events
// and prints the issue 6 figures, so anyone can reproduce them.
func runBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench", "bench [--n N] [--shared DIR] [--dir DIR [--reuse]]", `
Generate N events with DIR/bench/gen-events (seed 1), import them into a new
database and print: import rate, start-up time, world-view clusters p50,
p99 over every query box class x filter combination, vector tile p50, and
resident memory while serving (the DB mapping trimmed as by serve).
Requests go through the real HTTP handlers in-process (no network). Needs
the Go toolchain for the generator; --reuse skips it.`)
	n := fs.Int("n", 1000000, "number of `events`")
	shared := fs.String("shared", "../shared", "the shared `folder` holding bench/gen-events")
	dir := fs.String("dir", "", "work `folder` for the events and the DB (default: a temp folder, removed)")
	reuse := fs.Bool("reuse", false, "with --dir: measure the DB and query boxes an earlier run left there instead of generating and importing again")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *reuse && *dir == "" {
		return usagef("--reuse needs --dir")
	}
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "geonews-bench"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	out := env.Stdout
	eventsPath := filepath.Join(work, "events.ndjson")
	boxPath, classPath := filepath.Join(work, "bboxes.txt"), filepath.Join(work, "classes.txt")
	dbPath := filepath.Join(work, fmt.Sprintf("bench-%d.db", *n))
	if *reuse {
		fmt.Fprintf(out, "reusing           %s\n", dbPath)
	} else if err := buildBenchDB(ctx, out, *shared, *n, eventsPath, boxPath, classPath, dbPath); err != nil {
		return err
	}
	classes, boxes, err := benchBoxes(boxPath, classPath)
	if err != nil {
		return err
	}

	debug.FreeOSMemory() // the import's heap, before measuring the server's
	start := time.Now()
	db, err := openDB(dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := store.Open(db)
	if err != nil {
		return err
	}
	if _, err := st.FindEvents(ctx, geo.EventFilter{Limit: 10}); err != nil {
		return err
	}
	fmt.Fprintf(out, "start-up          %.1f ms\n", ms(time.Since(start)))

	srv, err := server.New(server.Config{Events: st, Token: "bench"})
	if err != nil {
		return err
	}
	h := srv.Handler()
	// As geonews serve does: keep the DB's mapping trimmed, and sample
	// resident memory after every request.
	tctx, stopTrim := context.WithCancel(ctx)
	defer stopTrim()
	go keepMappedUnder(tctx, db, defaultMaxMapped<<20, trimInterval, env.Logger)
	var peak resident
	get := func(path string) (int, time.Duration) {
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		took := time.Since(t0)
		if r, err := readResident(); err == nil && r.total > peak.total {
			peak = r
		}
		return w.Code, took
	}
	for _, z := range []int{2, 3} {
		var lat []time.Duration
		for range 50 {
			_, d := get(fmt.Sprintf("/collections/events/clusters?bbox=-180,-90,180,90&zoom=%d", z))
			lat = append(lat, d)
		}
		fmt.Fprintf(out, "world clusters z%d p50 %.1f ms  p99 %.1f ms  (target p50 ≤ 50 at 1M)\n", z, pct(lat, 50), pct(lat, 99))
	}
	zoomOf := map[string]int{"city": 11, "region": 7, "country": 5, "continent": 3, "world": 2}
	filters := []string{"", "&datetime=2020-01-01/2020-12-31", "&tags=airstrike", "&tags=protest,ceasefire",
		"&datetime=2018-01-01/2019-12-31&tags=shelling,displacement", "&q=residential"}
	var lat []time.Duration
	rejected := 0
	for i, b := range boxes {
		for _, f := range filters {
			code, d := get(fmt.Sprintf("/collections/events/clusters?bbox=%g,%g,%g,%g&zoom=%d%s", b.West, b.South, b.East, b.North, zoomOf[classes[i]], f))
			switch code {
			case http.StatusOK:
				lat = append(lat, d)
			case http.StatusBadRequest:
				rejected++ // q over too many events
			default:
				return fmt.Errorf("clusters: status %d", code)
			}
		}
	}
	fmt.Fprintf(out, "filter matrix     p50 %.1f ms  p99 %.1f ms over %d requests, %d q requests refused as too broad (target p99 ≤ 200 at 1M)\n",
		pct(lat, 50), pct(lat, 99), len(lat), rejected)
	for _, filter := range []string{"", "?tags=airstrike,protest"} {
		lat = lat[:0]
		for i, b := range boxes {
			t := maptile.At(orb.Point{(b.West + b.East) / 2, (b.South + b.North) / 2}, maptile.Zoom(zoomOf[classes[i]]))
			code, d := get(fmt.Sprintf("/collections/events/tiles/%d/%d/%d.mvt%s", t.Z, t.X, t.Y, filter))
			if code != http.StatusOK {
				return fmt.Errorf("tile: status %d", code)
			}
			lat = append(lat, d)
		}
		fmt.Fprintf(out, "tiles%-12s p50 %.1f ms  p99 %.1f ms  (target p50 ≤ 20 at 1M)\n", filter, pct(lat, 50), pct(lat, 99))
	}
	if peak.total > 0 {
		fmt.Fprintf(out, "resident serving  %d MB at most (own %d MB, DB file mapped %d MB, trimmed past %d MB; target < 500)\n",
			peak.total>>20, peak.anon>>20, peak.file>>20, defaultMaxMapped)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		fmt.Fprintf(out, "peak RSS          %d MB (whole process, import included)\n", ru.Maxrss/1024)
	}
	return nil
}

// buildBenchDB generates n events and their query boxes with gen-events
// and imports the events into a new DB at dbPath, printing the import rate
// and size.
func buildBenchDB(ctx context.Context, out io.Writer, shared string, n int, eventsPath, boxPath, classPath, dbPath string) error {
	gen := exec.CommandContext(ctx, "go", "run", "-C", filepath.Join(shared, "bench", "gen-events"), ".",
		"-n", strconv.Itoa(n), "-seed", "1", "-out", eventsPath, "-bboxes", boxPath, "-bbox-classes", classPath)
	if b, err := gen.CombinedOutput(); err != nil {
		return fmt.Errorf("gen-events: %v\n%s", err, b)
	}
	os.Remove(dbPath)
	db, err := openDB(dbPath, false)
	if err != nil {
		return err
	}
	st, err := store.Open(db)
	if err != nil {
		db.Close()
		return err
	}
	f, err := os.Open(eventsPath)
	if err != nil {
		db.Close()
		return err
	}
	start := time.Now()
	stored, _, err := importEvents(ctx, st, f, store.DefaultImportBatch)
	f.Close()
	took := time.Since(start)
	db.Close()
	if err != nil {
		return err
	}
	os.Remove(eventsPath)
	fi, err := os.Stat(dbPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "events            %d (%.0f bytes/event on disk)\n", stored, float64(fi.Size())/float64(max(stored, 1)))
	fmt.Fprintf(out, "import            %.0f events/s\n", float64(stored)/took.Seconds())

	return nil
}

func benchBoxes(boxPath, classPath string) ([]string, []geo.BBox, error) {
	cls, err := os.ReadFile(classPath)
	if err != nil {
		return nil, nil, err
	}
	bx, err := os.ReadFile(boxPath)
	if err != nil {
		return nil, nil, err
	}
	classes := strings.Fields(string(cls))
	var boxes []geo.BBox
	for _, line := range strings.Fields(string(bx)) {
		b, err := geo.ParseBBox(line)
		if err != nil {
			return nil, nil, err
		}
		boxes = append(boxes, b)
	}
	if len(boxes) != len(classes) {
		return nil, nil, fmt.Errorf("%d classes for %d boxes", len(classes), len(boxes))
	}
	return classes, boxes, nil
}

func pct(lat []time.Duration, p int) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(lat))
	return ms(s[min(len(s)-1, len(s)*p/100)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
