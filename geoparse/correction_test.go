package geoparse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	bolt "go.etcd.io/bbolt"
)

// correctionGazetteer is a real gazetteer in a temporary bbolt file: the
// GeoNames sample (three Springfields in the US) and Natural Earth's
// countries.
func correctionGazetteer(t testing.TB) *gazetteer.Gazetteer {
	t.Helper()
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g, err := gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../gazetteer/testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := g.ImportGeoNames(ctx, f, gazetteer.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.ImportNaturalEarth(ctx, gazetteer.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestCorrections checks that a user's correction changes how a name
// resolves in later articles about the same country, at once, and nowhere
// else; and that forgetting it brings the old reading back.
func TestCorrections(t *testing.T) {
	ctx := context.Background()
	g := correctionGazetteer(t)
	p := New(FromGazetteer(g), nil)
	const (
		missouri = 4409896 // the most populous Springfield: the bare name's reading
		illinois = 4250542
	)
	aboutUS := "Police said a protest was held in Springfield in the United States on Monday."
	aboutFrance := "Police said a protest was held in Springfield, far from Paris, France, on Monday."
	bare := "Police said a protest was held in Springfield on Monday."
	place := func(text string) (int64, string) {
		t.Helper()
		ms, err := p.Parse(ctx, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Text == "Springfield" {
				if m.Place == nil {
					return 0, m.Reason
				}
				return m.Place.ID, m.Reason
			}
		}
		return -1, "" // not recognised
	}
	type want struct {
		text   string
		id     int64
		reason string // a part of the reason, "" for none to check
	}
	check := func(stage string, cases ...want) {
		t.Helper()
		for _, w := range cases {
			id, why := place(w.text)
			if id != w.id || !strings.Contains(why, w.reason) {
				t.Errorf("%s: %q → place %d (%s); want %d with %q", stage, w.text, id, why, w.id, w.reason)
			}
			if w.reason == "" && strings.Contains(why, "correction") {
				t.Errorf("%s: %q used a correction: %s", stage, w.text, why)
			}
		}
	}
	check("before", want{aboutUS, missouri, ""}, want{bare, missouri, ""})

	move := &gazetteer.Correction{Action: gazetteer.CorrectMove, Name: "Springfield", Country: "US", PlaceID: illinois}
	if err := g.AddCorrection(ctx, move); err != nil {
		t.Fatal(err)
	}
	// The same parser (caches and all) uses it at once, in articles about
	// the US only: a text about France, or one naming no other place,
	// reads Springfield as before.
	check("after moving", want{aboutUS, illinois, "a user's correction"}, want{bare, missouri, ""})
	if id, why := place(aboutFrance); strings.Contains(why, "correction") {
		t.Errorf("an article about France used the US correction: %d %s", id, why)
	}
	evs, _, err := p.Events(ctx, Article{Text: aboutUS, URL: "https://example.org/2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Place.ID != illinois {
		t.Errorf("events after moving: %+v", evs)
	}

	notPlace := &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "springfield", Country: "US"}
	if err := g.AddCorrection(ctx, notPlace); err != nil {
		t.Fatal(err)
	}
	check("not a place", want{aboutUS, -1, ""}, want{bare, missouri, ""})
	evs, _, err = p.Events(ctx, Article{Text: aboutUS})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs { // the protest may stand on the country, never on the name
		if e.Why != nil && e.Why.Mention.Text == "Springfield" {
			t.Errorf("an event on a name that is no place: %+v", e)
		}
	}

	for _, c := range []*gazetteer.Correction{notPlace, move} {
		if _, err := g.DeleteCorrection(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	check("undone", want{aboutUS, missouri, ""}, want{bare, missouri, ""})
}

// BenchmarkCorrections is the cost of corrections to a parse: none stored,
// one for another name (a map lookup per name), one that applies (the
// article's country worked out, the place read, the choices settled again).
func BenchmarkCorrections(b *testing.B) {
	ctx := context.Background()
	text := "Police said a protest was held in Springfield in the United States on Monday, and another in Paris, Texas."
	for _, tc := range []struct {
		name string
		rule *gazetteer.Correction
	}{
		{"none", nil},
		{"other name", &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "Welch", Country: "US"}},
		{"applies", &gazetteer.Correction{Action: gazetteer.CorrectMove, Name: "Springfield", Country: "US", PlaceID: 4250542}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := correctionGazetteer(b)
			if tc.rule != nil {
				if err := g.AddCorrection(ctx, tc.rule); err != nil {
					b.Fatal(err)
				}
			}
			p := New(FromGazetteer(g), nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(ctx, text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
