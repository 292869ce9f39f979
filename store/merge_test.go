package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geo/storetest"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// TestMergeCheck: the store's check holds with merged reports kept (the
// conformance suite's MergeAndSplit tests merging itself) and names a
// merged report that does not decode.
func TestMergeCheck(t *testing.T) {
	s, db := MustOpenStore(t)
	ctx := t.Context()
	batch := []*geo.Event{storetest.Report(0, "strike", 39), storetest.Report(1, "strike", 39.1), storetest.Report(2, "strike", 39.2)}
	if created, merged, err := s.MergeEvents(ctx, batch, storetest.SameType{}); err != nil || created != 1 || merged != 2 {
		t.Fatalf("created %d, merged %d, %v; want 1 and 2", created, merged, err)
	}
	if r, err := s.Check(ctx); err != nil || r.Count != 0 {
		t.Errorf("check: %v %v", r.Problems, err)
	}
	ghost := func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("events_merged")).Put([]byte("ghost"), []byte{1, 'x'})
	}
	if err := db.Update(ghost); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Check(ctx); err != nil || r.Count != 1 || !strings.Contains(r.Problems[0], `"ghost"`) {
		t.Errorf("check with a broken merged report: %v %v", r.Problems, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("events_merged")).Delete([]byte("ghost")) }); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkMergeEvents stores one report at a time, as ingesting an
// article does, into a store of 100,000 events spread over the world and
// a year, half of the reports merging into a happening stored before:
// a lookup reads the index cells of a 25 km box on one day, not the
// store. CreateEvents on the same store is the baseline.
func BenchmarkMergeEvents(b *testing.B) {
	const n = 100_000
	s, _ := MustOpenStore(b)
	ctx := b.Context()
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]*geo.Event, 0, 10_000)
	for i := range n {
		batch = append(batch, &geo.Event{Point: orb.Point{float64(i%3000)/10 - 150, float64(i/3000%160) - 80},
			Time: base.AddDate(0, 0, i%365), TimePrecision: geo.TimeDay, Type: "strike", Title: fmt.Sprint("Event ", i), Tags: []string{"strike"},
			Source: geo.Source{URL: fmt.Sprintf("https://seed.example/%d", i)}})
		if len(batch) == cap(batch) {
			if _, err := s.CreateEvents(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	rule := happening{}
	for _, bc := range []struct {
		name  string
		merge bool
	}{{"MergeEvents", true}, {"CreateEvents", false}} {
		b.Run(bc.name, func(b *testing.B) {
			merged := 0
			i := 0
			for b.Loop() {
				i++
				// Odd reports land on a stored event's point and day.
				e := &geo.Event{Point: orb.Point{float64(i%3000)/10 - 150, float64(i/3000%160) - 80}, Time: base.AddDate(0, 0, i%365),
					TimePrecision: geo.TimeDay, Type: "strike", Title: "Report", Tags: []string{"strike"},
					Source: geo.Source{URL: fmt.Sprintf("https://%s.example/%d", bc.name, i)}}
				if i%2 == 0 {
					e.Point[1] += 0.5 // 55 km off: a happening of its own
				}
				if bc.merge {
					_, m, err := s.MergeEvents(ctx, []*geo.Event{e}, rule)
					if err != nil {
						b.Fatal(err)
					}
					merged += m
				} else if _, err := s.CreateEvents(ctx, []*geo.Event{e}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(merged)/float64(b.N), "merged/op")
		})
	}
}

// happening is a merge rule like ingest's: the same type and day, within
// 25 km (about 0.23° of latitude).
type happening struct{}

func (happening) Window(e *geo.Event) (geo.BBox, geo.Interval, bool) {
	const d = 0.3
	day := e.Time.Truncate(24 * time.Hour)
	return geo.BBox{West: e.Point[0] - d, South: e.Point[1] - d, East: e.Point[0] + d, North: e.Point[1] + d},
		geo.Interval{Start: day, End: day.Add(24*time.Hour - 1)}, true
}

func (happening) Same(stored, e *geo.Event) (*geo.Merge, bool) {
	if stored.Type != e.Type || stored.HasArticle(e.Source.URL) || !stored.Time.Equal(e.Time) ||
		abs(stored.Point[0]-e.Point[0]) > 0.23 || abs(stored.Point[1]-e.Point[1]) > 0.23 {
		return nil, false
	}
	return &geo.Merge{Rule: "bench"}, true
}

func abs(x float64) float64 { return max(x, -x) }
