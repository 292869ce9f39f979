package geoparse

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/geonews/geonews/internal/linear"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// TrainDoc is an annotated document the mention models learn from.
type TrainDoc struct {
	Corpus, ID, Text string
	Gold             []GoldSpan
}

// GoldSpan is an annotated toponym: code-point offsets, GeoWebNews' type
// of use ("" in the other corpora) and whether it has coordinates (the
// scorer counts only those; a mention on an unlocated one counts neither
// way).
type GoldSpan struct {
	Start, End int
	Type       string
	Located    bool
	Lat, Lon   float64 // when Located
}

// literalTypes and nonLiteralTypes sort GeoWebNews' types of use (Gritta
// et al. 2019). Its *_Expression types are common nouns ("the city"),
// which recognition never proposes.
var (
	literalTypes    = map[string]bool{"Literal": true, "Mixed": true, "Literal_Modifier": true, "Embedded_Literal": true, "Coercion": true}
	nonLiteralTypes = map[string]bool{"Metonymic": true, "Non_Literal_Modifier": true, "Embedded_Non_Lit": true,
		"Non_Toponym": true, "Homonym": true, "Language": true, "Demonym": true}
	// notPlaceTypes are what the toponym model learns to drop.
	notPlaceTypes = map[string]bool{"Non_Toponym": true, "Homonym": true, "Language": true}
)

// TrainOptions tune Train.
type TrainOptions struct {
	Folds int // cross-validation folds by document [5]
	// HitWeight weighs a toponym the resolver placed right against the
	// other examples of the toponym model [1].
	HitWeight float64
	Model     linear.Options // for both models
	Report    io.Writer      // where the cross-validated figures go (nil: nowhere)
}

// item is one recognised mention with its labels (-1: not learnt from).
type item struct {
	doc         int
	start, end  int
	lat, lon    float64 // the resolved place's point
	resolved    bool
	hit         bool // a toponym resolved within 161 km of the gold point
	features    []string
	toponym     int
	literal     int
	typed       bool // overlaps a GeoWebNews toponym of a literal or non-literal type
	pTopo, pLit float64
}

// Train parses docs with p (whose own models are not used), labels each
// recognised mention from the gold spans it overlaps, reports the models'
// cross-validated figures by document, and returns both models trained on
// every document.
//
// A mention is a toponym when it overlaps a located gold span, and not one
// when it overlaps none or only a GeoWebNews Non_Toponym, Homonym or
// Language. It is literal when it overlaps a GeoWebNews toponym of a
// literal type, not literal when of a non-literal one; other corpora carry
// no types and teach the literal model nothing.
func Train(ctx context.Context, p *Parser, docs []TrainDoc, o TrainOptions) (toponym, literal *linear.Model, err error) {
	if o.Folds < 2 {
		o.Folds = 5
	}
	if o.HitWeight == 0 {
		o.HitWeight = 1
	}
	if o.Report == nil {
		o.Report = io.Discard
	}
	var items []item
	fold := make([]int, len(docs))
	seen := map[string]int{}
	for di, d := range docs {
		fold[di] = seen[d.Corpus] % o.Folds // every fold holds a fifth of each corpus
		seen[d.Corpus]++
		ms, fs, err := p.MentionFeatures(ctx, d.Text)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", d.Corpus, d.ID, err)
		}
		for i, m := range ms {
			it := item{doc: di, start: m.Start, end: m.End, features: fs[i], toponym: 0, literal: -1}
			if m.Place != nil {
				it.lat, it.lon, it.resolved = m.Place.Lat(), m.Place.Lon(), true
			}
			located, notPlace, other := false, false, false
			for _, g := range d.Gold {
				if g.Start >= m.End || m.Start >= g.End {
					continue
				}
				switch {
				case g.Located:
					located = true
					if m.Place != nil && orbgeo.DistanceHaversine(m.Place.Point, orb.Point{g.Lon, g.Lat}) <= 161000 {
						it.hit = true
					}
				case notPlaceTypes[g.Type]:
					notPlace = true
				default:
					other = true
				}
				switch {
				case literalTypes[g.Type]:
					it.literal, it.typed = 1, true
				case nonLiteralTypes[g.Type] && it.literal != 1:
					it.literal, it.typed = 0, true
				}
			}
			switch {
			case located:
				it.toponym = 1
			case other && !notPlace:
				it.toponym = -1 // an unlocated demonym or a common noun: no lesson
			}
			items = append(items, it)
		}
	}

	examples := func(keep func(*item) bool, label func(*item) int, weigh func(*item) float64) []linear.Example {
		var xs []linear.Example
		for i := range items {
			it := &items[i]
			if l := label(it); l >= 0 && keep(it) {
				x := linear.Example{Features: it.features, Label: l == 1}
				if weigh != nil {
					x.Weight = weigh(it)
				}
				xs = append(xs, x)
			}
		}
		return xs
	}
	topoLabel := func(it *item) int { return it.toponym }
	// Dropping a place the resolver got right loses it for good; dropping
	// one it got wrong loses little: the first weighs more.
	topoWeight := func(it *item) float64 {
		if it.hit {
			return o.HitWeight
		}
		return 1
	}
	litLabel := func(it *item) int { return it.literal }
	for f := 0; f < o.Folds; f++ {
		train := func(it *item) bool { return fold[it.doc] != f }
		mt := linear.Train(examples(train, topoLabel, topoWeight), o.Model)
		ml := linear.Train(examples(train, litLabel, nil), o.Model)
		for i := range items {
			it := &items[i]
			if fold[it.doc] == f {
				it.pTopo, it.pLit = mt.Prob(it.features), ml.Prob(it.features)
			}
		}
	}
	reportToponym(o.Report, docs, items, o.Folds)
	reportLiteral(o.Report, items, o.Folds)
	all := func(*item) bool { return true }
	return linear.Train(examples(all, topoLabel, topoWeight), o.Model), linear.Train(examples(all, litLabel, nil), o.Model), nil
}

