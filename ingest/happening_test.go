package ingest_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/internal/newstest"
	"github.com/paulmach/orb"
)

// fiveReports are five differently worded reports, by five outlets, of
// one air strike on Raqa on Tuesday 13 June 2017 (the team's own texts).
func fiveReports() []ingest.Article {
	pub := time.Date(2017, 6, 14, 9, 0, 0, 0, time.UTC)
	texts := []string{
		"Air strikes hit Raqa on Tuesday, killing four people, local officials said.",
		"Warplanes bombed the city of Raqqa on Tuesday, residents said, and at least four civilians died.",
		"On Tuesday coalition aircraft bombed Raqqa again, a medic told reporters by phone.",
		"Residents said an air strike hit a market in Raqa on Tuesday, a monitoring group reported.",
		"Jets pounded the city of Raqqa with air strikes on Tuesday, witnesses said.",
	}
	as := make([]ingest.Article, len(texts))
	for i, text := range texts {
		as[i] = ingest.Article{Text: text, Title: fmt.Sprintf("Report %d", i+1), URL: fmt.Sprintf("https://outlet%d.example/raqa-strike", i+1),
			Outlet: fmt.Sprintf("Outlet %d", i+1), Published: pub}
	}
	return as
}

// homsReport is a strike of the same type on the same day in Homs, about
// 240 km from Raqa.
var homsReport = ingest.Article{Text: "Air strikes hit Homs on Tuesday, killing four people, local officials said.",
	URL: "https://outlet1.example/homs-strike", Outlet: "Outlet 1", Published: time.Date(2017, 6, 14, 9, 0, 0, 0, time.UTC)}

