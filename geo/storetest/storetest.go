// Package storetest is the conformance suite of geo.EventStore: one set of
// tests that every backend (bbolt's store, postgis) must pass, so that
// geonews behaves the same whichever database holds its events. A backend
// runs it from its own tests with Run.
package storetest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// Run runs every conformance test, each on a fresh empty store from open.
// open must register the store's cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) geo.EventStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s geo.EventStore)
	}{
		{"CRUD", testCRUD},
		{"Paging", testPaging},
		{"BBox", testBBox},
		{"Filters", testFilters},
		{"NumberMatchedAndClusters", testClusters},
		{"TypesAndTimeline", testTypes},
		{"Tiles", testTiles},
		{"ConcurrentWriters", testConcurrent},
		{"Reingest", testReingest},
		{"BadInput", testBadInput},
		{"MergeAndSplit", testMerge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var base = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// NewEvent returns a valid event at p, i hours after a fixed time.
func NewEvent(i int, p orb.Point, title string, tags ...string) *geo.Event {
	if tags == nil {
		tags = []string{}
	}
	return &geo.Event{
		Point: p, Time: base.Add(time.Duration(i) * time.Hour), Title: title, Tags: tags,
		Place:      geo.EventPlace{Name: "Place " + title},
		Source:     geo.Source{URL: fmt.Sprintf("https://example.org/%d", i), Title: "src"},
		Confidence: 0.5,
	}
}

func create(t *testing.T, s geo.EventStore, evs ...*geo.Event) {
	t.Helper()
	n, err := s.CreateEvents(context.Background(), evs)
	if err != nil {
		t.Fatalf("CreateEvents: %v", err)
	}
	if n != len(evs) {
		t.Fatalf("CreateEvents stored %d of %d", n, len(evs))
	}
}

// find returns every matching event, page after page, and the first
// page's numberMatched.
func find(t *testing.T, s geo.EventStore, f geo.EventFilter) ([]*geo.Event, int) {
	t.Helper()
	var all []*geo.Event
	matched := -2
	for range 1000 {
		p, err := s.FindEvents(context.Background(), f)
		if err != nil {
			t.Fatalf("FindEvents(%+v): %v", f, err)
		}
		if matched == -2 {
			matched = p.NumberMatched
		}
		all = append(all, p.Events...)
		if p.Next == "" {
			return all, matched
		}
		f.Cursor = p.Next
	}
	t.Fatal("paging does not end")
	return nil, 0
}

func ids(evs []*geo.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func testCRUD(t *testing.T, s geo.EventStore) {
	ctx := context.Background()
	e := NewEvent(1, orb.Point{2.35, 48.85}, "Protest in Paris", "Protest", "labour", "protest")
	e.Type, e.Actor1, e.Excerpt = "Protests", "Workers", "Workers marched."
	e.TimePrecision = geo.TimeDay
	e.Why = &geo.Why{Trigger: "marched", Mention: geo.WhyMention{Start: 1, End: 6, Text: "Paris"}, PlaceReason: "p", DateReason: "d"}
	create(t, s, e)
	if e.ID == "" || e.Created.IsZero() {
		t.Fatalf("CreateEvents left ID %q, Created %v", e.ID, e.Created)
	}
	if want := geo.NewEventID(e); e.ID != want {
		t.Errorf("ID %q, want geo.NewEventID's %q", e.ID, want)
	}
	got, err := s.Event(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(base.Truncate(24*time.Hour)) || got.Title != e.Title || got.Point != e.Point ||
		!slices.Equal(got.Tags, []string{"protest", "labour"}) || got.Type != "Protests" || got.Actor1 != "Workers" ||
		got.Excerpt != e.Excerpt || got.Place.Name != e.Place.Name || got.Source.URL != e.Source.URL ||
		got.Confidence != 0.5 || got.Why == nil || got.Why.Mention.Text != "Paris" || got.TimePrecision != geo.TimeDay {
		t.Errorf("Event returned %+v\nwant %+v", got, e)
	}
	got.Title = "Strike in Paris"
	got.Tags = []string{"strike"}
	if err := s.UpdateEvent(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.Event(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Title != "Strike in Paris" || !slices.Equal(again.Tags, []string{"strike"}) || !again.Created.Equal(e.Created) {
		t.Errorf("after UpdateEvent: %+v", again)
	}
	if evs, n := find(t, s, geo.EventFilter{Tags: []string{"protest"}}); len(evs) != 0 || n != 0 {
		t.Errorf("the old tag still finds %d events (numberMatched %d)", len(evs), n)
	}
	if err := s.DeleteEvent(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Event":  func() error { _, err := s.Event(ctx, e.ID); return err }(),
		"Update": s.UpdateEvent(ctx, NewEvent(1, orb.Point{1, 1}, "x")),
		"Delete": s.DeleteEvent(ctx, e.ID),
	} {
		if geo.ErrorCode(err) != geo.ENOTFOUND {
			t.Errorf("%s of a missing event: %v, want ENOTFOUND", name, err)
		}
	}
	if evs, n := find(t, s, geo.EventFilter{}); len(evs) != 0 || n != 0 {
		t.Errorf("after delete: %d events, numberMatched %d", len(evs), n)
	}
}

func testPaging(t *testing.T, s geo.EventStore) {
	var evs []*geo.Event
	for i := range 25 {
		evs = append(evs, NewEvent(i%20, orb.Point{float64(i), 10}, fmt.Sprintf("event %d", i)))
	}
	create(t, s, evs...)
	all, n := find(t, s, geo.EventFilter{Limit: 7})
	if len(all) != 25 || n != 25 {
		t.Fatalf("paged %d events, numberMatched %d; want 25", len(all), n)
	}
	seen := map[string]bool{}
	for i, e := range all {
		if seen[e.ID] {
			t.Fatalf("event %s on two pages", e.ID)
		}
		seen[e.ID] = true
		if i > 0 {
			prev := all[i-1]
			if c := prev.Time.Compare(e.Time); c < 0 || (c == 0 && prev.ID < e.ID) {
				t.Fatalf("not newest first (time, then ID descending) at %d: %v %s then %v %s", i, prev.Time, prev.ID, e.Time, e.ID)
			}
		}
	}
	// Next, then Prev comes back to the same page.
	ctx := context.Background()
	p1, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10, Cursor: p1.Next})
	if err != nil {
		t.Fatal(err)
	}
	if p2.Prev == "" {
		t.Fatal("second page has no prev")
	}
	back, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10, Cursor: p2.Prev})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(back.Events), ids(p1.Events)) {
		t.Errorf("prev of page 2 is %v, want page 1 %v", ids(back.Events), ids(p1.Events))
	}
	if _, err := s.FindEvents(ctx, geo.EventFilter{Cursor: "not a cursor"}); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("a bad cursor: %v, want EINVALID", err)
	}
}

