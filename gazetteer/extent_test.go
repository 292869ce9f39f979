package gazetteer_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

func TestPlaceExtent(t *testing.T) {
	g := MustOpenGazetteer(t)
	ctx := context.Background()
	if _, ok, err := g.PlaceExtent(ctx); err != nil || ok {
		t.Fatalf("empty gazetteer: ok %v, %v", ok, err)
	}
	st := MustImport(t, g, "sample.txt")
	box, ok, err := g.PlaceExtent(ctx)
	if err != nil || !ok {
		t.Fatalf("after import of %d rows: ok %v, %v", st.Rows, ok, err)
	}
	// Every place lies in the box, and the box is no larger than they are.
	page, err := g.FindPlaces(ctx, geo.PlaceFilter{Limit: geo.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	want := geo.BBox{West: 180, South: 90, East: -180, North: -90}
	for _, p := range page.Places {
		want.West, want.East = min(want.West, p.Point[0]), max(want.East, p.Point[0])
		want.South, want.North = min(want.South, p.Point[1]), max(want.North, p.Point[1])
	}
	if box != want {
		t.Errorf("extent %+v, want %+v", box, want)
	}
	// A write is seen at once; deleting the outlier shrinks the box back.
	p := &geo.Place{Name: "Far South", Point: orb.Point{-70, -85}, FeatureClass: "P", FeatureCode: "PPL", Source: geo.SourceUser}
	if err := g.CreatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if box, _, _ := g.PlaceExtent(ctx); box.South != -85 || box.West != min(want.West, -70) {
		t.Errorf("after adding a place: %+v", box)
	}
	if err := g.DeletePlace(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if box, _, _ := g.PlaceExtent(ctx); box != want {
		t.Errorf("after deleting it: %+v, want %+v", box, want)
	}
}

// BenchmarkPlaceExtent walks the full gazetteer of data/geonews.db (make
// setup builds it), as the first /collections after start does.
func BenchmarkPlaceExtent(b *testing.B) {
	src, err := os.Open("../data/geonews.db")
	if err != nil {
		b.Skip("data/geonews.db is absent (make setup builds it)")
	}
	defer src.Close()
	path := filepath.Join(b.TempDir(), "g.db")
	dst, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	dst.Close()
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		g, err := gazetteer.Open(db) // a new one: nothing cached
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := g.PlaceExtent(context.Background()); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