// onlyEvent returns the one event stored in env, failing unless there is one.
func onlyEvents(t *testing.T, env *newstest.Env) []*geo.Event {
	t.Helper()
	page, err := env.Store.FindEvents(t.Context(), geo.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

// TestSameHappening: five reports of one happening give one event with
// five sources and five articles, saying which rule merged them; a report
// of the same type in a town 240 km away stays its own event; ingesting
// every article again changes nothing; a split restores five events.
func TestSameHappening(t *testing.T) {
	env := newstest.MustOpen(t)
	ctx := t.Context()
	for i, a := range fiveReports() {
		res, err := env.Ingest.Ingest(ctx, a, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Events); got != 1 {
			t.Fatalf("report %d made %d events, want 1", i+1, got)
		}
		if want := min(i, 1); res.Merged != want || res.Created != 1-want {
			t.Errorf("report %d: created %d, merged %d", i+1, res.Created, res.Merged)
		}
		if i > 0 && (res.Events[0].Merge == nil || res.Events[0].Merge.Into == "") {
			t.Errorf("report %d: merged but does not say into what: %+v", i+1, res.Events[0].Merge)
		}
	}
	if _, err := env.Ingest.Ingest(ctx, homsReport, false); err != nil {
		t.Fatal(err)
	}
	evs := onlyEvents(t, env)
	if len(evs) != 2 {
		t.Fatalf("%d events stored, want 2 (Raqa, Homs)", len(evs))
	}
	var raqa *geo.Event
	for _, e := range evs {
		if e.Place.Name == "Ar Raqqah" {
			raqa = e
		} else if e.NumArticles() != 1 {
			t.Errorf("%s: %d articles, want 1", e.Place.Name, e.NumArticles())
		}
	}
	if raqa == nil {
		t.Fatal("no event in Raqa")
	}
	if raqa.NumSources() != 5 || raqa.NumArticles() != 5 || len(raqa.Sources) != 5 {
		t.Errorf("Raqa: %d sources, %d articles, want 5 and 5", raqa.NumSources(), raqa.NumArticles())
	}
	if raqa.Merge == nil || raqa.Merge.Rule != ingest.RuleSameHappening || raqa.Merge.Detail == "" {
		t.Errorf("merge %+v, want rule %q with a detail", raqa.Merge, ingest.RuleSameHappening)
	}
	if raqa.Source != (geo.Source{URL: raqa.Sources[0].URL, Title: raqa.Sources[0].Title, Published: raqa.Sources[0].Published,
		Start: raqa.Sources[0].Start, End: raqa.Sources[0].End, Outlet: raqa.Sources[0].Outlet}) {
		t.Errorf("source %+v is not the first of the sources %+v", raqa.Source, raqa.Sources[0])
	}

	// Re-ingesting stays idempotent: nothing new, nothing merged twice.
	b, err := env.Ingest.IngestBatch(ctx, append(fiveReports(), homsReport))
	if err != nil {
		t.Fatal(err)
	}
	if b.Created != 0 || b.Merged != 0 {
		t.Errorf("again: created %d, merged %d", b.Created, b.Merged)
	}
	if again, _ := env.Store.Event(ctx, raqa.ID); again == nil || again.NumArticles() != 5 {
		t.Errorf("again: the Raqa event lists %v articles", again.NumArticles())
	}

	// A split restores the five reports as they were.
	split, err := env.Store.SplitEvent(ctx, raqa.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(split) != 5 || split[0].ID != raqa.ID {
		t.Fatalf("split gave %d events (first %s), want 5 starting with %s", len(split), split[0].ID, raqa.ID)
	}
	urls := map[string]bool{}
	for _, e := range onlyEvents(t, env) {
		if e.Sources != nil || e.Merge != nil || e.NumArticles() != 1 {
			t.Errorf("after the split %s lists %d sources, merge %+v", e.ID, len(e.Sources), e.Merge)
		}
		urls[e.Source.URL] = true
	}
	if len(urls) != 6 {
		t.Errorf("after the split %d articles' events, want 6", len(urls))
	}
	if _, err := env.Store.SplitEvent(ctx, raqa.ID); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("splitting an event of one article: %v, want EINVALID", err)
	}
	// A split stays split: ingesting again merges nothing back.
	if b, err := env.Ingest.IngestBatch(ctx, fiveReports()); err != nil || b.Created+b.Merged != 0 {
		t.Errorf("after the split: created %d, merged %d, %v", b.Created, b.Merged, err)
	}
}

// TestSameHappeningBatch: reports of one happening in one batch (a feed's
// new items) make one event, as one by one.
func TestSameHappeningBatch(t *testing.T) {
	env := newstest.MustOpen(t)
	b, err := env.Ingest.IngestBatch(t.Context(), append(fiveReports(), homsReport))
	if err != nil {
		t.Fatal(err)
	}
	if b.Created != 2 || b.Merged != 4 {
		t.Errorf("created %d, merged %d, want 2 and 4", b.Created, b.Merged)
	}
	evs := onlyEvents(t, env)
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	for _, e := range evs {
		if want := map[string]int{"Ar Raqqah": 5, "Homs": 1}[e.Place.Name]; e.NumArticles() != want || e.NumSources() != want {
			t.Errorf("%s: %d articles, %d sources, want %d", e.Place.Name, e.NumArticles(), e.NumSources(), want)
		}
	}
}

// TestSameHappeningConcurrent: five reports ingested at once still make
// one event: the store looks up and writes in one transaction.
func TestSameHappeningConcurrent(t *testing.T) {
	for round := range 5 {
		env := newstest.MustOpen(t)
		var wg sync.WaitGroup
		errs := make(chan error, 5)
		for _, a := range fiveReports() {
			wg.Go(func() {
				if _, err := env.Ingest.Ingest(t.Context(), a, false); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		evs := onlyEvents(t, env)
		if len(evs) != 1 || evs[0].NumArticles() != 5 {
			t.Fatalf("round %d: %d events (first with %d articles), want 1 with 5", round, len(evs), evs[0].NumArticles())
		}
	}
}

// TestSameHappeningRule: the rule's cases, one change at a time from a
// pair that merges.
func TestSameHappeningRule(t *testing.T) {
	day := time.Date(2017, 6, 13, 0, 0, 0, 0, time.UTC)
	base := func() (*geo.Event, *geo.Event) {
		a := &geo.Event{ID: "a", Type: "airstrike_shelling", Time: day, TimePrecision: geo.TimeDay, Point: orb.Point{39.0167, 35.95},
			Place: geo.EventPlace{ID: 1, Name: "Ar Raqqah", Precision: geo.PrecisionCity}, Source: geo.Source{URL: "https://a.example/1"}}
		b := *a
		b.ID, b.Source = "b", geo.Source{URL: "https://b.example/2"}
		b.Point = orb.Point{39.1, 35.9} // about 9 km away
		return a, &b
	}
	rule := ingest.SameHappening{}
	for _, tc := range []struct {
		name   string
		change func(a, b *geo.Event)
		same   bool
	}{
		{"same happening", func(a, b *geo.Event) {}, true},
		{"exact time on the same day", func(a, b *geo.Event) { b.TimePrecision, b.Time = "", day.Add(15*time.Hour) }, true},
		{"another type", func(a, b *geo.Event) { b.Type = "battle" }, false},
		{"no type", func(a, b *geo.Event) { a.Type, b.Type = "", "" }, false},
		{"the next day", func(a, b *geo.Event) { b.Time = day.AddDate(0, 0, 1) }, false},
		{"month precision", func(a, b *geo.Event) { b.TimePrecision = geo.TimeMonth }, false},
		{"30 km apart", func(a, b *geo.Event) { b.Point = orb.Point{39.35, 35.95} }, false},
		{"two points 9 km apart", func(a, b *geo.Event) { a.Place.Precision, b.Place.Precision = geo.PrecisionPoint, geo.PrecisionPoint }, true},
		{"two points 12 km apart", func(a, b *geo.Event) {
			a.Place.Precision, b.Place.Precision = geo.PrecisionPoint, geo.PrecisionPoint
			b.Point = orb.Point{39.15, 35.95}
		}, false},
		{"200 km apart", func(a, b *geo.Event) { b.Point = orb.Point{36.8, 35.95} }, false},
		{"the same article", func(a, b *geo.Event) { b.Source.URL = a.Source.URL }, false},
		{"no source URL", func(a, b *geo.Event) { b.Source.URL = "" }, false},
		{"the same region", func(a, b *geo.Event) {
			a.Place.Precision, b.Place.Precision, b.Point = geo.PrecisionRegion, geo.PrecisionRegion, a.Point
		}, true},
		{"two regions", func(a, b *geo.Event) {
			a.Place.Precision, b.Place.Precision, b.Point, b.Place.ID = geo.PrecisionRegion, geo.PrecisionRegion, a.Point, 2
		}, false},
		{"a country", func(a, b *geo.Event) {
			a.Place.Precision, b.Place.Precision, b.Point = geo.PrecisionCountry, geo.PrecisionCountry, a.Point
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base()
			tc.change(a, b)
			m, same := rule.Same(a, b)
			if same != tc.same {
				t.Fatalf("same %v (%+v), want %v", same, m, tc.same)
			}
			if !same {
				return
			}
			if m.Rule != ingest.RuleSameHappening || m.Detail == "" {
				t.Errorf("merge %+v", m)
			}
			box, span, ok := rule.Window(b)
			if !ok || !box.Contains(a.Point) || a.Time.Before(span.Start) || a.Time.After(span.End) {
				t.Errorf("window %v %v (%v) misses a at %v %v", box, span, ok, a.Point, a.Time)
			}
		})
	}
	a, _ := base()
	a.Point = orb.Point{179.9, 10}
	if box, _, _ := rule.Window(a); !box.CrossesAntimeridian() || !box.Contains(orb.Point{-179.9, 10}) {
		t.Errorf("window at the antimeridian %v", box)
	}
}