func testBBox(t *testing.T, s geo.EventStore) {
	create(t, s,
		NewEvent(1, orb.Point{179.5, -17}, "Fiji"),
		NewEvent(2, orb.Point{-179.5, -16}, "Wallis"),
		NewEvent(3, orb.Point{0, 0}, "Null Island"),
		NewEvent(4, orb.Point{10, 10}, "Edge"),
	)
	for _, tc := range []struct {
		bbox string
		want int
	}{
		{"170,-20,-170,-10", 2}, // across the antimeridian
		{"170,-20,180,-10", 1},
		{"-1,-1,1,1", 1},
		{"-180,-90,180,90", 4},
		{"10,10,11,11", 1}, // edges are inside
		{"20,20,30,30", 0},
	} {
		b, err := geo.ParseBBox(tc.bbox)
		if err != nil {
			t.Fatal(err)
		}
		evs, n := find(t, s, geo.EventFilter{BBox: &b})
		if len(evs) != tc.want || n != tc.want {
			t.Errorf("bbox %s: %d events, numberMatched %d; want %d", tc.bbox, len(evs), n, tc.want)
		}
	}
}

func testFilters(t *testing.T, s geo.EventStore) {
	a := NewEvent(0, orb.Point{30, 50}, "Shelling of Kharkiv", "conflict", "shelling")
	a.Place.Name = "Kharkiv"
	b := NewEvent(24, orb.Point{31, 50}, "Flood in the valley", "flood")
	b.Place.Name = "Dnipro"
	c := NewEvent(48, orb.Point{32, 50}, "Market reopens", "economy", "conflict")
	c.Place.Name = "Kharkiv Oblast"
	create(t, s, a, b, c)
	day := func(d int) time.Time { return base.Add(time.Duration(d) * 24 * time.Hour) }
	for _, tc := range []struct {
		name string
		f    geo.EventFilter
		want []string
	}{
		{"instant", geo.EventFilter{Interval: geo.Interval{Start: day(1), End: day(1)}}, []string{b.ID}},
		{"closed", geo.EventFilter{Interval: geo.Interval{Start: day(0), End: day(1)}}, []string{b.ID, a.ID}},
		{"open end", geo.EventFilter{Interval: geo.Interval{Start: day(1).Add(time.Second)}}, []string{c.ID}},
		{"open start", geo.EventFilter{Interval: geo.Interval{End: day(0)}}, []string{a.ID}},
		{"tag", geo.EventFilter{Tags: []string{"flood"}}, []string{b.ID}},
		{"any tag", geo.EventFilter{Tags: []string{"conflict", "flood"}}, []string{c.ID, b.ID, a.ID}},
		{"tag case", geo.EventFilter{Tags: []string{" Economy "}}, []string{c.ID}},
		{"q title", geo.EventFilter{Q: "flood"}, []string{b.ID}},
		{"q place", geo.EventFilter{Q: "KHARKIV"}, []string{c.ID, a.ID}},
		{"q and tag", geo.EventFilter{Q: "kharkiv", Tags: []string{"economy"}}, []string{c.ID}},
		{"all", geo.EventFilter{Q: "kharkiv", Tags: []string{"conflict"}, Interval: geo.Interval{Start: day(2)},
			BBox: &geo.BBox{West: 31.5, South: 49, East: 33, North: 51}}, []string{c.ID}},
	} {
		evs, n := find(t, s, tc.f)
		if got := ids(evs); !slices.Equal(got, tc.want) || n != len(tc.want) {
			t.Errorf("%s: %v (numberMatched %d), want %v", tc.name, got, n, tc.want)
		}
	}
}

