// Package newstest builds real geonews components for tests of the packages
// that sit above them (ingest, feeds): a temporary bbolt DB holding a few
// gazetteer places, its event store and an ingest service on both. Only
// tests import it.
package newstest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// Places are the gazetteer entries of a test DB; fixtures name them.
var Places = []*geo.Place{
	{Name: "Ar Raqqah", AlternateNames: []string{"Raqqa", "Raqa"}, Point: orb.Point{39.0167, 35.95},
		FeatureClass: "P", FeatureCode: "PPLA", Country: "SY", Admin1: "04", Population: 177000},
	{Name: "Syria", Point: orb.Point{38, 35}, FeatureClass: "A", FeatureCode: "PCLI", Country: "SY", Population: 17000000},
	{Name: "Kobani", AlternateNames: []string{"Kobane"}, Point: orb.Point{38.39, 36.89},
		FeatureClass: "P", FeatureCode: "PPL", Country: "SY", Population: 44000},
	{Name: "Homs", AlternateNames: []string{"Hims"}, Point: orb.Point{36.72, 34.73},
		FeatureClass: "P", FeatureCode: "PPLA", Country: "SY", Admin1: "11", Population: 775000},
	{Name: "Braga", Point: orb.Point{-8.42, 41.55}, FeatureClass: "P", FeatureCode: "PPLA", Country: "PT", Population: 121000},
}

// Env is a test DB with its components.
type Env struct {
	DB     *bolt.DB
	Gaz    *gazetteer.Gazetteer
	Store  *store.Store
	Parser *geoparse.Parser
	Ingest *ingest.Service
}

// MustOpen opens a fresh DB in a temporary folder holding Places; the DB is
// checked for consistency and closed when the test ends.
func MustOpen(tb testing.TB) *Env {
	tb.Helper()
	db := mustBolt(tb, filepath.Join(tb.TempDir(), "test.db"))
	g, err := gazetteer.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range Places {
		p := *p
		p.AlternateNames = append([]string(nil), p.AlternateNames...)
		p.Source = geo.SourceUser
		if err := g.CreatePlace(tb.Context(), &p); err != nil {
			tb.Fatal(err)
		}
	}
	return newEnv(tb, db, g)
}

// MustOpenCopy opens a copy of the DB file at path (a real gazetteer, for
// benchmarks), checked and closed as MustOpen's.
func MustOpenCopy(tb testing.TB, path string) *Env {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(tb.TempDir(), "copy.db")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	db := mustBolt(tb, dst)
	g, err := gazetteer.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	return newEnv(tb, db, g)
}

func mustBolt(tb testing.TB, path string) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			tb.Errorf("consistency check: %v", err)
		}
		db.Close()
	})
	return db
}

func newEnv(tb testing.TB, db *bolt.DB, g *gazetteer.Gazetteer) *Env {
	tb.Helper()
	s, err := store.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	p := geoparse.New(geoparse.FromGazetteer(g), geoparse.DefaultLanguage())
	return &Env{DB: db, Gaz: g, Store: s, Parser: p, Ingest: ingest.New(p, s)}
}
