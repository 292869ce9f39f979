package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// sameType is a merge rule for the store's tests: the same type, within a
// degree, on any day of 2017.
type sameType struct{}

func (sameType) Window(e *geo.Event) (geo.BBox, geo.Interval, bool) {
	return geo.BBox{West: e.Point[0] - 1, South: e.Point[1] - 1, East: e.Point[0] + 1, North: e.Point[1] + 1},
		geo.Interval{Start: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}, e.Type != ""
}

func (sameType) Same(stored, e *geo.Event) (*geo.Merge, bool) {
	if stored.Type != e.Type || stored.HasArticle(e.Source.URL) {
		return nil, false
	}
	return &geo.Merge{Rule: "same-type", Detail: "test"}, true
}

func report(i int, typ string, lon float64) *geo.Event {
	return &geo.Event{Point: orb.Point{lon, 35}, Time: time.Date(2017, 6, 13, i, 0, 0, 0, time.UTC), Type: typ,
		Title: fmt.Sprint("Report ", i), Tags: []string{"strike"}, Confidence: 0.5,
		Source: geo.Source{URL: fmt.Sprintf("https://n%d.example/a", i), Outlet: fmt.Sprint("N", i)}}
}

// TestMergeEvents: reports merge into the event stored first, through the
// indexes and within a batch; a far or other-typed report does not; an
// update keeps the sources, a delete takes the merged reports with it, and
// the store's invariants hold throughout.
func TestMergeEvents(t *testing.T) {
	s, db := MustOpenStore(t)
	ctx := t.Context()
	created, merged, err := s.MergeEvents(ctx, []*geo.Event{report(0, "strike", 39)}, sameType{})
	if err != nil || created != 1 || merged != 0 {
		t.Fatalf("first: %d %d %v", created, merged, err)
	}
	batch := []*geo.Event{report(1, "strike", 39.1), report(2, "strike", 39.2), report(3, "battle", 39), report(4, "strike", 45)}
	created, merged, err = s.MergeEvents(ctx, batch, sameType{})
	if err != nil || created != 2 || merged != 2 {
		t.Fatalf("batch: created %d, merged %d, %v; want 2 and 2", created, merged, err)
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10})
	if err != nil || len(page.Events) != 3 {
		t.Fatalf("%d events, %v", len(page.Events), err)
	}
	var m *geo.Event
	for _, e := range page.Events {
		if len(e.Sources) > 0 {
			m = e
		}
	}
	if m == nil || m.NumArticles() != 3 || m.Title != "Report 0" || batch[0].Merge.Into != m.ID {
		t.Fatalf("merged event %+v", m)
	}
	// Merging again is idempotent; CreateEvents skips merged reports too.
	if c, n, err := s.MergeEvents(ctx, []*geo.Event{report(1, "strike", 39.1)}, sameType{}); c+n != 0 || err != nil {
		t.Errorf("again: %d %d %v", c, n, err)
	}
	if c, err := s.CreateEvents(ctx, []*geo.Event{report(2, "strike", 39.2)}); c != 0 || err != nil {
		t.Errorf("CreateEvents of a merged report: %d %v", c, err)
	}
	// An update keeps the sources and merge.
	up := *m
	up.Sources, up.Merge, up.Title = nil, nil, "Strike near Raqa"
	if err := s.UpdateEvent(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Event(ctx, m.ID); got.NumArticles() != 3 || got.Merge == nil || got.Title != "Strike near Raqa" {
		t.Errorf("after an update %+v", got)
	}
	if r, err := s.Check(ctx); err != nil || r.Count != 0 {
		t.Errorf("check: %v %v", r.Problems, err)
	}
	// Check sees a merged report that does not decode.
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
	// A delete takes its merged reports with it: merging them again stores them.
	if err := s.DeleteEvent(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if c, _, err := s.MergeEvents(ctx, []*geo.Event{report(1, "strike", 39.1)}, sameType{}); c != 1 || err != nil {
		t.Errorf("after the delete: created %d, %v", c, err)
	}
}

// TestMergeEventsFull: past geo.MaxSources a report starts an event of its
// own, which the next reports join; the full one is passed over unread.
func TestMergeEventsFull(t *testing.T) {
	s, _ := MustOpenStore(t)
	ctx := t.Context()
	n := geo.MaxSources + 3
	for i := range n {
		e := report(i%20, "strike", 39)
		e.Source.URL = fmt.Sprintf("https://n%d.example/a", i)
		if _, _, err := s.MergeEvents(ctx, []*geo.Event{e}, sameType{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10})
	if err != nil || len(page.Events) != 2 {
		t.Fatalf("%d events, %v; want 2", len(page.Events), err)
	}
	got := []int{page.Events[0].NumArticles(), page.Events[1].NumArticles()}
	if got[0]+got[1] != n || max(got[0], got[1]) != geo.MaxSources {
		t.Errorf("articles per event %v, want %d and %d", got, geo.MaxSources, n-geo.MaxSources)
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