// testClusters: numberMatched is exact on small sets, and clusters at
// every level add up to it.
func testClusters(t *testing.T, s geo.EventStore) {
	var evs []*geo.Event
	for i := range 200 {
		tags := []string{"a"}
		if i%3 == 0 {
			tags = []string{"b", "c"}
		}
		evs = append(evs, NewEvent(i, orb.Point{-170 + float64(i*37%340), -60 + float64(i*13%120)}, fmt.Sprintf("e%d", i), tags...))
	}
	create(t, s, evs...)
	cs, ok := s.(geo.EventClusterer)
	if !ok {
		t.Skip("the store does not cluster")
	}
	ctx := context.Background()
	for _, f := range []geo.EventFilter{
		{},
		{BBox: &geo.BBox{West: -100, South: -30, East: 50, North: 40}},
		{BBox: &geo.BBox{West: 160, South: -50, East: -150, North: 50}},
		{Tags: []string{"b"}},
		{Tags: []string{"b", "c"}, BBox: &geo.BBox{West: -50, South: -50, East: 100, North: 50}},
		{Interval: geo.Interval{Start: base.Add(50 * time.Hour), End: base.Add(120 * time.Hour)}},
		{Q: "e1"},
	} {
		all, n := find(t, s, f)
		if n != len(all) {
			t.Errorf("%+v: numberMatched %d, %d events", f, n, len(all))
		}
		for _, level := range []int{0, 2, 4, 7, 8} {
			cl, total, err := cs.Clusters(ctx, f, level)
			if err != nil {
				t.Fatalf("Clusters(%+v, %d): %v", f, level, err)
			}
			sum := 0
			for i, c := range cl {
				sum += c.Count
				if c.Cell.Level != level || c.Count <= 0 {
					t.Errorf("level %d: cluster %+v", level, c)
				}
				if i > 0 && cl[i-1].Cell.ID >= c.Cell.ID {
					t.Errorf("level %d: clusters not sorted by cell ID", level)
				}
				if c.Count == 1 && c.ID == "" {
					t.Errorf("level %d: a single event's cluster has no id", level)
				}
				if got := geo.CellOf(c.Point, level); c.Count == 1 && got != c.Cell {
					t.Errorf("level %d: single event at %v is not in its cell %v", level, c.Point, c.Cell)
				}
			}
			if sum != total || total != len(all) {
				t.Errorf("%+v level %d: clusters sum to %d, total %d, want %d", f, level, sum, total, len(all))
			}
		}
	}
	if _, _, err := cs.Clusters(ctx, geo.EventFilter{}, geo.MaxCellLevel+1); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("a level past MaxCellLevel: %v, want EINVALID", err)
	}
}

