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

// TestFindAddedPlaces: a place added on PostgreSQL is listed as the file's
// are, on every node: by name (the map's search), in a box and in the
// whole list (the places layer), and no longer once deleted; the page
// keeps its limit.
func TestFindAddedPlaces(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	base := mustBase(t)
	a, b := mustNode(t, url, base), mustNode(t, url, base)
	p := &geo.Place{Name: "Zorblatia", Point: orb.Point{10.5, 20.5}, FeatureClass: "P", FeatureCode: "PPL", Country: "TD", Population: 20000}
	if err := a.ov.CreatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	box := &geo.BBox{West: 10, South: 20, East: 11, North: 21}
	world := &geo.BBox{West: -180, South: -90, East: 180, North: 90}
	filters := map[string]geo.PlaceFilter{
		"by name":      {Q: "Zorblatia", Limit: 10},
		"in its box":   {BBox: box, Limit: 10},
		"in the world": {BBox: world, Limit: 3},
		"every place":  {Limit: 3},
		"name, in box": {Q: "zorblatia", BBox: box, Limit: 10},
	}
	listed := func(n *node, f geo.PlaceFilter) bool {
		t.Helper()
		page, err := n.ov.FindPlaces(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Places) > f.Limit {
			t.Errorf("%+v: %d places, over the limit", f, len(page.Places))
		}
		for _, q := range page.Places {
			if q.ID == p.ID {
				return true
			}
		}
		return false
	}
	for name, f := range filters {
		for deadline := time.Now().Add(time.Second); !listed(b, f); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: node B does not list the place added through node A", name)
			}
		}
		if !listed(a, f) {
			t.Errorf("%s: node A does not list the place it added", name)
		}
	}
	if listed(a, geo.PlaceFilter{BBox: &geo.BBox{West: 50, South: 20, East: 51, North: 21}, Limit: 10}) {
		t.Error("the place is listed in a box it is not in")
	}
	if err := a.ov.DeletePlace(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	for name, f := range filters {
		if listed(a, f) {
			t.Errorf("%s: a deleted place is still listed", name)
		}
	}
}
