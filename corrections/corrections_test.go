package corrections_test

import (
	"context"
	"testing"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/newstest"
	"github.com/paulmach/orb"
)

// setup returns a correction service on a real temporary DB (newstest's
// places) and the ids of Braga (Portugal) and Kobani (Syria).
func setup(t *testing.T) (*corrections.Service, *newstest.Env, int64, int64) {
	t.Helper()
	env := newstest.MustOpen(t)
	g, err := gazetteer.Open(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	id := func(name string) int64 {
		page, err := g.FindPlaces(context.Background(), geo.PlaceFilter{Q: name, Limit: 1})
		if err != nil || len(page.Places) == 0 {
			t.Fatalf("no place %s: %v", name, err)
		}
		return page.Places[0].ID
	}
	return &corrections.Service{Events: env.Store, Rules: g}, env, id("Braga"), id("Kobani")
}

// bragaEvent stores an event of a Syrian article that read "Braga" (a
// surname there) as the town in Portugal.
func bragaEvent(t *testing.T, env *newstest.Env, braga int64) *geo.Event {
	t.Helper()
	e := &geo.Event{ID: "ev1", Point: orb.Point{-8.42, 41.55}, Time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeDay,
		Tags: []string{"visit"}, Title: "General Braga visited the front", Place: geo.EventPlace{ID: braga, Name: "Braga", Precision: geo.PrecisionCity},
		Source:     geo.Source{URL: "https://example.org/syria"},
		Why:        &geo.Why{Trigger: "visited", Mention: geo.WhyMention{Start: 8, End: 13, Text: "Braga"}, PlaceReason: "exact match", DateReason: "published"},
		Confidence: 0.5}
	if _, err := env.Store.CreateEvents(context.Background(), []*geo.Event{e}); err != nil {
		t.Fatal(err)
	}
	got, err := env.Store.Event(context.Background(), "ev1")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCorrectAndUndo(t *testing.T) {
	ctx := context.Background()
	svc, env, braga, kobani := setup(t)
	orig := bragaEvent(t, env, braga)

	// Refused: nothing stored, the event as it was.
	for _, tc := range []struct {
		name string
		r    corrections.Request
		code string
	}{
		{"unknown event", corrections.Request{EventID: "nope", Action: gazetteer.CorrectNotPlace}, geo.ENOTFOUND},
		{"unknown place", corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove, PlaceID: 12345}, geo.EINVALID},
		{"no place", corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove}, geo.EINVALID},
		{"drop in the sea", corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove, Point: &orb.Point{-30, 40}}, geo.EINVALID},
		{"drop off Earth", corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove, Point: &orb.Point{200, 40}}, geo.EINVALID},
		{"bad country", corrections.Request{EventID: "ev1", Action: gazetteer.CorrectNotPlace, Country: "Syria"}, geo.EINVALID},
	} {
		if _, _, err := svc.Correct(ctx, tc.r); geo.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v; want %s", tc.name, err, tc.code)
		}
	}
	if all, _ := svc.List(ctx); len(all) != 0 {
		t.Fatalf("%d rules stored by refused corrections", len(all))
	}
	if e, _ := env.Store.Event(ctx, "ev1"); !e.Updated.Equal(orig.Updated) {
		t.Fatal("a refused correction changed the event")
	}

	// Not a place, in the Syrian article's country: the event goes, undo
	// brings it back whole.
	rule, e, err := svc.Correct(ctx, corrections.Request{EventID: "ev1", Action: gazetteer.CorrectNotPlace, Country: "sy"})
	if err != nil || e != nil || rule.Country != "SY" || rule.Name != "Braga" || rule.FromPlaceID != braga || rule.URL != orig.Source.URL {
		t.Fatalf("not a place: %+v %v %v", rule, e, err)
	}
	if _, err := env.Store.Event(ctx, "ev1"); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Fatalf("the event is still there: %v", err)
	}
	u, err := svc.Undo(ctx, rule.ID)
	if err != nil || !u.Restored {
		t.Fatalf("undo: %+v %v", u, err)
	}
	back, err := env.Store.Event(ctx, "ev1")
	if err != nil || back.Point != orig.Point || back.Place != orig.Place || back.Title != orig.Title || *back.Why != *orig.Why {
		t.Fatalf("restored event %+v, %v; want %+v", back, err, orig)
	}

	// A move: the event at once; undo puts it back unless edited since.
	rule, e, err = svc.Correct(ctx, corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove, PlaceID: kobani})
	if err != nil || e.Place.ID != kobani || e.Point != (orb.Point{38.39, 36.89}) || rule.Country != "SY" {
		t.Fatalf("move: %+v %+v %v", rule, e, err)
	}
	if u, err := svc.Undo(ctx, rule.ID); err != nil || !u.Restored {
		t.Fatalf("undo move: %+v %v", u, err)
	}
	if e, _ := env.Store.Event(ctx, "ev1"); e.Place.ID != braga {
		t.Fatalf("after undo the event is at %d", e.Place.ID)
	}
	// A dropped pin 5 km from Kobani lands on Kobani; then the user edits
	// the event, and undo leaves it be.
	rule, e, err = svc.Correct(ctx, corrections.Request{EventID: "ev1", Action: gazetteer.CorrectMove, Point: &orb.Point{38.43, 36.92}})
	if err != nil || e.Place.ID != kobani {
		t.Fatalf("drag: %+v %v", e, err)
	}
	e.Title = "General Braga visited Kobani"
	time.Sleep(time.Millisecond) // the store stamps Updated with the clock
	if err := env.Store.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	u, err = svc.Undo(ctx, rule.ID)
	if err != nil || u.Restored || u.Note == "" {
		t.Fatalf("undo after an edit: %+v %v", u, err)
	}
	if e, _ := env.Store.Event(ctx, "ev1"); e.Place.ID != kobani || e.Title != "General Braga visited Kobani" {
		t.Errorf("undo changed an edited event: %+v", e)
	}
	if all, _ := svc.List(ctx); len(all) != 0 {
		t.Errorf("%d rules left after undoing all", len(all))
	}
	if _, err := svc.Undo(ctx, rule.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("undo twice: %v", err)
	}

	// An event entered by hand teaches nothing.
	hand := &geo.Event{ID: "hand", Point: orb.Point{38, 35}, Time: orig.Time, Tags: []string{}, Title: "By hand", Place: geo.EventPlace{Name: "Syria"}}
	if _, err := env.Store.CreateEvents(ctx, []*geo.Event{hand}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Correct(ctx, corrections.Request{EventID: "hand", Action: gazetteer.CorrectNotPlace, Country: "SY"}); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("correcting a hand-made event: %v", err)
	}
}