// reportToponym prints, per corpus, recognition precision, recall and F1
// over located gold toponyms as the eval scorer counts them (overlap, one
// gold to one mention; mentions on unlocated gold ignored), keeping every
// mention and then only those whose cross-validated toponym probability
// reaches each threshold.
func reportToponym(w io.Writer, docs []TrainDoc, items []item, folds int) {
	fmt.Fprintf(w, "toponym model, %d-fold cross-validation by document: overlap P / R / F1 and end-to-end acc@161 of the mentions kept\n", folds)
	thresholds := []float64{0, 0.1, 0.15, 0.2, 0.3, 0.5}
	fmt.Fprintf(w, "%-10s", "corpus")
	for _, t := range thresholds {
		fmt.Fprintf(w, " | keep p>=%.2f             ", t)
	}
	fmt.Fprintln(w)
	byDoc := map[int][]*item{}
	for i := range items {
		byDoc[items[i].doc] = append(byDoc[items[i].doc], &items[i])
	}
	var corpora []string
	for _, d := range docs {
		if !slices.Contains(corpora, d.Corpus) {
			corpora = append(corpora, d.Corpus)
		}
	}
	for _, c := range corpora {
		fmt.Fprintf(w, "%-10s", c)
		for _, t := range thresholds {
			tp, nSys, nGold, hits := 0, 0, 0, 0
			for di, d := range docs {
				if d.Corpus != c {
					continue
				}
				var kept []*item
				for _, it := range byDoc[di] {
					if it.pTopo < t {
						continue
					}
					ignored := false
					for _, g := range d.Gold {
						if !g.Located && g.Start < it.end && it.start < g.End {
							ignored = true
						}
					}
					if !ignored {
						kept = append(kept, it)
					}
				}
				nSys += len(kept)
				used := make([]bool, len(kept))
				for _, g := range d.Gold {
					if !g.Located {
						continue
					}
					nGold++
					for k, it := range kept {
						if !used[k] && g.Start < it.end && it.start < g.End {
							used[k] = true
							tp++
							if it.resolved && orbgeo.DistanceHaversine(orb.Point{it.lon, it.lat}, orb.Point{g.Lon, g.Lat}) <= 161000 {
								hits++
							}
							break
						}
					}
				}
			}
			pr, rc := ratio(tp, nSys), ratio(tp, nGold)
			f1 := 0.0
			if pr+rc > 0 {
				f1 = 2 * pr * rc / (pr + rc)
			}
			fmt.Fprintf(w, " | %.3f %.3f %.3f %.3f", pr, rc, f1, ratio(hits, nGold))
		}
		fmt.Fprintln(w)
	}
}

// reportLiteral prints the literal model's cross-validated accuracy on the
// mentions that overlap a typed GeoWebNews toponym, and the precision and
// recall of "literal" at two thresholds.
func reportLiteral(w io.Writer, items []item, folds int) {
	n, right, gold := 0, 0, 0
	for _, it := range items {
		if !it.typed {
			continue
		}
		n++
		gold += it.literal
		if (it.pLit >= 0.5) == (it.literal == 1) {
			right++
		}
	}
	fmt.Fprintf(w, "\nliteral model, %d-fold cross-validation by document, on the %d recognised mentions that overlap a typed GeoWebNews toponym (%d literal):\n", folds, n, gold)
	fmt.Fprintf(w, "accuracy of Literal>=0.5: %.3f (always-literal baseline %.3f)\n", ratio(right, n), ratio(gold, n))
	for _, t := range []float64{0.5, 0.7, 0.8} {
		tp, pred := 0, 0
		for _, it := range items {
			if it.typed && it.pLit >= t {
				pred++
				tp += it.literal
			}
		}
		fmt.Fprintf(w, "Literal>=%.1f: precision %.3f, recall %.3f (%d predicted)\n", t, ratio(tp, pred), ratio(tp, gold), pred)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
