package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
)

// TestClusters_BruteForce compares every cluster (cell, count, ID, mean)
// with a brute-force grouping of the matching events, over every filter
// combination, antimeridian boxes included, and checks that the counts add
// up to FindEvents' NumberMatched (or the length of all its pages).
func TestClusters_BruteForce(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	all := randomEvents(6, 4000)
	if _, err := s.CreateEvents(ctx, all); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)
	boxes := []*geo.BBox{
		nil,
		{West: -180, South: -90, East: 180, North: 90},
		{West: 30, South: 30, East: 45, North: 40},
		{West: 38.5, South: 35.5, East: 39.5, North: 36.5},
		{West: 170, South: -30, East: -170, North: 70},      // across the antimeridian
		{West: 179.5, South: -18, East: -179.5, North: -16}, // a small one too
		{West: 2, South: 48, East: 3, North: 49},
	}
	intervals := []geo.Interval{{}, {Start: base.Add(300 * time.Hour), End: base.Add(900 * time.Hour)}, {Start: base.Add(1500 * time.Hour)}}
	tagSets := [][]string{nil, {"flood"}, {"airstrike", "protest"}}
	qs := []string{"", "raqqa"}
	for bi, box := range boxes {
		for ii, iv := range intervals {
			for ti, tags := range tagSets {
				for qi, q := range qs {
					for _, level := range []int{2, 4, 5, 8, 11} {
						f := geo.EventFilter{BBox: box, Interval: iv, Tags: tags, Q: q}
						t.Run(fmt.Sprintf("box%d/iv%d/tags%d/q%d/L%d", bi, ii, ti, qi, level), func(t *testing.T) {
							checkClusters(t, s, all, f, level)
						})
					}
				}
			}
		}
	}
}

