package gazetteer_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// MustOpenGazetteer opens a gazetteer in a new bbolt file and, at cleanup,
// runs bbolt's consistency check before closing it.
func MustOpenGazetteer(tb testing.TB) *gazetteer.Gazetteer {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "g.db"), 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := gazetteer.Open(db)
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
			tb.Errorf("bbolt check: %v", err)
		}
		db.Close()
	})
	return g
}

// MustImport imports a GeoNames-format file from testdata.
func MustImport(tb testing.TB, g *gazetteer.Gazetteer, name string) gazetteer.ImportStats {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := g.ImportGeoNames(context.Background(), f, gazetteer.ImportOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func best(t *testing.T, g *gazetteer.Gazetteer, name string, h gazetteer.Hints) gazetteer.Candidate {
	t.Helper()
	cands, err := g.Resolve(context.Background(), name, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) == 0 {
		t.Fatalf("Resolve(%q) found nothing", name)
	}
	return cands[0]
}

func TestResolve(t *testing.T) {
	g := MustOpenGazetteer(t)
	MustImport(t, g, "sample.txt")
	nearTexas := orb.Point{-96.8, 32.78} // Dallas
	syria := geo.BBox{West: 35.7, South: 32.3, East: 42.4, North: 37.3}
	for _, tc := range []struct {
		name   string
		query  string
		hints  gazetteer.Hints
		wantID int64
		match  string
	}{
		{"capital before namesakes", "Paris", gazetteer.Hints{}, 2988507, "exact"},
		{"near point overrides fame", "Paris", gazetteer.Hints{Near: &nearTexas}, 4717560, "exact"},
		{"country hint overrides fame", "Paris", gazetteer.Hints{Country: "US"}, 4717560, "exact"},
		{"admin1 hint picks the state", "Paris", gazetteer.Hints{Country: "US", Admin1: "TN"}, 4647963, "exact"},
		{"most populous in the country", "Springfield", gazetteer.Hints{Country: "us"}, 4409896, "exact"},
		{"bbox hint", "Damascus", gazetteer.Hints{BBox: &geo.BBox{West: -125, South: 42, East: -116, North: 47}}, 5722088, "exact"},
		{"alternate name", "Raqqa", gazetteer.Hints{}, 172955, "exact"},
		{"non-Latin alternate name", "الرقة", gazetteer.Hints{}, 172955, "exact"},
		{"loose: doubled letters and final h", "Raqa", gazetteer.Hints{}, 172955, "loose"},
		{"loose: fused article", "Deir Ezzor", gazetteer.Hints{BBox: &syria}, 170794, "loose"},
		{"case, punctuation and spacing", "  DEIR   EZ-ZOR ", gazetteer.Hints{}, 170794, "exact"},
		{"capital", "Washington", gazetteer.Hints{}, 4140963, "exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := best(t, g, tc.query, tc.hints)
			if got, want := c.Place.ID, tc.wantID; got != want {
				t.Errorf("Resolve(%q) = %d %s (%s), want %d", tc.query, got, c.Place.Name, c.Reason, want)
			}
			if got, want := c.Match, tc.match; got != want {
				t.Errorf("Resolve(%q) match = %q, want %q", tc.query, got, want)
			}
			if c.Reason == "" || c.Score <= 0 {
				t.Errorf("Resolve(%q) has score %v and reason %q", tc.query, c.Score, c.Reason)
			}
		})
	}
	if cands, err := g.Resolve(context.Background(), "Atlantis", gazetteer.Hints{}); err != nil || len(cands) != 0 {
		t.Errorf("Resolve(Atlantis) = %v, %v; want nothing", cands, err)
	}
	if cands, err := g.Resolve(context.Background(), " - ", gazetteer.Hints{}); err != nil || len(cands) != 0 {
		t.Errorf("Resolve of punctuation = %v, %v; want nothing", cands, err)
	}
	// Ranked: every candidate's score is at most the one before it.
	cands, _ := g.Resolve(context.Background(), "Paris", gazetteer.Hints{Limit: 10})
	if len(cands) != 3 {
		t.Fatalf("Resolve(Paris) gave %d candidates, want 3", len(cands))
	}
	for i := 1; i < len(cands); i++ {
		if cands[i].Score > cands[i-1].Score {
			t.Errorf("candidate %d scores %v above candidate %d's %v", i, cands[i].Score, i-1, cands[i-1].Score)
		}
	}
	if r := best(t, g, "Paris", gazetteer.Hints{Near: &nearTexas}).Reason; !strings.Contains(r, "km from the hinted point") {
		t.Errorf("reason %q does not name the near hint", r)
	}
}

func TestPlaceLifecycle(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	MustImport(t, g, "sample.txt")
	if !g.HasKey("paris") || g.HasKey("atlantis") {
		t.Fatal("HasKey before any write is wrong")
	}
	p := &geo.Place{Name: "Camp Zeta", AlternateNames: []string{"Zeta Camp"}, Point: orb.Point{40.1, 35.2}, FeatureClass: "S", FeatureCode: "CMP", Country: "sy"}
	if err := g.CreatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ID < 40_000_000_000 || p.Source != geo.SourceUser || p.Country != "SY" {
		t.Errorf("created place = %+v, want a user id, source and upper-case country", p)
	}
	// Usable at once: by Resolve and by the in-memory key set.
	if c := best(t, g, "zeta camp", gazetteer.Hints{}); c.Place.ID != p.ID {
		t.Errorf("new place does not resolve: got %d", c.Place.ID)
	}
	if !g.HasKey(gazetteer.Normalize("Camp Zeta")) {
		t.Error("HasKey does not see the new place")
	}
	p.Name = "Camp Eta"
	p.AlternateNames = nil
	if err := g.UpdatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if cands, _ := g.Resolve(ctx, "Zeta Camp", gazetteer.Hints{}); len(cands) != 0 {
		t.Errorf("old name still resolves after edit: %v", cands[0].Place)
	}
	if c := best(t, g, "Camp Eta", gazetteer.Hints{}); c.Place.ID != p.ID {
		t.Errorf("edited name does not resolve")
	}
	if err := g.DeletePlace(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Place(ctx, p.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("Place after delete: err = %v, want ENOTFOUND", err)
	}
	if err := g.DeletePlace(ctx, p.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("second delete: err = %v, want ENOTFOUND", err)
	}
	if err := g.UpdatePlace(ctx, &geo.Place{ID: 12345, Name: "X"}); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("update of a missing place: err = %v, want ENOTFOUND", err)
	}
	if err := g.CreatePlace(ctx, &geo.Place{ID: 2988507, Name: "Paris again"}); geo.ErrorCode(err) != geo.ECONFLICT {
		t.Errorf("create over an existing id: err = %v, want ECONFLICT", err)
	}
	if n, _ := g.Count(ctx); n != 11 {
		t.Errorf("Count = %d, want 11", n)
	}
}

func TestCreatePlaceInvalid(t *testing.T) {
	g := MustOpenGazetteer(t)
	for _, tc := range []struct {
		name string
		p    geo.Place
		want string
	}{
		{"empty name", geo.Place{Name: "  ", Point: orb.Point{1, 1}}, "name is empty"},
		{"latitude 91", geo.Place{Name: "X", Point: orb.Point{1, 91}}, "latitude 91"},
		{"longitude -181", geo.Place{Name: "X", Point: orb.Point{-181, 1}}, "longitude -181"},
		{"bad country", geo.Place{Name: "X", Country: "Syria"}, "not an ISO"},
		{"negative population", geo.Place{Name: "X", Population: -1}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := g.CreatePlace(context.Background(), &tc.p)
			if geo.ErrorCode(err) != geo.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, tc.want)
			}
		})
	}
	if n, _ := g.Count(context.Background()); n != 0 {
		t.Errorf("Count = %d after refused creates, want 0", n)
	}
}

