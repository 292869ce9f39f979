package gazetteer_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	bolt "go.etcd.io/bbolt"
)

func TestCorrections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	MustImport(t, g, "sample.txt")

	if _, ok := g.CorrectionFor("Springfield", "US"); ok {
		t.Fatal("a correction before any was made")
	}
	move := &gazetteer.Correction{Action: gazetteer.CorrectMove, Name: "Springfield", Country: "us", PlaceID: 4250542,
		EventID: "e1", URL: "https://example.org/1", FromPlaceID: 4409896}
	if err := g.AddCorrection(ctx, move); err != nil {
		t.Fatal(err)
	}
	if move.ID == 0 || move.Country != "US" || move.Created.IsZero() {
		t.Errorf("stored correction %+v: no id, country not upper-cased or no time", move)
	}
	// Used at once, by the name's strict key, in its country only.
	for _, tc := range []struct {
		name, country string
		want          bool
	}{{"Springfield", "US", true}, {"SPRINGFIELD", "US", true}, {"springfield ", "US", true},
		{"Springfield", "GB", false}, {"Springfield", "", false}, {"Springfeld", "US", false}} {
		c, ok := g.CorrectionFor(tc.name, tc.country)
		if ok != tc.want || ok && c.PlaceID != 4250542 {
			t.Errorf("CorrectionFor(%q, %q) = %+v, %v; want found %v", tc.name, tc.country, c, ok, tc.want)
		}
	}
	if !g.HasCorrections("springfield") || g.HasCorrections("Paris") {
		t.Error("HasCorrections is wrong")
	}
	// The newest correction of a name in a country wins.
	notPlace := &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "Springfield", Country: "US", PlaceID: 5}
	if err := g.AddCorrection(ctx, notPlace); err != nil {
		t.Fatal(err)
	}
	if c, _ := g.CorrectionFor("Springfield", "US"); c.ID != notPlace.ID || c.PlaceID != 0 {
		t.Errorf("newest correction %+v; want %d, not a place", c, notPlace.ID)
	}
	if err := g.SetCorrectionAfter(ctx, move.ID, time.Unix(100, 0)); err != nil {
		t.Fatal(err)
	}

	// Bad input is refused and stores nothing.
	for _, bad := range []gazetteer.Correction{
		{Action: "rename", Name: "X", Country: "US"},
		{Action: gazetteer.CorrectMove, Name: "X", Country: "US"},
		{Action: gazetteer.CorrectMove, Name: "X", Country: "US", PlaceID: 999},
		{Action: gazetteer.CorrectNotPlace, Name: "", Country: "US"},
		{Action: gazetteer.CorrectNotPlace, Name: "!!!", Country: "US"},
		{Action: gazetteer.CorrectNotPlace, Name: "X", Country: "USA"},
		{Action: gazetteer.CorrectNotPlace, Name: "X\u202e", Country: "US"},
	} {
		if err := g.AddCorrection(ctx, &bad); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("AddCorrection(%+v) = %v; want EINVALID", bad, err)
		}
	}
	if all, err := g.Corrections(ctx); err != nil || len(all) != 2 {
		t.Fatalf("Corrections = %d, %v; want 2", len(all), err)
	}

	// Rules outlive a restart: Open loads them.
	db.Close()
	db, err = bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err = gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Correction(ctx, move.ID)
	if err != nil || got.URL != move.URL || got.FromPlaceID != 4409896 || !got.After.Equal(time.Unix(100, 0)) {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
	// Undoing the newest brings the older back; undoing both, nothing.
	if _, err := g.DeleteCorrection(ctx, notPlace.ID); err != nil {
		t.Fatal(err)
	}
	if c, ok := g.CorrectionFor("Springfield", "US"); !ok || c.ID != move.ID {
		t.Errorf("after undoing the newest: %+v, %v", c, ok)
	}
	if _, err := g.DeleteCorrection(ctx, move.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.CorrectionFor("Springfield", "US"); ok {
		t.Error("a correction left after undoing all")
	}
	if _, err := g.DeleteCorrection(ctx, move.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("deleting twice: %v; want ENOTFOUND", err)
	}
	if _, err := g.Correction(ctx, 0); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("Correction(0): %v", err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Errorf("bbolt check: %v", err)
	}
}

// BenchmarkCorrectionFor is the geoparser's cost per name when rules exist
// (one name with rules among many without).
func BenchmarkCorrectionFor(b *testing.B) {
	g := MustOpenGazetteer(b)
	MustImport(b, g, "sample.txt")
	if err := g.AddCorrection(context.Background(), &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "Welch", Country: "US"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.CorrectionFor("Springfield", "US")
	}
}