func checkClusters(t *testing.T, s *store.Store, all []*geo.Event, f geo.EventFilter, level int) {
	t.Helper()
	ctx := context.Background()
	clusters, total, err := s.Clusters(ctx, f, level)
	box := geo.BBox{West: -180, South: -90, East: 180, North: 90}
	if f.BBox != nil {
		box = *f.BBox
	}
	if geo.CoveringCellCount(box, level) > store.MaxClusterCells {
		if got, want := geo.ErrorCode(err), geo.EINVALID; got != want {
			t.Fatalf("code %q (%v), want %q", got, err, want)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	want := bruteForce(all, f)
	if got, want := total, len(want); got != want {
		t.Fatalf("total = %d, want %d", got, want)
	}
	type agg struct {
		n     int
		sum   orb.Point
		id    string
		types map[string]int
	}
	byCell := map[geo.Cell]*agg{}
	for _, e := range want {
		c := geo.CellOf(e.Point, level)
		a := byCell[c]
		if a == nil {
			a = &agg{types: map[string]int{}}
			byCell[c] = a
		}
		a.types[e.Type]++
		a.n++
		a.sum[0] += e.Point[0]
		a.sum[1] += e.Point[1]
		a.id = e.ID
	}
	if got, want := len(clusters), len(byCell); got != want {
		t.Fatalf("%d clusters, want %d", got, want)
	}
	sum := 0
	for _, c := range clusters {
		a := byCell[c.Cell]
		if a == nil {
			t.Fatalf("cluster in cell %v, which holds no match", c.Cell)
		}
		if c.Count != a.n {
			t.Fatalf("cell %v: count %d, want %d", c.Cell, c.Count, a.n)
		}
		sum += c.Count
		if a.n == 1 && c.ID != a.id {
			t.Errorf("cell %v: ID %q, want %q", c.Cell, c.ID, a.id)
		}
		if a.n > 1 && c.ID != "" {
			t.Errorf("cell %v: ID %q on a cluster of %d", c.Cell, c.ID, a.n)
		}
		// The mean is exact for walks; from counters it lies within the
		// cell, at most half a counted sub-cell from the true mean.
		mean := orb.Point{a.sum[0] / float64(a.n), a.sum[1] / float64(a.n)}
		b := c.Cell.Bound()
		tol := (b.Max[0] - b.Min[0]) / 2
		if math.Abs(c.Point[0]-mean[0]) > tol || math.Abs(c.Point[1]-mean[1]) > tol || !b.Contains(c.Point) {
			t.Errorf("cell %v: point %v, mean %v", c.Cell, c.Point, mean)
		}
		if c.Types != nil && fmt.Sprint(c.Types) != fmt.Sprint(a.types) {
			t.Errorf("cell %v: types %v, want %v", c.Cell, c.Types, a.types)
		}
		if len(c.TopTags) > 3 {
			t.Errorf("cell %v: %d top tags", c.Cell, len(c.TopTags))
		}
	}
	if sum != total {
		t.Fatalf("counts add up to %d, total %d", sum, total)
	}
	if got, want := total, numberMatched(t, s, f); got != want {
		t.Fatalf("total %d, FindEvents matches %d", got, want)
	}
}

// numberMatched is FindEvents' NumberMatched, or the length of all its
// pages when it gives none.
func numberMatched(t *testing.T, s *store.Store, f geo.EventFilter) int {
	t.Helper()
	f.Limit = geo.MaxLimit
	n := 0
	for {
		page, err := s.FindEvents(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if f.Cursor == "" && page.NumberMatched >= 0 {
			return page.NumberMatched
		}
		n += len(page.Events)
		if page.Next == "" {
			return n
		}
		f.Cursor = page.Next
	}
}

// TestClusters_TagSets checks tag-filtered clusters, which coarse views
// read from the tag-set histograms, after imports, creates, updates and
// deletes, and on a store without histograms (filled before they existed).
func TestClusters_TagSets(t *testing.T) {
	ctx := context.Background()
	s, db := MustOpenStore(t)
	all := randomEvents(11, 3000)
	if _, err := s.ImportEvents(ctx, feed(all[:2000], 500), store.ImportOptions{Batch: 700}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvents(ctx, all[2000:]); err != nil {
		t.Fatal(err)
	}
	for i, e := range all[:600] {
		switch i % 3 {
		case 0:
			if err := s.DeleteEvent(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		case 1:
			e.Tags = append(e.Tags[:0:0], testTags[i%len(testTags)])
			e.Point = orb.Point{e.Point[1], e.Point[0] / 2}
			if err := s.UpdateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	var live []*geo.Event
	for i, e := range all {
		if i >= 600 || i%3 != 0 {
			live = append(live, e)
		}
	}
	boxes := []*geo.BBox{nil, {West: 30, South: 30, East: 45, North: 40}, {West: 170, South: -30, East: -170, North: 70}, {West: -100, South: -60, East: 100, North: 60}}
	tagSets := [][]string{{"flood"}, {"airstrike", "protest"}, {"protest", "shelling", "ceasefire"}, {"none"}}
	check := func(t *testing.T) {
		for bi, box := range boxes {
			for ti, tags := range tagSets {
				for _, level := range []int{0, 2, 3, 4, 5, 6} {
					t.Run(fmt.Sprintf("box%d/tags%d/L%d", bi, ti, level), func(t *testing.T) {
						checkClusters(t, s, live, geo.EventFilter{BBox: box, Tags: tags}, level)
					})
				}
			}
		}
	}
	t.Run("histograms", check)
	if err := store.ForgetTagSets(db); err != nil {
		t.Fatal(err)
	}
	t.Run("without", check)
}

func TestClusters_TopTags(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	p := orb.Point{10.01, 10.01}
	var events []*geo.Event
	for i, tags := range [][]string{{"a", "b"}, {"a", "c"}, {"a"}, {"b"}, {"d"}} {
		events = append(events, &geo.Event{ID: fmt.Sprint("e", i), Point: p, Time: time.Unix(int64(i), 0), Tags: tags, Title: "t"})
	}
	events = append(events, &geo.Event{ID: "lone", Point: orb.Point{-100, -40}, Time: time.Unix(9, 0), Title: "t", Tags: []string{"x"}})
	if _, err := s.CreateEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	for _, f := range []geo.EventFilter{{}, {Tags: []string{"a", "b", "c", "d", "x"}}, {Q: "t"}} {
		clusters, total, err := s.Clusters(ctx, f, 3)
		if err != nil {
			t.Fatal(err)
		}
		if total != 6 || len(clusters) != 2 {
			t.Fatalf("%+v: total %d, %d clusters", f, total, len(clusters))
		}
		for _, c := range clusters {
			switch c.Count {
			case 5:
				if got, want := fmt.Sprint(c.TopTags), "[a b c]"; got != want {
					t.Errorf("%+v: top tags %s, want %s", f, got, want)
				}
			case 1:
				if c.ID != "lone" || fmt.Sprint(c.TopTags) != "[x]" {
					t.Errorf("%+v: lone cluster %+v", f, c)
				}
			}
		}
	}
}

func TestClusters_BadInput(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	if _, err := s.CreateEvents(ctx, randomEvents(7, 100)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		f     geo.EventFilter
		level int
	}{
		{"negative level", geo.EventFilter{}, -1},
		{"level too fine", geo.EventFilter{}, geo.MaxCellLevel + 1},
		{"too many cells", geo.EventFilter{}, 16},
		{"bad bbox", geo.EventFilter{BBox: &geo.BBox{West: 0, South: 10, East: 1, North: 5}}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Clusters(ctx, tc.f, tc.level)
			if got, want := geo.ErrorCode(err), geo.EINVALID; got != want {
				t.Fatalf("code %q (%v), want %q", got, err, want)
			}
		})
	}
}

// TestTypeCounts checks clusters by type and the timeline, which read the
// per-type aggregates, after imports, creates, updates and deletes, over
// day-aligned and other windows, and on a store filled before the
// aggregates existed (Open builds them).
func TestTypeCounts(t *testing.T) {
	ctx := context.Background()
	s, db := MustOpenStore(t)
	all := randomEvents(12, 3000)
	if _, err := s.ImportEvents(ctx, feed(all[:2000], 500), store.ImportOptions{Batch: 700}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvents(ctx, all[2000:]); err != nil {
		t.Fatal(err)
	}
	for i, e := range all[:600] {
		switch i % 3 {
		case 0:
			if err := s.DeleteEvent(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		case 1:
			e.Type = []string{"", "riot", "protest"}[i%9/3]
			e.Point = orb.Point{e.Point[1], e.Point[0] / 2}
			e.Time = e.Time.Add(50 * time.Hour)
			if err := s.UpdateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	var live []*geo.Event
	for i, e := range all {
		if i >= 600 || i%3 != 0 {
			live = append(live, e)
		}
	}
	day := time.Date(2017, 11, 1, 0, 0, 0, 0, time.UTC)
	boxes := []*geo.BBox{nil, {West: 30, South: 30, East: 45, North: 40}, {West: 170, South: -30, East: -170, North: 70}, {West: 38.5, South: 35.5, East: 39.5, North: 36.5}}
	types := [][]string{nil, {"protest"}, {"Battles", "riot"}}
	intervals := []geo.Interval{{}, {Start: day, End: day.AddDate(0, 1, 0).Add(-time.Nanosecond)}, {Start: day.Add(time.Hour), End: day.AddDate(0, 0, 9)}}
	check := func(t *testing.T) {
		MustCheck(t, db)
		for bi, box := range boxes {
			for ti, ty := range types {
				for ii, iv := range intervals {
					for _, level := range []int{2, 3, 6, 9, 12} {
						t.Run(fmt.Sprintf("box%d/types%d/iv%d/L%d", bi, ti, ii, level), func(t *testing.T) {
							checkClusters(t, s, live, geo.EventFilter{BBox: box, Types: ty, Interval: iv}, level)
						})
					}
				}
				t.Run(fmt.Sprintf("timeline/box%d/types%d", bi, ti), func(t *testing.T) {
					f := geo.EventFilter{BBox: box, Types: ty}
					got, err := s.EventTimeline(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					want := map[string]int{}
					for _, e := range bruteForce(live, f) {
						want[e.Time.UTC().Format("2006-01-02")+" "+e.Type]++
					}
					have := map[string]int{}
					for _, d := range got {
						have[d.Day.Format("2006-01-02")+" "+d.Type] += d.Count
					}
					if fmt.Sprint(have) != fmt.Sprint(want) {
						t.Errorf("timeline %v, want %v", have, want)
					}
				})
			}
		}
	}
	t.Run("aggregates", check)
	// Types are known on every path of a view without tags or q.
	cl, _, err := s.Clusters(ctx, geo.EventFilter{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cl {
		if c.Types == nil {
			t.Fatalf("cluster %v has no types", c.Cell)
		}
	}
	if err := store.ForgetTypeCounts(db); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(db); err != nil {
		t.Fatal(err)
	}
	t.Run("rebuilt", check)
	// A store whose aggregates are in version 1's layout answers from
	// them only once Open has rebuilt them.
	if err := store.TypeLayout1(db); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EventTimeline(ctx, geo.EventFilter{}); geo.ErrorCode(err) != geo.EUNAVAILABLE {
		t.Fatalf("timeline on layout 1: %v, want %s", err, geo.EUNAVAILABLE)
	}
	if _, err := store.Open(db); err != nil {
		t.Fatal(err)
	}
	t.Run("layout1", check)
}
