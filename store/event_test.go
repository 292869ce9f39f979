package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
)

var testTags = []string{"airstrike", "protest", "flood", "election", "shelling", "ceasefire"}

// randomEvents returns n events from a deterministic generator: points
// clustered near a few places (two of them next to the antimeridian) and
// spread over the world, times with many ties, 0-3 tags.
func randomEvents(seed uint64, n int) []*geo.Event {
	r := rand.New(rand.NewPCG(seed, 42))
	centres := []orb.Point{{38.99, 35.95}, {179.9, -17}, {-179.8, 65}, {2.35, 48.85}, {-74, 40.7}}
	base := time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)
	names := []string{"Raqqa", "Suva", "Anadyr", "Paris", "New York"}
	events := make([]*geo.Event, n)
	for i := range events {
		var p orb.Point
		var name string
		if r.IntN(3) > 0 {
			c := r.IntN(len(centres))
			p = orb.Point{centres[c][0] + r.NormFloat64()*0.5, centres[c][1] + r.NormFloat64()*0.5}
			if p[0] > 180 {
				p[0] -= 360
			} else if p[0] < -180 {
				p[0] += 360
			}
			name = names[c]
		} else {
			p = orb.Point{r.Float64()*360 - 180, r.Float64()*170 - 85}
			name = "Somewhere"
		}
		if r.IntN(50) == 0 { // exactly on a round meridian, to test bbox edges
			p[0] = float64(int(p[0]))
		}
		var tags []string
		for _, j := range r.Perm(len(testTags))[:r.IntN(4)] {
			tags = append(tags, testTags[j])
		}
		events[i] = &geo.Event{
			ID:         fmt.Sprintf("ev%d-%d", seed, i),
			Point:      p,
			Time:       base.Add(time.Duration(r.IntN(2000)) * time.Hour), // ties on purpose
			Tags:       tags,
			Title:      fmt.Sprintf("Event %d near %s", i, name),
			Place:      geo.EventPlace{ID: int64(r.IntN(1000)), Name: name, Precision: geo.PrecisionCity},
			Source:     geo.Source{URL: fmt.Sprintf("https://example.com/%d", i/3), Title: "A story"},
			Confidence: 0.5,
		}
		if i%5 == 0 { // some geoparsed ones, without touching r's sequence
			e := events[i]
			e.Type, e.SubType, e.Actor1 = "Battles", "Armed clash", "SDF"
			if i%10 == 0 {
				e.Actor2 = "IS"
			}
			e.Why = &geo.Why{Trigger: "clashed", Mention: geo.WhyMention{Start: i, End: i + len(name), Text: name}, PlaceReason: "the dateline", DateReason: "published"}
		}
		if i%5 != 0 && i%3 == 1 { // a second type; the rest have none
			events[i].Type = "protest"
		}
		if i%7 == 0 {
			events[i].TimePrecision = geo.TimeDay
			events[i].Time = events[i].Time.Truncate(24 * time.Hour)
		}
	}
	return events
}

