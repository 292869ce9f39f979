package geo

import (
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// benchEvent is shaped like the benchmark data's events: what most stored
// events look like (no type, actors or why).
func benchEvent(i int) *Event {
	return &Event{ID: strconv.Itoa(100000 + i), Point: orb.Point{36.123456 + float64(i)/1000, 35.654321},
		Time: time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		Tags: []string{"airstrike", "protest"}, Title: "Airstrike reported near the northern outskirts of the city",
		Place:  EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: PrecisionCity},
		Source: Source{URL: "https://example.org/news/" + strconv.Itoa(i), Title: "Wire"}, Confidence: 0.8}
}

// BenchmarkAppendFeature is the items endpoint's per-feature encoding cost.
func BenchmarkAppendFeature(b *testing.B) {
	evs := make([]*Event, 1000)
	for i := range evs {
		evs[i] = benchEvent(i)
	}
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, e := range evs {
			buf = AppendFeature(buf, e)
		}
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "features/s")
}

// BenchmarkDecodeFeature is the import's per-line cost: the fast path on
// the gen-events shape, and on what AppendFeature writes for an event
// without why, merged sources or a merge (place and source objects included).
func BenchmarkDecodeFeature(b *testing.B) {
	fast := []byte(`{"type":"Feature","id":12,"geometry":{"type":"Point","coordinates":[-73.985,40.758]},"properties":{"id":12,"time":"2019-03-04T05:06:07Z","tags":["airstrike","protest"],"title":"Clashes reported near Times Square"}}`)
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"fast", fast}, {"full", AppendFeature(nil, benchEvent(1))}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := DecodeFeature(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
