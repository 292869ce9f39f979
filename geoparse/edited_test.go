package geoparse

import (
	"context"
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// TestEditedGazetteer: a parser caches lookups across articles, yet a place
// added after it read the name as no place counts from the next article,
// and a deleted one stops counting.
func TestEditedGazetteer(t *testing.T) {
	ctx := context.Background()
	g := correctionGazetteer(t)
	p := New(FromGazetteer(g), nil)
	const text = "Fighting broke out near Zorblatia on Tuesday, residents who fled the town said."
	located := func() bool {
		t.Helper()
		ms, err := p.Parse(ctx, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Text == "Zorblatia" && m.Place != nil {
				return true
			}
		}
		return false
	}
	if located() {
		t.Fatal("Zorblatia is a place before anyone added it")
	}
	z := &geo.Place{Name: "Zorblatia", Point: orb.Point{10.5, 20.5}, FeatureClass: "P", FeatureCode: "PPL", Country: "TD",
		Population: 20000, Source: geo.SourceUser}
	if err := g.CreatePlace(ctx, z); err != nil {
		t.Fatal(err)
	}
	if !located() {
		t.Error("a place added after the parser read its name is not used")
	}
	if err := g.DeletePlace(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	if located() {
		t.Error("a deleted place is still used")
	}
}