// bruteForce returns the events of all that match f, newest first.
func bruteForce(all []*geo.Event, f geo.EventFilter) []*geo.Event {
	var out []*geo.Event
	for _, e := range all {
		if f.BBox != nil && !f.BBox.Contains(e.Point) {
			continue
		}
		if !f.Interval.Contains(e.Time) {
			continue
		}
		if len(f.Tags) > 0 && !slices.ContainsFunc(e.Tags, func(t string) bool { return slices.Contains(f.Tags, t) }) {
			continue
		}
		if len(f.Types) > 0 && !slices.Contains(f.Types, e.Type) {
			continue
		}
		if q := strings.ToLower(f.Q); q != "" && !strings.Contains(strings.ToLower(e.Title), q) && !strings.Contains(strings.ToLower(e.Place.Name), q) {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *geo.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// checkFeatures checks that AppendEventFeatures writes page (from
// FindEvents with f) as geo.AppendFeature does, with the same paging.
func checkFeatures(t *testing.T, s *store.Store, f geo.EventFilter, page *geo.EventPage) {
	t.Helper()
	var want []byte
	for i, e := range page.Events {
		if i > 0 {
			want = append(want, ',')
		}
		want = geo.AppendFeature(want, e)
	}
	got, fp, n, err := s.AppendEventFeatures(context.Background(), f, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "x"+string(want) || n != len(page.Events) {
		t.Fatalf("AppendEventFeatures wrote %d features %.300s\nwant %d %.300s", n, got, len(page.Events), want)
	}
	if fp.NumberMatched != page.NumberMatched || fp.Next != page.Next || fp.Prev != page.Prev || fp.Events != nil {
		t.Fatalf("AppendEventFeatures page %+v, FindEvents %+v", fp, page)
	}
}

func ids(events []*geo.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func TestFindEvents_Filters(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	all := randomEvents(1, 3000)
	for i := 0; i < len(all); i += 500 {
		if _, err := s.CreateEvents(ctx, all[i:i+500]); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int) time.Time { return time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	box := func(w, s, e, n float64) *geo.BBox { return &geo.BBox{West: w, South: s, East: e, North: n} }
	tests := []struct {
		name string
		f    geo.EventFilter
	}{
		{"all", geo.EventFilter{}},
		{"city box", geo.EventFilter{BBox: box(38.5, 35.5, 39.5, 36.5)}},
		{"country box", geo.EventFilter{BBox: box(30, 30, 45, 40)}},
		{"continent box", geo.EventFilter{BBox: box(-20, 0, 60, 70)}},
		{"world box", geo.EventFilter{BBox: &geo.World}},
		{"antimeridian box", geo.EventFilter{BBox: box(179, -18, -179, 70)}},
		{"wide antimeridian box", geo.EventFilter{BBox: box(10, -90, 5, 90)}},
		{"integer edges", geo.EventFilter{BBox: box(38, 35, 39, 36)}},
		{"empty box", geo.EventFilter{BBox: box(100, -80, 101, -79)}},
		{"interval", geo.EventFilter{Interval: geo.Interval{Start: day(10), End: day(20)}}},
		{"open start", geo.EventFilter{Interval: geo.Interval{End: day(5)}}},
		{"open end", geo.EventFilter{Interval: geo.Interval{Start: day(80)}}},
		{"instant", geo.EventFilter{Interval: geo.Interval{Start: all[7].Time, End: all[7].Time}}},
		{"one tag", geo.EventFilter{Tags: []string{"flood"}}},
		{"two tags", geo.EventFilter{Tags: []string{"flood", "protest"}}},
		{"unknown tag", geo.EventFilter{Tags: []string{"nothing"}}},
		{"q title", geo.EventFilter{Q: "EVENT 12"}},
		{"q place", geo.EventFilter{Q: "suva"}},
		{"box tags", geo.EventFilter{BBox: box(30, 30, 45, 40), Tags: []string{"airstrike", "shelling"}}},
		{"box interval", geo.EventFilter{BBox: box(178, -20, -178, 70), Interval: geo.Interval{Start: day(10), End: day(60)}}},
		{"everything", geo.EventFilter{BBox: box(-10, 30, 50, 60), Interval: geo.Interval{Start: day(3)}, Tags: []string{"election", "ceasefire"}, Q: "paris"}},
		{"world tags q", geo.EventFilter{BBox: &geo.World, Tags: []string{"protest"}, Q: "event 1"}},
	}
	for _, tc := range tests {
		want := ids(bruteForce(all, tc.f))
		for _, limit := range []int{7, 100, 10000} {
			t.Run(fmt.Sprintf("%s/limit=%d", tc.name, limit), func(t *testing.T) {
				f := tc.f
				f.Limit = limit
				var got []string
				var pages []*geo.EventPage
				for {
					page, err := s.FindEvents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					checkFeatures(t, s, f, page)
					if len(page.Events) > limit {
						t.Fatalf("page of %d events, limit %d", len(page.Events), limit)
					}
					if page.NumberMatched != -1 && page.NumberMatched != len(want) {
						t.Fatalf("NumberMatched = %d, want %d or -1", page.NumberMatched, len(want))
					}
					pages = append(pages, page)
					got = append(got, ids(page.Events)...)
					if page.Next == "" {
						break
					}
					if len(pages) > len(want)+2 {
						t.Fatal("paging does not end")
					}
					f.Cursor = page.Next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %d events %.80v, want %d %.80v", len(got), got, len(want), want)
				}
				// Walk back with Prev from the last page: the same pages in reverse.
				for i := len(pages) - 1; i > 0; i-- {
					if pages[i].Prev == "" {
						t.Fatalf("page %d has no Prev", i)
					}
					f.Cursor = pages[i].Prev
					page, err := s.FindEvents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					checkFeatures(t, s, f, page)
					if got, want := ids(page.Events), ids(pages[i-1].Events); !slices.Equal(got, want) {
						t.Fatalf("Prev of page %d = %v, want %v", i, got, want)
					}
				}
				if pages[0].Prev != "" {
					t.Errorf("first page has Prev %q", pages[0].Prev)
				}
			})
		}
	}
}

func TestFindEvents_CursorSurvivesInserts(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	all := randomEvents(2, 200)
	if _, err := s.CreateEvents(ctx, all[:100]); err != nil {
		t.Fatal(err)
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[e.ID] = true
	}
	last := page.Events[len(page.Events)-1]
	if _, err := s.CreateEvents(ctx, all[100:]); err != nil { // newer and older ones
		t.Fatal(err)
	}
	f := geo.EventFilter{Limit: 10, Cursor: page.Next}
	for f.Cursor != "" {
		page, err = s.FindEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			if seen[e.ID] {
				t.Fatalf("event %s returned twice", e.ID)
			}
			if e.Time.After(last.Time) || e.Time.Equal(last.Time) && e.ID > last.ID {
				t.Fatalf("event %s is newer than the cursor", e.ID)
			}
			seen[e.ID] = true
		}
		f.Cursor = page.Next
	}
	if got, want := len(seen), 10+len(bruteForce(all, geo.EventFilter{Interval: geo.Interval{End: last.Time}}))-1; got < want-10 {
		t.Fatalf("saw %d events, want about %d", got, want)
	}
}

func TestFindEvents_BadInput(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	for _, cursor := range []string{"!!", "bg", "eHh4eHh4eHh4eA"} {
		if _, err := s.FindEvents(ctx, geo.EventFilter{Cursor: cursor}); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("cursor %q: err = %v, want EINVALID", cursor, err)
		}
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Limit: -5})
	if err != nil || len(page.Events) != 0 || page.NumberMatched != 0 {
		t.Fatalf("empty store: %+v, %v", page, err)
	}
}

func TestFindEvents_LimitClamp(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	if _, err := s.CreateEvents(ctx, randomEvents(3, 250)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ limit, want int }{{0, geo.DefaultLimit}, {-1, 1}, {1, 1}, {20000, 250}} {
		page, err := s.FindEvents(ctx, geo.EventFilter{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(page.Events); got != tc.want {
			t.Errorf("limit %d: %d events, want %d", tc.limit, got, tc.want)
		}
		if got, want := page.NumberMatched, 250; got != want {
			t.Errorf("limit %d: NumberMatched = %d, want %d", tc.limit, got, want)
		}
	}
}

func TestCreateEvents(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	events := randomEvents(4, 20)
	if n, err := s.CreateEvents(ctx, events[:10]); err != nil || n != 10 {
		t.Fatalf("CreateEvents = %d, %v; want 10", n, err)
	}
	// Re-ingest overlapping: only the new ones count.
	if n, err := s.CreateEvents(ctx, events[5:]); err != nil || n != 10 {
		t.Fatalf("re-ingest CreateEvents = %d, %v; want 10", n, err)
	}
	// Duplicate inside one batch.
	dup := randomEvents(5, 1)
	if n, err := s.CreateEvents(ctx, []*geo.Event{dup[0], dup[0]}); err != nil || n != 1 {
		t.Fatalf("duplicate in batch: %d, %v; want 1", n, err)
	}
	// One invalid event: nothing of the batch is stored.
	bad := randomEvents(6, 5)
	bad[3].Title = ""
	if n, err := s.CreateEvents(ctx, bad); geo.ErrorCode(err) != geo.EINVALID || n != 0 {
		t.Fatalf("invalid batch: %d, %v; want 0, EINVALID", n, err)
	} else if !strings.Contains(err.Error(), "event 4 of 5") {
		t.Errorf("error %q does not name the event", err)
	}
	for _, e := range bad {
		if _, err := s.Event(ctx, e.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
			t.Fatalf("event %s of an invalid batch: %v", e.ID, err)
		}
	}
	if n, _ := s.CountEvents(ctx); n != 21 {
		t.Fatalf("CountEvents = %d, want 21", n)
	}
	// No ID: a stable one from the content, so re-ingest is skipped too.
	noID := randomEvents(7, 2)
	noID[0].ID, noID[1].ID = "", ""
	again := *noID[0]
	if n, err := s.CreateEvents(ctx, noID); err != nil || n != 2 {
		t.Fatalf("no-ID CreateEvents = %d, %v", n, err)
	}
	if noID[0].ID == "" || noID[0].ID == noID[1].ID {
		t.Fatalf("IDs %q %q", noID[0].ID, noID[1].ID)
	}
	if n, err := s.CreateEvents(ctx, []*geo.Event{&again}); err != nil || n != 0 || again.ID != noID[0].ID {
		t.Fatalf("re-ingest without ID: %d, %v, id %q want %q", n, err, again.ID, noID[0].ID)
	}
	got, err := s.Event(ctx, noID[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Created.IsZero() || !got.Created.Equal(got.Updated) {
		t.Errorf("Created %v Updated %v", got.Created, got.Updated)
	}
	for _, tc := range []struct {
		name string
		edit func(*geo.Event)
	}{
		{"bad id", func(e *geo.Event) { e.ID = "a/b" }},
		{"old time", func(e *geo.Event) { e.Time = time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"bad point", func(e *geo.Event) { e.Point[1] = 91 }},
	} {
		e := randomEvents(8, 1)[0]
		tc.edit(e)
		if _, err := s.CreateEvents(ctx, []*geo.Event{e}); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
		}
	}
}

func TestUpdateDeleteEvent(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	all := randomEvents(9, 300)
	if _, err := s.CreateEvents(ctx, all); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	moved := randomEvents(10, 100)
	for i, j := range r.Perm(len(all))[:100] {
		old, err := s.Event(ctx, all[j].ID)
		if err != nil {
			t.Fatal(err)
		}
		e := moved[i]
		e.ID = all[j].ID
		time.Sleep(time.Microsecond)
		if err := s.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := s.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Created.Equal(old.Created) || !got.Updated.After(old.Updated) {
			t.Fatalf("Created %v→%v Updated %v→%v", old.Created, got.Created, old.Updated, got.Updated)
		}
		if got.Title != e.Title || !got.Time.Equal(e.Time) || got.Point != e.Point {
			t.Fatalf("updated event %+v, want %+v", got, e)
		}
		all[j] = e
	}
	deleted := map[string]bool{}
	for _, j := range r.Perm(len(all))[:50] {
		if err := s.DeleteEvent(ctx, all[j].ID); err != nil {
			t.Fatal(err)
		}
		deleted[all[j].ID] = true
	}
	var kept []*geo.Event
	for _, e := range all {
		if !deleted[e.ID] {
			kept = append(kept, e)
		}
	}
	if n, _ := s.CountEvents(ctx); n != len(kept) {
		t.Fatalf("CountEvents = %d, want %d", n, len(kept))
	}
	for _, f := range []geo.EventFilter{
		{BBox: &geo.BBox{West: 37, South: 34, East: 41, North: 38}},
		{BBox: &geo.BBox{West: 170, South: -30, East: -170, North: 70}},
		{Tags: []string{"flood", "election"}},
		{Interval: geo.Interval{Start: time.Date(2017, 11, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		f.Limit = geo.MaxLimit
		page, err := s.FindEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(page.Events), ids(bruteForce(kept, f)); !slices.Equal(got, want) {
			t.Errorf("filter %+v: got %d events, want %d", f, len(got), len(want))
		}
	}
	missing := randomEvents(11, 1)[0]
	if err := s.UpdateEvent(ctx, missing); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("UpdateEvent missing: %v", err)
	}
	if err := s.DeleteEvent(ctx, missing.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("DeleteEvent missing: %v", err)
	}
	if e, err := s.Event(ctx, missing.ID); geo.ErrorCode(err) != geo.ENOTFOUND || e != nil {
		t.Errorf("Event missing: %v, %v", e, err)
	}
}

var _ = geo.MaxIDLen

func TestEventExtent(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	if _, _, ok, err := s.EventExtent(ctx); ok || err != nil {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	all := randomEvents(12, 500)
	for i := 0; i < len(all); i += 100 {
		if _, err := s.CreateEvents(ctx, all[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	bbox, iv, ok, err := s.EventExtent(ctx)
	if err != nil || !ok {
		t.Fatalf("EventExtent: %v %v", ok, err)
	}
	want := geo.BBox{West: 180, South: 90, East: -180, North: -90}
	var wantIv geo.Interval
	for _, e := range all {
		want.West, want.East = min(want.West, e.Point[0]), max(want.East, e.Point[0])
		want.South, want.North = min(want.South, e.Point[1]), max(want.North, e.Point[1])
		if wantIv.Start.IsZero() || e.Time.Before(wantIv.Start) {
			wantIv.Start = e.Time
		}
		if e.Time.After(wantIv.End) {
			wantIv.End = e.Time
		}
	}
	if bbox != want || !iv.Start.Equal(wantIv.Start) || !iv.End.Equal(wantIv.End) {
		t.Fatalf("extent %v %v, want %v %v", bbox, iv, want, wantIv)
	}
}

// A batch big enough to be prepared on several CPUs stores what a small
// one would.
func TestCreateEvents_BigBatch(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	all := randomEvents(13, 20000)
	if n, err := s.CreateEvents(ctx, all); err != nil || n != len(all) {
		t.Fatalf("CreateEvents = %d, %v", n, err)
	}
	for _, f := range []geo.EventFilter{
		{BBox: &geo.BBox{West: 38, South: 35, East: 40, North: 37}},
		{BBox: &geo.BBox{West: 179, South: -20, East: -179, North: 70}, Tags: []string{"flood"}},
		{Tags: []string{"protest", "ceasefire"}},
		{},
	} {
		f.Limit = geo.MaxLimit
		var got []string
		for {
			page, err := s.FindEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(page.Events)...)
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if want := ids(bruteForce(all, f)); !slices.Equal(got, want) {
			t.Errorf("filter %+v: got %d events, want %d", f, len(got), len(want))
		}
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Tags: []string{"flood"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := page.NumberMatched, len(bruteForce(all, geo.EventFilter{Tags: []string{"flood"}})); got != want {
		t.Errorf("tag count %d, want %d", got, want)
	}
}
