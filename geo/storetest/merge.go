package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// merger is a store that merges the reports of one happening and splits
// them again (ingest's HappeningStore, server's EventSplitter).
type merger interface {
	MergeEvents(ctx context.Context, events []*geo.Event, rule geo.MergeRule) (created, merged int, err error)
	SplitEvent(ctx context.Context, id string) ([]*geo.Event, error)
}

// SameType is a merge rule for the stores' tests: the same type, within a
// degree, on any day of 2017, from another article.
type SameType struct{}

// Window is a box of a degree around e, and 2017.
func (SameType) Window(e *geo.Event) (geo.BBox, geo.Interval, bool) {
	return geo.BBox{West: e.Point[0] - 1, South: e.Point[1] - 1, East: e.Point[0] + 1, North: e.Point[1] + 1},
		geo.Interval{Start: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}, e.Type != ""
}

// Same is the same type, from another article.
func (SameType) Same(stored, e *geo.Event) (*geo.Merge, bool) {
	if stored.Type != e.Type || stored.HasArticle(e.Source.URL) {
		return nil, false
	}
	return &geo.Merge{Rule: "same-type", Detail: "test"}, true
}

// Report is the report of article i of a happening of type typ at
// (lon, 35) on 2017-06-13, i hours after midnight.
func Report(i int, typ string, lon float64) *geo.Event {
	return &geo.Event{Point: orb.Point{lon, 35}, Time: time.Date(2017, 6, 13, i, 0, 0, 0, time.UTC), Type: typ,
		Title: fmt.Sprint("Report ", i), Tags: []string{"strike"}, Confidence: 0.5,
		Source: geo.Source{URL: fmt.Sprintf("https://n%d.example/a", i), Outlet: fmt.Sprint("N", i)}}
}

// testMerge: reports merge into the event stored first, through the store
// and within a batch; a far or other-typed one does not; merging again and
// CreateEvents of a merged report store nothing; an update keeps the
// sources; a split restores every report; a delete takes the merged
// reports with it; past geo.MaxSources a report starts an event of its own.
func testMerge(t *testing.T, s geo.EventStore) {
	ms, ok := s.(merger)
	if !ok {
		t.Skip("the store does not merge reports")
	}
	ctx := t.Context()
	created, merged, err := ms.MergeEvents(ctx, []*geo.Event{Report(0, "strike", 39)}, SameType{})
	if err != nil || created != 1 || merged != 0 {
		t.Fatalf("first: %d %d %v", created, merged, err)
	}
	batch := []*geo.Event{Report(1, "strike", 39.1), Report(2, "strike", 39.2), Report(3, "battle", 39), Report(4, "strike", 45)}
	created, merged, err = ms.MergeEvents(ctx, batch, SameType{})
	if err != nil || created != 2 || merged != 2 {
		t.Fatalf("batch: created %d, merged %d, %v; want 2 and 2", created, merged, err)
	}
	all, n := find(t, s, geo.EventFilter{Limit: 10})
	if n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
	var m *geo.Event
	for _, e := range all {
		if len(e.Sources) > 0 {
			m = e
		}
	}
	if m == nil || m.NumArticles() != 3 || m.Title != "Report 0" || batch[0].Merge == nil || batch[0].Merge.Into != m.ID {
		t.Fatalf("merged event %+v", m)
	}
	if c, n, err := ms.MergeEvents(ctx, []*geo.Event{Report(1, "strike", 39.1)}, SameType{}); c+n != 0 || err != nil {
		t.Errorf("merging again: %d %d %v", c, n, err)
	}
	if c, err := s.CreateEvents(ctx, []*geo.Event{Report(2, "strike", 39.2)}); c != 0 || err != nil {
		t.Errorf("CreateEvents of a merged report: %d %v", c, err)
	}
	up := *m
	up.Sources, up.Merge, up.Title = nil, nil, "Strike near Raqa"
	if err := s.UpdateEvent(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Event(ctx, m.ID); err != nil || got.NumArticles() != 3 || got.Merge == nil || got.Title != "Strike near Raqa" {
		t.Errorf("after an update %+v, %v", got, err)
	}

	split, err := ms.SplitEvent(ctx, m.ID)
	if err != nil || len(split) != 3 || split[0].ID != m.ID || split[0].NumArticles() != 1 || split[0].Merge != nil {
		t.Fatalf("split: %d events, %v", len(split), err)
	}
	if _, n := find(t, s, geo.EventFilter{Limit: 10}); n != 5 {
		t.Errorf("after the split: %d events, want 5", n)
	}
	for _, e := range split[1:] {
		got, err := s.Event(ctx, e.ID)
		if err != nil || got.Merge != nil || !slices.Contains([]string{"Report 1", "Report 2"}, got.Title) {
			t.Errorf("restored report %s: %+v, %v", e.ID, got, err)
		}
	}
	if _, err := ms.SplitEvent(ctx, m.ID); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("splitting an event of one article: %v", err)
	}
	if _, err := ms.SplitEvent(ctx, "nope"); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("splitting an unknown event: %v", err)
	}

	// A delete takes its merged reports with it: merging them again stores them.
	for _, id := range []string{split[1].ID, split[2].ID} {
		if err := s.DeleteEvent(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, n, err := ms.MergeEvents(ctx, []*geo.Event{Report(5, "strike", 39.3)}, SameType{}); n != 1 || err != nil {
		t.Fatalf("merging into the split event: %d %v", n, err)
	}
	if err := s.DeleteEvent(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if c, _, err := ms.MergeEvents(ctx, []*geo.Event{Report(5, "strike", 39.3)}, SameType{}); c != 1 || err != nil {
		t.Errorf("after the delete: created %d, %v; want the report stored anew", c, err)
	}

	// Past MaxSources a report starts an event of its own.
	for i := range geo.MaxSources + 3 {
		e := Report(i%20, "flood", 30)
		e.Source.URL = fmt.Sprintf("https://flood%d.example/a", i)
		if _, _, err := ms.MergeEvents(ctx, []*geo.Event{e}, SameType{}); err != nil {
			t.Fatal(err)
		}
	}
	floods, n := find(t, s, geo.EventFilter{BBox: &geo.BBox{West: 29, South: 34, East: 31, North: 36}, Limit: 10})
	if n != 2 || floods[0].NumArticles()+floods[1].NumArticles() != geo.MaxSources+3 {
		t.Errorf("%d flood events, want 2 holding %d articles", n, geo.MaxSources+3)
	}
}
