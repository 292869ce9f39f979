package gazetteer

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/geonews/geonews/seeds"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// TestIndexMatchesPlaces: after a build, a refresh, user writes and a
// rebuild, the packed name and cell indexes hold exactly the rows the place
// records imply, the count is the number of records, and the three buckets
// are packed (fewer bbolt entries than rows).
func TestIndexMatchesPlaces(t *testing.T) {
	t.Run("default transactions", testIndexMatchesPlaces)
	t.Run("tiny transactions", func(t *testing.T) {
		// Every few rows a commit or a boltpack Put: blocks end early, and
		// in a refresh each Put merges into blocks an earlier one wrote.
		defer func(saved struct{ fill, change, put int }) { indexRows = saved }(indexRows)
		indexRows.fill, indexRows.change, indexRows.put = 97, 31, 7
		testIndexMatchesPlaces(t)
	})
}

func testIndexMatchesPlaces(t *testing.T) {
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	opt := func(file string) BuildOptions {
		return BuildOptions{GeoNamesPath: filepath.Join("testdata", file), SeedPlaces: seeds.Places, SeedAliases: seeds.Aliases, SeedCountry: seeds.Countries}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"build", func() error { _, err := g.Build(ctx, opt("sample.txt")); return err }},
		{"refresh", func() error { _, err := g.Build(ctx, opt("malformed.txt")); return err }},
		{"user writes", func() error {
			p := &geo.Place{Name: "Camp Zeta", AlternateNames: []string{"Zeta Camp", "Zeta"}, Point: orb.Point{40.1, 35.2}}
			if err := g.CreatePlace(ctx, p); err != nil {
				return err
			}
			paris, err := g.Place(ctx, 2988507)
			if err != nil {
				return err
			}
			paris.AlternateNames = append(paris.AlternateNames[:1], "Ville Lumière")
			if err := g.UpdatePlace(ctx, paris); err != nil {
				return err
			}
			return g.DeletePlace(ctx, 172955)
		}},
		{"rebuild", func() error { return g.RebuildIndex(ctx) }},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		err := db.View(func(tx *bolt.Tx) error {
			var names, cells []boltpack.Entry
			n := 0
			c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
			for k, v := c.First(); k != nil; k, v = c.Next() {
				p, err := decodePlace(btoi(k), v)
				if err != nil {
					return err
				}
				n++
				names = append(names, indexEntries(p)...)
				cells = append(cells, boltpack.Entry{Key: cellKey(p.Point[1], p.Point[0], p.ID), Value: []byte{}})
			}
			if c.Err() != nil {
				return c.Err()
			}
			if count, _ := g.Count(ctx); count != n {
				t.Errorf("%s: count %d, %d places stored", step.name, count, n)
			}
			if keys := tx.Bucket(bucketPlaces).Stats().KeyN; keys >= n {
				t.Errorf("%s: places has %d bbolt entries for %d places: not packed", step.name, keys, n)
			}
			for _, want := range []struct {
				bucket []byte
				rows   []boltpack.Entry
			}{{bucketNames, names}, {bucketCells, cells}} {
				slices.SortFunc(want.rows, func(a, b boltpack.Entry) int { return bytes.Compare(a.Key, b.Key) })
				b := tx.Bucket(want.bucket)
				var got []boltpack.Entry
				pc := boltpack.NewCursor(b)
				for k, v := pc.First(); k != nil; k, v = pc.Next() {
					got = append(got, boltpack.Entry{Key: slices.Clone(k), Value: append([]byte{}, v...)})
				}
				if pc.Err() != nil {
					return pc.Err()
				}
				if !slices.EqualFunc(got, want.rows, func(a, b boltpack.Entry) bool {
					return bytes.Equal(a.Key, b.Key) && bytes.Equal(a.Value, b.Value)
				}) {
					t.Errorf("%s: %s holds %d rows, not the %d its places imply", step.name, want.bucket, len(got), len(want.rows))
				}
				if n := b.Stats().KeyN; n >= len(got) {
					t.Errorf("%s: %s has %d bbolt entries for %d rows: not packed", step.name, want.bucket, n, len(got))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
}
