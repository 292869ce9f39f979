package store_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkNumberMatched times a first items page (limit 100, as the map's
// list asks) with its numberMatched, for filters whose count is not in the
// stored counters: a datetime window, over 200,000 events spread over the
// world and two years with 12 tags. numberMatched is now always given;
// before, these pages left it out (the page's plan walked over 20,000
// entries), so the difference is the price of the count.
func BenchmarkNumberMatched(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "count.db"), 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s, err := store.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 200_000
	for start := 0; start < n; start += 50_000 {
		evs := make([]*geo.Event, 50_000)
		for i := range evs {
			evs[i] = &geo.Event{ID: "e" + strconv.Itoa(start+i), Point: orb.Point{rng.Float64()*360 - 180, rng.Float64()*170 - 85},
				Time: t0.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour)))), Tags: []string{"t" + strconv.Itoa(rng.IntN(12))},
				Title: "event", Confidence: 1}
		}
		if _, err := s.CreateEvents(context.Background(), evs); err != nil {
			b.Fatal(err)
		}
	}
	month := geo.Interval{Start: t0.AddDate(1, 0, 0), End: t0.AddDate(1, 1, 0)}
	year := geo.Interval{Start: t0, End: t0.AddDate(1, 0, 0)}
	europe := &geo.BBox{West: -10, South: 35, East: 30, North: 60}
	for _, bc := range []struct {
		name string
		f    geo.EventFilter
	}{
		{"world/month", geo.EventFilter{Interval: month}},
		{"world/year", geo.EventFilter{Interval: year}},
		{"europe/month", geo.EventFilter{BBox: europe, Interval: month}},
		{"worldbox/month", geo.EventFilter{BBox: &geo.BBox{West: -180, South: -90, East: 180, North: 90}, Interval: month}},
		{"west/month", geo.EventFilter{BBox: &geo.BBox{West: -180, South: -90, East: 0, North: 90}, Interval: month}},
		{"asia/month", geo.EventFilter{BBox: &geo.BBox{West: 40, South: 0, East: 150, North: 60}, Interval: month}},
		{"world/2tags+month", geo.EventFilter{Tags: []string{"t1", "t2"}, Interval: month}},
		{"europe/2tags", geo.EventFilter{BBox: europe, Tags: []string{"t1", "t2"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.f
			f.Limit = 100
			matched := 0
			for b.Loop() {
				p, err := s.FindEvents(context.Background(), f)
				if err != nil {
					b.Fatal(err)
				}
				matched = p.NumberMatched
			}
			b.ReportMetric(float64(matched), "matched")
		})
	}
}
