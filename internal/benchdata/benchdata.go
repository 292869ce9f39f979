// Package benchdata gives benchmarks the synthetic events and query boxes
// of ../shared/bench/gen-events, the data every backend's figures (and
// PostGIS's baseline) are measured on, and the CPU clock their per-CPU
// figures read. Only benchmarks import it.
package benchdata

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
)

// Settings finds gen-events from a package folder two levels below the
// repository (../../shared) and reads GEONEWS_BENCH_N (default 1,000,000)
// and GEONEWS_BENCH_BATCH (default batch). It skips b when ../shared is absent.
func Settings(b *testing.B, batch int) (shared string, n, outBatch int) {
	b.Helper()
	shared, err := filepath.Abs("../../shared/bench/gen-events")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "main.go")); err != nil {
		b.Skip("../shared/bench/gen-events is absent: no benchmark data")
	}
	n = 1000000
	for _, v := range []struct {
		env string
		dst *int
	}{{"GEONEWS_BENCH_N", &n}, {"GEONEWS_BENCH_BATCH", &batch}} {
		if s := os.Getenv(v.env); s != "" {
			if *v.dst, err = strconv.Atoi(s); err != nil || *v.dst <= 0 {
				b.Fatalf("%s=%q is not a positive number", v.env, s)
			}
		}
	}
	return shared, n, batch
}

// Gen runs gen-events (seed 1) for n events and its query boxes.
func Gen(b *testing.B, shared string, n int, eventsPath, bboxPath, classPath string) {
	b.Helper()
	gen := exec.Command("go", "run", "-C", shared, ".", "-n", strconv.Itoa(n), "-seed", "1",
		"-out", eventsPath, "-bboxes", bboxPath, "-bbox-classes", classPath)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("gen-events: %v\n%s", err, out)
	}
}

// Boxes reads the query boxes and their classes (city … world).
func Boxes(tb testing.TB, bboxPath, classPath string) ([]string, []geo.BBox) {
	tb.Helper()
	cls, err := os.ReadFile(classPath)
	if err != nil {
		tb.Fatal(err)
	}
	bx, err := os.ReadFile(bboxPath)
	if err != nil {
		tb.Fatal(err)
	}
	classes := strings.Fields(string(cls))
	var boxes []geo.BBox
	for _, line := range strings.Fields(string(bx)) {
		box, err := geo.ParseBBox(line)
		if err != nil {
			tb.Fatal(err)
		}
		boxes = append(boxes, box)
	}
	if len(classes) != len(boxes) {
		tb.Fatalf("%d classes for %d boxes", len(classes), len(boxes))
	}
	return classes, boxes
}

// CPUTime is the CPU time this process has used so far, user and system:
// what the benchmarks' per-CPU figures (cpu-ms/op, per CPU-second) divide.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
