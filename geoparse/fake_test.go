package geoparse

import (
	"bufio"
	"context"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	"golang.org/x/text/unicode/norm"
)

// fakeGazetteer is an in-memory gazetteer for tests, scored in the shape of
// the real one (match quality + population/feature prior + country hint).
type fakeGazetteer struct {
	places []*geo.Place
	names  map[string][]int // key → place indexes
}

var _ Gazetteer = (*fakeGazetteer)(nil)

// fakeKey folds case, marks and punctuation, enough for the test data.
func fakeKey(s string) string {
	var b strings.Builder
	sp := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == '‘':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if sp && b.Len() > 0 {
				b.WriteByte(' ')
			}
			sp = false
			b.WriteRune(unicode.ToLower(r))
		default:
			sp = true
		}
	}
	return b.String()
}

func (f *fakeGazetteer) add(p *geo.Place) {
	i := len(f.places)
	f.places = append(f.places, p)
	seen := map[string]bool{}
	for _, n := range append([]string{p.Name}, p.AlternateNames...) {
		k := fakeKey(n)
		if k != "" && !seen[k] {
			seen[k] = true
			f.names[k] = append(f.names[k], i)
		}
	}
}

func (f *fakeGazetteer) HasName(name string) bool { return len(f.names[fakeKey(name)]) > 0 }

func (f *fakeGazetteer) Resolve(ctx context.Context, name string, h Hints) ([]Candidate, error) {
	var out []Candidate
	for _, i := range f.names[fakeKey(name)] {
		p := f.places[i]
		prior := 0.12 * math.Log10(1+float64(p.Population))
		switch {
		case strings.HasPrefix(p.FeatureCode, "PCL"):
			prior += 1
		case p.FeatureCode == "PPLC":
			prior += 0.5
		case p.FeatureCode == "ADM1", p.FeatureCode == "CONT", p.FeatureCode == "RGN":
			prior += 0.35
		case p.FeatureCode == "PPLA":
			prior += 0.25
		}
		s := 0.9 + prior
		if fakeKey(p.Name) == fakeKey(name) {
			s = 1 + prior
		}
		if h.Country != "" && p.Country == h.Country {
			s += 1.5
		}
		out = append(out, Candidate{Place: p, Score: s, Prior: prior, Match: "exact", Form: name, Reason: "fake"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if h.Limit > 0 && len(out) > h.Limit {
		out = out[:h.Limit]
	}
	return out, nil
}

// loadFake reads a gazetteer in the tab-separated shape of testdata/places.tsv.
func loadFake(tb testing.TB, path string) *fakeGazetteer {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	g := &fakeGazetteer{names: map[string][]int{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 10 {
			tb.Fatalf("%s: bad line %q", path, line)
		}
		id, _ := strconv.ParseInt(c[0], 10, 64)
		lat, _ := strconv.ParseFloat(c[3], 64)
		lon, _ := strconv.ParseFloat(c[4], 64)
		pop, _ := strconv.ParseInt(c[9], 10, 64)
		var alts []string
		if c[2] != "" {
			alts = strings.Split(c[2], ";")
		}
		g.add(&geo.Place{ID: id, Name: c[1], AlternateNames: alts, Point: orb.Point{lon, lat},
			FeatureClass: c[5], FeatureCode: c[6], Country: strings.Trim(c[7], "-"), Admin1: c[8],
			Population: pop, Source: geo.SourceSeed})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return g
}

// MustParser returns a parser over the test gazetteer.
func MustParser(tb testing.TB) *Parser {
	tb.Helper()
	return New(loadFake(tb, "testdata/places.tsv"), nil)
}
