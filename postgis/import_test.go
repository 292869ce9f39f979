package postgis_test

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geo/storetest"
	"github.com/geonews/geonews/postgis"
	"github.com/paulmach/orb"
)

// TestImportEvents checks both ways a batch goes in: COPY straight into
// the table (new IDs), and through the temporary table once a batch holds
// an ID stored already. Either way the points, the cell counts (kept by
// the statement trigger) and the pages agree with what was imported.
func TestImportEvents(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	mk := func(from, to int) []*geo.Event {
		var evs []*geo.Event
		for i := from; i < to; i++ {
			evs = append(evs, storetest.NewEvent(i, orb.Point{float64(i%360) - 179.5, float64(i%170) - 84.25}, "event"))
		}
		return evs
	}
	imp := func(batches ...[]*geo.Event) int {
		t.Helper()
		return importBatches(t, s, 100, batches...)
	}
	if got, want := imp(mk(0, 150), mk(150, 300), mk(300, 420)), 420; got != want {
		t.Fatalf("first import stored %d, want %d", got, want)
	}
	// 100 stored, 60 new: the batch that meets a stored ID is merged.
	if got, want := imp(mk(320, 480)), 60; got != want {
		t.Fatalf("second import stored %d, want %d", got, want)
	}
	if got, want := imp(mk(0, 480)), 0; got != want {
		t.Fatalf("third import stored %d, want %d", got, want)
	}
	n, err := s.CountEvents(ctx)
	if err != nil || n != 480 {
		t.Fatalf("CountEvents: %d, %v; want 480", n, err)
	}
	_, total, err := s.Clusters(ctx, geo.EventFilter{}, 2)
	if err != nil || total != 480 {
		t.Fatalf("Clusters: total %d, %v; want 480", total, err)
	}
	want := map[string]orb.Point{}
	for _, e := range mk(0, 480) {
		want[geo.NewEventID(e)] = e.Point
	}
	var bad int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM geonews_events WHERE ST_SRID(geom) <> 4326
		OR ST_X(geom) <> (feature::json->'geometry'->'coordinates'->>0)::float8
		OR ST_Y(geom) <> (feature::json->'geometry'->'coordinates'->>1)::float8`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%d rows whose point is not their feature's (%v)", bad, err)
	}
	f := geo.EventFilter{BBox: &geo.BBox{West: -100, South: -50, East: 100, North: 50}, Limit: 1000}
	p, err := s.FindEvents(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) == 0 || p.NumberMatched != len(p.Events) {
		t.Fatalf("page of %d events, numberMatched %d", len(p.Events), p.NumberMatched)
	}
	for _, e := range p.Events {
		if pt, ok := want[e.ID]; !ok || pt != e.Point {
			t.Errorf("event %s at %v, want %v", e.ID, e.Point, pt)
		}
	}
}

// TestImportMergedReport: a report merged into another event is no event
// of its own, imported again (the COPY path gives way to the merge path).
func TestImportMergedReport(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	a, b := storetest.Report(0, "strike", 39), storetest.Report(1, "strike", 39.1)
	if created, merged, err := s.MergeEvents(ctx, []*geo.Event{a, b}, storetest.SameType{}); err != nil || created != 1 || merged != 1 {
		t.Fatalf("merge: %d %d %v", created, merged, err)
	}
	again := storetest.Report(1, "strike", 39.1)
	done := false
	n, err := s.ImportEvents(ctx, func() ([]*geo.Event, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		return []*geo.Event{again}, nil
	}, 100)
	if err != nil || n != 0 {
		t.Errorf("importing the merged report stored %d (%v), want 0", n, err)
	}
	if c, err := s.CountEvents(ctx); err != nil || c != 1 {
		t.Errorf("%d events, %v; want 1", c, err)
	}
}

// TestBigBoxPages pages through a box that holds more events than the
// one-pass plan reads (the cell counts bound it above 10,000), so that the
// pages come from the walk of the time index, forwards and back.
func TestBigBoxPages(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	const n = 12000
	var evs []*geo.Event
	for i := range n {
		// 4 events per hour, so that times repeat and the ID breaks ties.
		e := storetest.NewEvent(i/4, orb.Point{float64(i%200)/10 - 10, float64(i%150)/10 - 7.5}, "event "+strconv.Itoa(i))
		evs = append(evs, e)
	}
	importBatches(t, s, 0, evs)
	// An import this big refreshes the planner's statistics itself.
	var analyzed bool
	if err := s.Pool().QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'geonews_events'`).Scan(&analyzed); err != nil || !analyzed {
		t.Errorf("geonews_events not analyzed after importing %d events (%v)", n, err)
	}
	box := geo.BBox{West: -9.5, South: -7, East: 9.5, North: 7}
	var want []*geo.Event
	for _, e := range evs {
		if e.Point[0] >= box.West && e.Point[0] <= box.East && e.Point[1] >= box.South && e.Point[1] <= box.North {
			want = append(want, e)
		}
	}
	newestFirst(want)
	// Every way to a page: the box's matches sorted, read as rows or as
	// keys first, and the time index walked.
	eachPagePlan(t, func(t *testing.T, path string) {
		f := geo.EventFilter{BBox: &box, Limit: 1000}
		got, pages := pageAll(t, s, f)
		sameIDs(t, got, want)
		// The matches are counted on the first page of a sorted plan, and
		// on every page when the keys come first.
		for i, p := range pages {
			counted := path != "time index" && i == 0 || path == "keys"
			if counted && p.NumberMatched != len(want) {
				t.Errorf("page %d: numberMatched %d, want %d", i, p.NumberMatched, len(want))
			}
		}
		// Back from the third page to the second.
		f.Cursor = pages[2].Prev
		p, err := s.FindEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) != len(pages[1].Events) || p.Events[0].ID != pages[1].Events[0].ID || p.Next != pages[1].Next {
			t.Errorf("the page before the third is not the second")
		}
		// The same page through AppendEventFeatures.
		buf, ap, k, err := s.AppendEventFeatures(ctx, geo.EventFilter{BBox: &box, Limit: 1000}, nil)
		if err != nil || k != 1000 || ap.Next != pages[0].Next || !strings.Contains(string(buf), `"id":"`+want[999].ID+`"`) {
			t.Errorf("AppendEventFeatures: %d features, next %q, %v", k, ap.Next, err)
		}
	})
}

// TestPagePlansAcrossAntimeridian pages a box that crosses the
// antimeridian (two boxes in SQL) through every plan, the time walk's
// range form of the box included, edges inside.
func TestPagePlansAcrossAntimeridian(t *testing.T) {
	s := MustOpen(t)
	var evs []*geo.Event
	for i := range 3000 {
		lon := 165 + float64(i%60)/2 // 165 … 194.5, past 180 wrapped to the west
		if lon > 180 {
			lon -= 360
		}
		if i%7 == 0 {
			lon = float64(i % 20) // outside the box
		}
		evs = append(evs, storetest.NewEvent(i/3, orb.Point{lon, float64(i%23) - 11}, "event "+strconv.Itoa(i)))
	}
	evs = append(evs, storetest.NewEvent(1, orb.Point{170, 5}, "on the corner"), storetest.NewEvent(2, orb.Point{-170, -5}, "on the other corner"))
	importBatches(t, s, 0, evs)
	box := geo.BBox{West: 170, South: -5, East: -170, North: 5}
	var want []*geo.Event
	for _, e := range evs {
		if (e.Point[0] >= 170 || e.Point[0] <= -170) && e.Point[1] >= -5 && e.Point[1] <= 5 {
			want = append(want, e)
		}
	}
	newestFirst(want)
	eachPagePlan(t, func(t *testing.T, path string) {
		got, pages := pageAll(t, s, geo.EventFilter{BBox: &box, Limit: 100})
		if path != "time index" && pages[0].NumberMatched != len(want) {
			t.Errorf("numberMatched %d, want %d", pages[0].NumberMatched, len(want))
		}
		sameIDs(t, got, want)
	})
}

// eachPagePlan runs test once for each way Store.page reads a page, each
// forced by its budgets: "rows" (the matches read from the GiST index and
// sorted), "keys" (their keys sorted there first) and "time index" (the
// time index walked).
func eachPagePlan(t *testing.T, test func(t *testing.T, path string)) {
	const all = 1 << 30
	plans := map[string][3]int{"rows": {all, all, all}, "keys": {all, all, 0}, "time index": {0, 0, 0}}
	for _, path := range []string{"rows", "keys", "time index"} {
		t.Run(path, func(t *testing.T) {
			p := plans[path]
			defer postgis.SetPagePlans(p[0], p[1], p[2])()
			test(t, path)
		})
	}
}

// pageAll reads f's pages, following their next links, and returns the
// IDs in order and the pages.
func pageAll(t *testing.T, s *postgis.Store, f geo.EventFilter) ([]string, []*geo.EventPage) {
	t.Helper()
	var ids []string
	var pages []*geo.EventPage
	for {
		p, err := s.FindEvents(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		for _, e := range p.Events {
			ids = append(ids, e.ID)
		}
		if p.Next == "" {
			return ids, pages
		}
		f.Cursor = p.Next
	}
}

// newestFirst sorts events in page order: newest first, ties by ID,
// descending.
func newestFirst(evs []*geo.Event) {
	slices.SortFunc(evs, func(a, b *geo.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// sameIDs fails t unless got are want's IDs, in order.
func sameIDs(t *testing.T, got []string, want []*geo.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, e := range want {
		if got[i] != e.ID {
			t.Fatalf("event %d is %s, want %s", i, got[i], e.ID)
		}
	}
}

// importBatches imports batches through ImportEvents in batches of batch
// events (0: the default) and returns how many it stored.
func importBatches(t *testing.T, s *postgis.Store, batch int, batches ...[]*geo.Event) int {
	t.Helper()
	i := 0
	n, err := s.ImportEvents(context.Background(), func() ([]*geo.Event, error) {
		if i == len(batches) {
			return nil, io.EOF
		}
		i++
		return batches[i-1], nil
	}, batch)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCountedMatches checks numberMatched where the cell counts give it
// (the keys-first plan, a box of types or none): the counted cells inside
// the box and the events of the strips along its edges add up to the
// matches, with events on the corners of the cells of every counted level
// and on the box's edges, and a box across the antimeridian.
func TestCountedMatches(t *testing.T) {
	s := MustOpen(t)
	defer postgis.SetPagePlans(1<<30, 1<<30, 0)()
	defer postgis.SetCellCountFrom(0)()
	// Every level-10 cell corner (and the cell's middle) in a band
	// around the prime meridian and one across the antimeridian: corners
	// of level 10 are corners of the coarser levels too.
	const dx, dy = 360.0 / 1024, 180.0 / 1024
	types := []string{"", "battle", "protest"}
	var evs []*geo.Event
	for _, x0 := range []int{490, 1000} { // west edges, in level-10 columns
		for i := range 60 {
			for j := range 40 {
				for k, half := range []float64{0, 0.5} {
					x := -180 + (float64((x0+i)%1024)+half)*dx
					e := storetest.NewEvent(len(evs)/3, orb.Point{x, -20 + (float64(j)+half)*dy}, "e"+strconv.Itoa(len(evs)))
					e.Type = types[(i+j+k)%3]
					evs = append(evs, e)
				}
			}
		}
	}
	importBatches(t, s, 0, evs)
	boxes := []geo.BBox{
		{West: 0, South: -15, East: 11.25, North: -10},                                    // edges on level-4/6 corners
		{West: -2.1, South: -19.9, East: 9.7, North: -13.1},                               // edges on none
		{West: -180 + 495*dx, South: -20 + 3*dy, East: -180 + 530*dx, North: -20 + 33*dy}, // on level-10 corners
		{West: 175, South: -19, East: -176.5, North: -14},                                 // across the antimeridian
	}
	for _, box := range boxes {
		for _, ty := range [][]string{nil, {"battle"}, {"battle", "protest"}} {
			want := 0
			for _, e := range evs {
				in := e.Point[1] >= box.South && e.Point[1] <= box.North &&
					(box.West <= box.East && e.Point[0] >= box.West && e.Point[0] <= box.East ||
						box.West > box.East && (e.Point[0] >= box.West || e.Point[0] <= box.East))
				if in && (ty == nil || slices.Contains(ty, e.Type)) {
					want++
				}
			}
			_, pages := pageAll(t, s, geo.EventFilter{BBox: &box, Types: ty, Limit: 50})
			for i, p := range pages {
				if p.NumberMatched != want {
					t.Errorf("box %v, types %v, page %d: numberMatched %d, want %d", box, ty, i, p.NumberMatched, want)
					break
				}
			}
		}
	}
}