// TestImportPolicy: malformed rows are skipped and named by line; the
// other rows are stored; re-importing changes nothing; user edits and
// deletions survive re-imports.
func TestImportPolicy(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	var warnings []string
	f, _ := os.Open("testdata/malformed.txt")
	st, err := g.ImportGeoNames(ctx, f, gazetteer.ImportOptions{Warn: func(line int, msg string) {
		warnings = append(warnings, strings.Join([]string{itoa(line), msg}, ": "))
	}})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st, (gazetteer.ImportStats{Rows: 5, Written: 2, Bad: 3}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	wantLines := []string{"2: ", "3: latitude", "4: latitude 95.83758"}
	if len(warnings) != len(wantLines) {
		t.Fatalf("warnings = %q, want %d", warnings, len(wantLines))
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(warnings[i], w) {
			t.Errorf("warning %d = %q, want prefix %q", i, warnings[i], w)
		}
	}
	if c := best(t, g, "Kobane", gazetteer.Hints{}); c.Place.ID != 172256 {
		t.Errorf("Kobane = %d", c.Place.ID)
	}

	st = MustImport(t, g, "sample.txt")
	if st.Written != 11 {
		t.Fatalf("first sample import wrote %d, want 11", st.Written)
	}
	// A user edit and a user deletion of imported places.
	p, _ := g.Place(ctx, 4717560)
	p.AlternateNames = append(p.AlternateNames, "Paris of Texas")
	if err := g.UpdatePlace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := g.DeletePlace(ctx, 4647963); err != nil {
		t.Fatal(err)
	}
	st = MustImport(t, g, "sample.txt")
	if got, want := st, (gazetteer.ImportStats{Rows: 11, Unchanged: 9, Kept: 2}); got != want {
		t.Errorf("re-import stats = %+v, want %+v", got, want)
	}
	if c := best(t, g, "Paris of Texas", gazetteer.Hints{}); c.Place.ID != 4717560 || c.Place.Source != geo.SourceUser {
		t.Errorf("user edit lost: %+v", c.Place)
	}
	if _, err := g.Place(ctx, 4647963); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("user deletion undone by re-import: err = %v", err)
	}
	if n, _ := g.Count(ctx); n != 12 {
		t.Errorf("Count = %d, want 12", n)
	}
}

