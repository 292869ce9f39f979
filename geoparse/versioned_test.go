package geoparse_test

import (
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/newstest"
	"github.com/paulmach/orb"
)

// TestGazetteerEditsReadAtOnce: the parser caches its lookups, yet a place
// added, moved or deleted in the gazetteer is read as such by the next
// article, after the name was looked up (and cached) before each edit.
func TestGazetteerEditsReadAtOnce(t *testing.T) {
	env := newstest.MustOpen(t)
	ctx := t.Context()
	const text = "Fighting broke out near Quorvash on Tuesday, residents who fled the city said."
	at := func() *orb.Point {
		t.Helper()
		ms, err := env.Parser.Parse(ctx, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Text == "Quorvash" && m.Place != nil {
				return &m.Place.Point
			}
		}
		return nil
	}
	if p := at(); p != nil {
		t.Fatalf("Quorvash found at %v before it was added", *p)
	}
	q := &geo.Place{Name: "Quorvash", Point: orb.Point{21.25, 14.5}, FeatureClass: "P", FeatureCode: "PPL", Country: "TD", Source: geo.SourceUser}
	if err := env.Gaz.CreatePlace(ctx, q); err != nil {
		t.Fatal(err)
	}
	if p := at(); p == nil || *p != q.Point {
		t.Fatalf("added: Quorvash at %v, want %v", p, q.Point)
	}
	q.Point = orb.Point{21.25, 15}
	if err := env.Gaz.UpdatePlace(ctx, q); err != nil {
		t.Fatal(err)
	}
	if p := at(); p == nil || *p != q.Point {
		t.Fatalf("moved: Quorvash at %v, want %v", p, q.Point)
	}
	if err := env.Gaz.DeletePlace(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if p := at(); p != nil {
		t.Fatalf("deleted: Quorvash still at %v", *p)
	}
}
