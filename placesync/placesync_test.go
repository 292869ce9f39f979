package placesync_test

import (
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/paulmach/orb"
)

// TestPlaceAddedAfterParse: a place added through node A is used by node
// B's geoparser within a second even when B had read the name before,
// as no place (its geoparser caches lookups across articles).
func TestPlaceAddedAfterParse(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	base := mustBase(t)
	a, b := mustNode(t, url, base), mustNode(t, url, base)
	const text = "Fighting broke out near Zorblatia on Tuesday, residents who fled the town said."
	located := func(n *node) bool {
		ms, err := n.parser.Parse(ctx, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Text == "Zorblatia" && m.Place != nil && m.Place.Point == (orb.Point{10.5, 20.5}) {
				return true
			}
		}
		return false
	}
	if located(b) {
		t.Fatal("Zorblatia is a place before anyone added it")
	}
	p := &geo.Place{Name: "Zorblatia", Point: orb.Point{10.5, 20.5}, FeatureClass: "P", FeatureCode: "PPL", Country: "TD", Population: 20000}
	if err := a.ov.CreatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if !located(a) {
		t.Error("node A does not use the place it added")
	}
	for deadline := time.Now().Add(time.Second); !located(b); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("node B does not use the place added through node A after a second")
		}
	}
	if err := b.ov.DeletePlace(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Second); located(a); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("node A still uses the place deleted through node B after a second")
		}
	}
}
