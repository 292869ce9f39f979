package geoparse

import (
	"bytes"
	"context"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/linear"
	"github.com/geonews/geonews/seeds"
	"github.com/paulmach/orb"
)

// classifyParser is a parser over a handful of places, enough for the
// invented sentences below.
func classifyParser(tb testing.TB) *Parser {
	tb.Helper()
	g := &fakeGazetteer{names: map[string][]int{}}
	for _, p := range []*geo.Place{
		{ID: 1, Name: "Moscow", Point: orb.Point{37.62, 55.75}, FeatureClass: "P", FeatureCode: "PPLC", Country: "RU", Population: 10381222},
		{ID: 2, Name: "Syria", Point: orb.Point{38, 35}, FeatureClass: "A", FeatureCode: "PCLI", Country: "SY", Population: 22198110},
		{ID: 3, Name: "Chicago", Point: orb.Point{-87.65, 41.85}, FeatureClass: "P", FeatureCode: "PPLA2", Country: "US", Population: 2720546},
		{ID: 4, Name: "Paris", Point: orb.Point{2.35, 48.85}, FeatureClass: "P", FeatureCode: "PPLC", Country: "FR", Population: 2138551},
		{ID: 5, Name: "Russia", Point: orb.Point{100, 60}, FeatureClass: "A", FeatureCode: "PCLI", Country: "RU", Population: 140702000},
	} {
		p.Source = geo.SourceSeed
		g.add(p)
	}
	return New(g, nil)
}

// featuresOf returns the features of the mention whose text is name.
func featuresOf(t *testing.T, p *Parser, text, name string) []string {
	t.Helper()
	ms, fs, err := p.MentionFeatures(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Text == name {
			return fs[i]
		}
	}
	t.Fatalf("%q: no mention %q among %v", text, name, ms)
	return nil
}

func TestFeatures(t *testing.T) {
	p := classifyParser(t)
	for _, tc := range []struct {
		name, text, mention string
		want, not           []string
	}{
		{"speaker", "Moscow said on Monday that the talks would resume.", "Moscow",
			[]string{"next=said", "speech=1", "initial=1", "class=capital"}, []string{"cue=in"}},
		{"speaker past an auxiliary", "Officials agree that Moscow has denied it.", "Moscow",
			[]string{"next=has", "verb=denied"}, nil},
		{"where it happened", "A bomb exploded in Moscow on Monday.", "Moscow",
			[]string{"cue=in", "prev=in", "next=on"}, []string{"speech=1", "initial=1"}},
		{"modifier of an actor", "The Syrian army entered the town.", "Syrian",
			[]string{"kind=demonym", "next=army", "actor=1", "class=country"}, nil},
		{"possessive", "They feared Russia's bombardment of the town.", "Russia",
			[]string{"poss=1", "next=bombardment"}, nil},
		{"inside an organisation", "Officers of the Paris Police Department came.", "Paris",
			[]string{"nextcap=1", "nextorg=1", "next=police"}, nil},
		{"after X of", "She studied at the University of Chicago last year.", "Chicago",
			[]string{"prev=of", "ofcap=1", "oforg=1"}, []string{"residence=1"}},
		{"residence", "Jane Roe, of Chicago, was hurt.", "Chicago",
			[]string{"residence=1"}, []string{"ofcap=1"}},
		{"hyphen modifier", "A Syria-based group claimed it.", "Syria",
			[]string{"mod=1", "next=based"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := featuresOf(t, p, tc.text, tc.mention)
			for _, f := range tc.want {
				if !slices.Contains(fs, f) {
					t.Errorf("%q lacks %s: %v", tc.mention, f, fs)
				}
			}
			for _, f := range tc.not {
				if slices.Contains(fs, f) {
					t.Errorf("%q has %s: %v", tc.mention, f, fs)
				}
			}
		})
	}
}

func TestDefaultModels(t *testing.T) {
	for _, name := range []string{"toponym", "literal"} {
		b, err := fs.ReadFile(seeds.EN, "en/"+name+".model")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(b); n > 32<<10 {
			t.Errorf("%s model is %d bytes; it should stay a few KB", name, n)
		}
	}
	topo, lit := DefaultModels()
	for name, m := range map[string]*linear.Model{"toponym": topo, "literal": lit} {
		if len(m.W) == 0 {
			t.Errorf("%s model has no weights: run make train", name)
		}
		if math.IsNaN(m.Bias) || math.IsInf(m.Bias, 0) {
			t.Errorf("%s model bias %v", name, m.Bias)
		}
	}
}

// TestLiteral reads invented sentences with the embedded models: the
// place where something happened is literal, a capital speaking for its
// government and a demonym before "army" are not.
func TestLiteral(t *testing.T) {
	p := classifyParser(t)
	for _, tc := range []struct {
		text, mention string
		literal       bool
	}{
		{"A bomb exploded in Moscow on Monday, killing three people.", "Moscow", true},
		{"Moscow said on Monday that it would respond.", "Moscow", false},
		{"The Syrian army shelled the town overnight.", "Syrian", false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			m := mentionIn(t, p, tc.text, tc.mention)
			if got := m.Literal >= 0.5; got != tc.literal {
				t.Errorf("%s: Literal %.3f (%s), want literal %v", m.Text, m.Literal, m.LiteralWhy, tc.literal)
			}
			if m.Literal < 0 || m.Literal > 1 || m.LiteralWhy == "" {
				t.Errorf("%s: Literal %v, why %q", m.Text, m.Literal, m.LiteralWhy)
			}
		})
	}
}

// mentionIn parses text and returns its first mention written as name.
func mentionIn(t *testing.T, p *Parser, text, name string) Mention {
	t.Helper()
	ms, err := p.Parse(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Text == name {
			return m
		}
	}
	t.Fatalf("no mention %q in %v", name, ms)
	return Mention{}
}

// TestTrain runs the training on invented documents: both models come
// back, the report has its two parts, and the same input gives the same
// weights.
func TestTrain(t *testing.T) {
	p := classifyParser(t)
	var docs []TrainDoc
	for i := 0; i < 10; i++ {
		text := "A bomb exploded in Moscow on Monday. Moscow said it would respond. The Syrian army moved."
		docs = append(docs, TrainDoc{Corpus: "invented", ID: string(rune('a' + i)), Text: text, Gold: []GoldSpan{
			{Start: 19, End: 25, Type: "Literal", Located: true, Lat: 55.75, Lon: 37.62},
			{Start: 37, End: 43, Type: "Metonymic", Located: true, Lat: 55.75, Lon: 37.62},
		}})
	}
	run := func() (string, string) {
		var report, w bytes.Buffer
		topo, lit, err := Train(context.Background(), p, docs, TrainOptions{Report: &report})
		if err != nil {
			t.Fatal(err)
		}
		topo.WriteTo(&w)
		lit.WriteTo(&w)
		return report.String(), w.String()
	}
	report, w1 := run()
	for _, s := range []string{"toponym model", "literal model", "invented"} {
		if !strings.Contains(report, s) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}
	if _, w2 := run(); w1 != w2 {
		t.Error("two trainings on the same documents differ")
	}
}