// testTypes: the type filter on items and clusters, clusters' per-type
// counts (present without tags or q and with whole-day datetimes, adding
// up to each cluster's count and, over the clusters, to the items of each
// type), and the timeline, whose days add up to numberMatched for the same
// box and types, day by day too, whatever writes came before.
func testTypes(t *testing.T, s geo.EventStore) {
	kinds := []string{"Protests", "Battles", ""}
	var evs []*geo.Event
	for i := range 240 {
		e := NewEvent(i*5, orb.Point{-170 + float64(i*37%340), -60 + float64(i*13%120)}, fmt.Sprintf("y%d", i), "a")
		if i%7 == 0 {
			e.Point = orb.Point{2.35, 48.85} // many at one point
		}
		e.Type = kinds[i%3]
		evs = append(evs, e)
	}
	create(t, s, evs...)
	ctx := context.Background()
	// The aggregates follow updates and deletes.
	evs[1].Type, evs[1].Point = "Protests", orb.Point{170, 10}
	if err := s.UpdateEvent(ctx, evs[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteEvent(ctx, evs[3].ID); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.(geo.EventClusterer)
	tl, _ := s.(geo.EventTimeliner)
	day := func(d time.Time) geo.Interval {
		return geo.Interval{Start: d, End: d.Add(24*time.Hour - time.Nanosecond)}
	}
	for _, box := range []*geo.BBox{nil, {West: -100, South: -30, East: 50, North: 40}, {West: 160, South: -50, East: -150, North: 50}, {West: 2, South: 48, East: 3, North: 49}} {
		for _, types := range [][]string{nil, {"Protests"}, {"Protests", " Battles "}} {
			f := geo.EventFilter{BBox: box, Types: types}
			all, n := find(t, s, f)
			if n != len(all) {
				t.Fatalf("%+v: numberMatched %d, %d events", f, n, len(all))
			}
			want := map[string]int{}
			for _, e := range all {
				want[e.Type]++
				if types != nil && e.Type == "" {
					t.Errorf("%+v: an event of no type matched", f)
				}
			}
			if types != nil && want["Protests"] == len(all) && len(types) > 1 && len(all) > 0 {
				t.Errorf("%+v: only one of two types matched", f)
			}
			if cs != nil {
				levels := []int{0, 4, 7, 8}
				if box != nil && box.West == 2 {
					levels = append(levels, 12) // past the counted levels
				}
				for _, level := range levels {
					cl, total, err := cs.Clusters(ctx, f, level)
					if err != nil {
						t.Fatalf("Clusters(%+v, %d): %v", f, level, err)
					}
					got := map[string]int{}
					for _, c := range cl {
						if c.Types == nil {
							t.Fatalf("%+v level %d: a cluster without types", f, level)
						}
						sum := 0
						for typ, k := range c.Types {
							sum += k
							got[typ] += k
						}
						if sum != c.Count {
							t.Errorf("%+v level %d: types %v add up to %d, count %d", f, level, c.Types, sum, c.Count)
						}
					}
					if total != n || !maps.Equal(got, want) {
						t.Errorf("%+v level %d: total %d types %v, want %d %v", f, level, total, got, n, want)
					}
				}
			}
			if tl == nil {
				continue
			}
			days, err := tl.EventTimeline(ctx, f)
			if err != nil {
				t.Fatalf("EventTimeline(%+v): %v", f, err)
			}
			got, perDay := map[string]int{}, map[time.Time]int{}
			for i, d := range days {
				if d.Day.Location() != time.UTC || !d.Day.Equal(d.Day.Truncate(24*time.Hour)) || d.Count <= 0 {
					t.Errorf("%+v: timeline entry %+v", f, d)
				}
				if i > 0 && !days[i-1].Day.Before(d.Day) && !(days[i-1].Day.Equal(d.Day) && days[i-1].Type < d.Type) {
					t.Errorf("%+v: timeline not sorted by day and type", f)
				}
				got[d.Type] += d.Count
				perDay[d.Day] += d.Count
			}
			if !maps.Equal(got, want) {
				t.Errorf("%+v: timeline types %v, items %v", f, got, want)
			}
			checked := 0
			for d, k := range perDay {
				if checked++; checked > 5 {
					break
				}
				g := f
				g.Interval = day(d)
				if _, n := find(t, s, g); n != k {
					t.Errorf("%+v: timeline says %d on %s, numberMatched %d", f, k, d.Format(time.DateOnly), n)
				}
			}
		}
	}
	if cs == nil {
		return
	}
	// Types are given at least without tags or q and with whole-day
	// datetimes (a backend may know them in more cases); when given, they
	// add up to the count.
	d0 := base.Truncate(24 * time.Hour)
	for _, tc := range []struct {
		f    geo.EventFilter
		must bool
	}{
		{geo.EventFilter{Interval: geo.Interval{Start: d0, End: d0.Add(5*24*time.Hour - time.Nanosecond)}}, true},
		{geo.EventFilter{Interval: geo.Interval{Start: d0, End: d0.Add(5*24*time.Hour - time.Nanosecond)}, Types: []string{"Battles"}}, true},
		{geo.EventFilter{Interval: geo.Interval{Start: d0.Add(time.Hour), End: d0.Add(5 * 24 * time.Hour)}}, false},
		{geo.EventFilter{Tags: []string{"a"}}, false},
		{geo.EventFilter{Q: "y1"}, false},
	} {
		_, n := find(t, s, tc.f)
		cl, total, err := cs.Clusters(ctx, tc.f, 4)
		if err != nil {
			t.Fatalf("Clusters(%+v): %v", tc.f, err)
		}
		if total != n {
			t.Errorf("%+v: clusters total %d, numberMatched %d", tc.f, total, n)
		}
		for _, c := range cl {
			if c.Types == nil {
				if tc.must {
					t.Fatalf("%+v: a cluster without types", tc.f)
				}
				continue
			}
			sum := 0
			for _, k := range c.Types {
				sum += k
			}
			if sum != c.Count {
				t.Errorf("%+v: types %v add up to %d, count %d", tc.f, c.Types, sum, c.Count)
			}
		}
	}
}

// testTiles: a store that renders tiles itself puts in each tile as many
// events as lie in it; one that does not is tiled by the server from
// clusters, which must then add up over the tile's box.
func testTiles(t *testing.T, s geo.EventStore) {
	var evs []*geo.Event
	for i := range 300 {
		evs = append(evs, NewEvent(i, orb.Point{2 + float64(i%30)*0.01, 48 + float64(i/30)*0.01}, fmt.Sprintf("t%d", i)))
	}
	create(t, s, evs...)
	ctx := context.Background()
	for _, z := range []maptile.Zoom{3, 8, 14} {
		tile := maptile.At(orb.Point{2.1, 48.05}, z)
		b := tile.Bound()
		box := &geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
		_, want := find(t, s, geo.EventFilter{BBox: box})
		got := 0
		if tl, ok := s.(geo.EventTiler); ok {
			data, err := tl.EventTile(ctx, geo.EventFilter{}, uint32(tile.Z), tile.X, tile.Y, "events", 12, geo.MaxLimit)
			if err != nil {
				t.Fatal(err)
			}
			layers, err := mvt.Unmarshal(data)
			if err != nil {
				t.Fatalf("zoom %d: not an MVT: %v", z, err)
			}
			if len(layers) != 1 || layers[0].Name != "events" {
				t.Fatalf("zoom %d: layers %v", z, layers)
			}
			for _, f := range layers[0].Features {
				switch n := f.Properties["count"].(type) {
				case float64:
					got += int(n)
				case int64:
					got += int(n)
				case uint64:
					got += int(n)
				default:
					t.Fatalf("zoom %d: count %T %v", z, n, n)
				}
			}
		} else if cs, ok := s.(geo.EventClusterer); ok {
			_, total, err := cs.Clusters(ctx, geo.EventFilter{BBox: box}, geo.CellLevelForZoom(int(z)))
			if err != nil {
				t.Fatal(err)
			}
			got = total
		} else {
			t.Skip("the store neither tiles nor clusters")
		}
		if got != want || want == 0 {
			t.Errorf("zoom %d tile %v: counts add up to %d, want %d (non-zero)", z, tile, got, want)
		}
	}
}

func testConcurrent(t *testing.T, s geo.EventStore) {
	const writers, each = 6, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Every writer also writes the same shared event: it is stored once.
				evs := []*geo.Event{
					NewEvent(w*each+i, orb.Point{float64(w), float64(i)}, fmt.Sprintf("w%d-%d", w, i)),
					NewEvent(9999, orb.Point{5, 5}, "shared"),
				}
				if _, err := s.CreateEvents(context.Background(), evs); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all, n := find(t, s, geo.EventFilter{Limit: 50})
	if len(all) != writers*each+1 || n != len(all) {
		t.Errorf("%d events (numberMatched %d), want %d", len(all), n, writers*each+1)
	}
}

func testReingest(t *testing.T, s geo.EventStore) {
	ctx := context.Background()
	mk := func() []*geo.Event {
		return []*geo.Event{NewEvent(1, orb.Point{1, 1}, "one"), NewEvent(2, orb.Point{2, 2}, "two"), NewEvent(2, orb.Point{2, 2}, "two")}
	}
	n, err := s.CreateEvents(ctx, mk())
	if err != nil || n != 2 {
		t.Fatalf("first ingest: %d, %v; want 2 (the repeat skipped)", n, err)
	}
	n, err = s.CreateEvents(ctx, mk())
	if err != nil || n != 0 {
		t.Fatalf("second ingest: %d, %v; want 0", n, err)
	}
	e := NewEvent(3, orb.Point{3, 3}, "three")
	e.ID = "hand-picked"
	create(t, s, e)
	if all, _ := find(t, s, geo.EventFilter{}); len(all) != 3 {
		t.Errorf("%d events stored, want 3", len(all))
	}
	if imp, ok := s.(geo.EventImporter); ok {
		done := false
		next := func() ([]*geo.Event, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			return append(mk(), NewEvent(4, orb.Point{4, 4}, "four")), nil
		}
		n, err := imp.ImportEvents(ctx, next, 0)
		if err != nil || n != 1 {
			t.Errorf("ImportEvents of 3 stored and 1 new: %d, %v; want 1", n, err)
		}
	}
}

func testBadInput(t *testing.T, s geo.EventStore) {
	ctx := context.Background()
	good := NewEvent(1, orb.Point{1, 1}, "good")
	for name, bad := range map[string]func(e *geo.Event){
		"latitude":   func(e *geo.Event) { e.Point[1] = 91 },
		"no title":   func(e *geo.Event) { e.Title = " " },
		"no time":    func(e *geo.Event) { e.Time = time.Time{} },
		"confidence": func(e *geo.Event) { e.Confidence = 2 },
		"id":         func(e *geo.Event) { e.ID = "a/b" },
		"long tag":   func(e *geo.Event) { e.Tags = []string{string(make([]byte, 100))} },
	} {
		e := NewEvent(2, orb.Point{2, 2}, "bad")
		bad(e)
		if _, err := s.CreateEvents(ctx, []*geo.Event{good, e}); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if all, _ := find(t, s, geo.EventFilter{}); len(all) != 0 {
		t.Errorf("a refused batch stored %d events", len(all))
	}
	create(t, s, good)
	upd := *good
	upd.Point = orb.Point{0, 100}
	if err := s.UpdateEvent(ctx, &upd); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("a bad update: %v, want EINVALID", err)
	}
	if got, err := s.Event(ctx, good.ID); err != nil || got.Point != good.Point {
		t.Errorf("after a refused update: %v, %v", got, err)
	}
	for _, f := range []geo.EventFilter{{BBox: &geo.BBox{West: 0, South: 10, East: 1, North: 5}}, {Cursor: "x"}} {
		if _, err := s.FindEvents(ctx, f); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("FindEvents(%+v): %v, want EINVALID", f, err)
		}
	}
}