func TestImportAlternateNamesAndAdmin1(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	MustImport(t, g, "sample.txt")
	alt := "1\t172955\ten\tRaqqa City\t1\t\t\t\t\t\n2\t172955\tlink\thttps://en.wikipedia.org/wiki/Raqqa\t\t\t\t\t\t\n3\t999999999\ten\tNowhere\t\t\t\t\t\t\nbad row\n"
	st, err := g.ImportAlternateNames(ctx, strings.NewReader(alt), gazetteer.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 1 || st.Bad != 1 {
		t.Errorf("alternate names stats = %+v, want 1 written, 1 bad", st)
	}
	if c := best(t, g, "Raqqa City", gazetteer.Hints{}); c.Place.ID != 172955 {
		t.Errorf("imported alternate name does not resolve")
	}
	if cands, _ := g.Resolve(ctx, "https://en.wikipedia.org/wiki/Raqqa", gazetteer.Hints{}); len(cands) != 0 {
		t.Errorf("a link was imported as a name")
	}
	if st, _ = g.ImportAlternateNames(ctx, strings.NewReader(alt), gazetteer.ImportOptions{}); st.Written != 0 {
		t.Errorf("re-import of alternate names wrote %d", st.Written)
	}
	if _, err := g.ImportAdmin1(ctx, strings.NewReader("SY.04\tAr-Raqqah\tAr-Raqqah\t172957\n"), gazetteer.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := g.Admin1Name("SY", "04"); got != "Ar-Raqqah" {
		t.Errorf("Admin1Name = %q", got)
	}
}

// TestImportLarge imports enough rows, in small batches, to make the
// deferred index spill and merge, and checks every row resolves.
func TestImportLarge(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	var b strings.Builder
	const n = 3000
	for i := 1; i <= n; i++ {
		b.WriteString(itoa(i) + "\tTown " + itoa(i) + "\tTown " + itoa(i) + "\tBourg " + itoa(i) + "\t10\t20\tP\tPPL\tFR\t\t11\t\t\t\t" + itoa(i) + "\t\t\t\t2024-01-01\n")
	}
	st, err := g.ImportGeoNames(ctx, strings.NewReader(b.String()), gazetteer.ImportOptions{BatchSize: 128})
	if err != nil || st.Written != n {
		t.Fatalf("import = %+v, %v", st, err)
	}
	for _, i := range []int{1, 777, n} {
		if c := best(t, g, "bourg "+itoa(i), gazetteer.Hints{}); c.Place.ID != int64(i) {
			t.Errorf("Bourg %d resolves to %d", i, c.Place.ID)
		}
	}
	if !g.IndexCurrent() {
		t.Error("index not current after import")
	}
	if err := g.RebuildIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if c := best(t, g, "Town 42", gazetteer.Hints{}); c.Place.ID != 42 {
		t.Errorf("after rebuild Town 42 resolves to %d", c.Place.ID)
	}
	if n2, _ := g.Count(ctx); n2 != n {
		t.Errorf("Count after rebuild = %d, want %d", n2, n)
	}
}

func TestFindPlaces(t *testing.T) {
	ctx := context.Background()
	g := MustOpenGazetteer(t)
	MustImport(t, g, "sample.txt")
	usa := geo.BBox{West: -125, South: 24, East: -66, North: 50}
	for _, tc := range []struct {
		name string
		f    geo.PlaceFilter
		want []int64
	}{
		{"q with normalisation", geo.PlaceFilter{Q: "raqa"}, []int64{172955}},
		{"q and bbox", geo.PlaceFilter{Q: "paris", BBox: &usa}, []int64{4717560, 4647963}},
		{"bbox only", geo.PlaceFilter{BBox: &geo.BBox{West: 35, South: 33, East: 41, North: 37}}, []int64{170654, 170794, 172955}},
		{"antimeridian bbox", geo.PlaceFilter{BBox: &geo.BBox{West: 170, South: -10, East: -170, North: 10}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := g.FindPlaces(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range page.Places {
				got = append(got, p.ID)
			}
			if !sameSet(got, tc.want) {
				t.Errorf("ids = %v, want %v", got, tc.want)
			}
		})
	}
	// Paging through everything visits each place once.
	seen := map[int64]bool{}
	f := geo.PlaceFilter{Limit: 4}
	for pages := 0; ; pages++ {
		page, err := g.FindPlaces(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if page.NumberMatched != 11 {
			t.Errorf("NumberMatched = %d, want 11", page.NumberMatched)
		}
		for _, p := range page.Places {
			if seen[p.ID] {
				t.Errorf("place %d on two pages", p.ID)
			}
			seen[p.ID] = true
		}
		if page.Next == "" || pages > 10 {
			break
		}
		f.Cursor = page.Next
	}
	if len(seen) != 11 {
		t.Errorf("paging saw %d places, want 11", len(seen))
	}
	if _, err := g.FindPlaces(ctx, geo.PlaceFilter{Cursor: "garbage"}); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("bad cursor: err = %v, want EINVALID", err)
	}
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int64]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }
