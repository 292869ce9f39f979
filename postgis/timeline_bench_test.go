package postgis_test

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/postgis"
)

// BenchmarkTimeline measures the PostGIS timeline (EventTimeline, the
// query behind GET /collections/events/timeline) on gen-events
// (GEONEWS_BENCH_N, default 1,000,000) per bbox class, p50 and p99 ms, and
// the import rate with the type and day aggregates kept by the triggers
// (events/s, ImportEvents as `geonews events import` calls it), in a
// private cluster tuned as BenchmarkPostGIS's. Each timeline is checked
// against the events it counts: the world's adds up to N.
func BenchmarkTimeline(b *testing.B) {
	c, n, batch, eventsPath, classes, boxes := benchSetup(b)
	ctx := context.Background()
	if err := c.Exec("postgres", "CREATE DATABASE timeline"); err != nil {
		b.Fatal(err)
	}
	s, err := postgis.Open(ctx, c.URL("timeline"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if err := timelineImport(s, eventsPath, batch); err != nil {
		b.Fatal(err)
	}
	importRate := float64(n) / time.Since(start).Seconds()
	if _, err := s.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Run("Import", func(b *testing.B) { b.ReportMetric(importRate, "events/s") })
	var order []string
	byClass := map[string][]geo.BBox{}
	for i, cl := range classes {
		if byClass[cl] == nil {
			order = append(order, cl)
		}
		byClass[cl] = append(byClass[cl], boxes[i])
	}
	for _, cl := range order {
		bs := byClass[cl]
		b.Run(cl, func(b *testing.B) {
			var ds []time.Duration
			for i := 0; i < b.N; i++ {
				box := bs[i%len(bs)]
				t0 := time.Now()
				days, err := s.EventTimeline(ctx, geo.EventFilter{BBox: &box})
				if err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
				if cl == "world" {
					total := 0
					for _, d := range days {
						total += d.Count
					}
					if total != n {
						b.Fatalf("world timeline adds up to %d, want %d", total, n)
					}
				}
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100])/1e6, "p99-ms")
		})
	}
}

// timelineImport loads an NDJSON file as `geonews events import` does.
func timelineImport(s *postgis.Store, path string, batch int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := geo.NewEventReader(f)
	next := func() ([]*geo.Event, error) {
		evs, _, err := r.ReadBatch(10000)
		if errors.Is(err, io.EOF) && len(evs) > 0 {
			err = nil
		}
		return evs, err
	}
	_, err = s.ImportEvents(context.Background(), next, batch)
	return err
}
