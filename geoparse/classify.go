package geoparse

import (
	"context"
	"slices"
	"strings"

	"github.com/geonews/geonews/internal/linear"
)

// Two small linear models, trained on the eval corpora by `geonews train`
// (see train.go) and embedded from seeds/en, read every recognised mention
// through the features of features.go:
//
//   - the toponym model: is this a place at all, or a person, an
//     organisation, a language? Mentions below MinToponym are dropped.
//   - the literal model: is it used as the place where something is or
//     happens ("a bomb exploded in Moscow"), or for a government, an army,
//     a team ("Moscow said", "the Syrian army")? Its probability is
//     Mention.Literal, and the features that weighed most LiteralWhy.

// MinToponym is the toponym model's probability below which a mention is
// dropped. Chosen on the cross-validated figures that `geonews train`
// prints: it buys precision on every corpus without losing F1.
const MinToponym = 0.2

// DefaultModels returns English's toponym and literal models (seeds/en).
func DefaultModels() (toponym, literal *linear.Model) {
	l := DefaultLanguage()
	return l.toponym, l.literal
}

// SetModels replaces the parser's mention models (nil: keep every mention
// and leave Literal at 0.5). Call it before the parser is used.
func (p *Parser) SetModels(toponym, literal *linear.Model) {
	p.toponym, p.literal = toponym, literal
}

// contrib is one feature's weight in a decision, kept to explain it.
type contrib struct {
	name, value string
	w           float64
}

// scorer sums both models' weights over a mention's features as they are
// produced, building each "name=value" key in one reused buffer.
type scorer struct {
	toponym, literal *linear.Model
	buf              []byte
	zt, zl           float64
	why              []contrib
}

func (s *scorer) add(name, value string) {
	s.buf = append(append(append(s.buf[:0], name...), '='), value...)
	if s.toponym != nil {
		s.zt += s.toponym.Weight(s.buf)
	}
	if s.literal != nil {
		if w := s.literal.Weight(s.buf); w != 0 {
			s.zl += w
			s.why = append(s.why, contrib{name, value, w})
		}
	}
}

// mentionCounts counts the mentions of each text in a document.
func mentionCounts(ms []Mention) map[string]int {
	counts := make(map[string]int, len(ms))
	for i := range ms {
		counts[ms[i].Text]++
	}
	return counts
}

// classify drops the mentions the toponym model doubts and sets the
// others' Literal and LiteralWhy.
func (p *Parser) classify(d *doc, ms []Mention) []Mention {
	if p.toponym == nil && p.literal == nil {
		for i := range ms {
			ms[i].Literal = 0.5
		}
		return ms
	}
	counts := mentionCounts(ms)
	s := scorer{toponym: p.toponym, literal: p.literal, buf: make([]byte, 0, 64)}
	out := ms[:0]
	for i := range ms {
		m := &ms[i]
		s.zt, s.zl, s.why = 0, 0, s.why[:0]
		if p.toponym != nil {
			s.zt = p.toponym.Bias
		}
		if p.literal != nil {
			s.zl = p.literal.Bias
		}
		p.features(d, m, counts, &s)
		if p.toponym != nil && linear.Sigmoid(s.zt) < MinToponym {
			continue
		}
		m.Literal = 0.5
		if p.literal != nil {
			m.Literal = round3(linear.Sigmoid(s.zl))
			m.LiteralWhy = p.lang.explainLiteral(s.why, m.Literal >= 0.5)
		}
		out = append(out, *m)
	}
	return out
}

// explainLiteral names the (at most three) features that pushed hardest
// toward the decision taken.
func (l *Language) explainLiteral(cs []contrib, literal bool) string {
	sign := 1.0
	if !literal {
		sign = -1
	}
	var parts []string
	for len(parts) < 3 { // a selection, not a sort: this runs for every mention
		best := -1
		for i, c := range cs {
			if c.w*sign > 0 && (best < 0 || c.w*sign > cs[best].w*sign) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		c := cs[best]
		cs[best].w = 0
		if w := l.describe(c.name, c.value); w != "" && !slices.Contains(parts, w) {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, "; ")
}

// describe puts a feature in words.
func (l *Language) describe(name, value string) string {
	q := "'" + value + "'"
	switch name {
	case "kind":
		return "a " + value
	case "class":
		if value == "none" {
			return "no gazetteer place"
		}
		return "a " + value
	case "pop":
		return "a place of " + value + "-digit population"
	case "score":
		return "resolver score " + value
	case "ambiguous":
		return "an ambiguous name"
	case "loose":
		return "a loose gazetteer match"
	case "weak":
		return "maybe a person (" + value + ")"
	case "mod":
		return "hyphenated modifier"
	case "plural":
		return "a plural demonym (people)"
	case "words":
		return value + "-word name"
	case "allcaps":
		return "in capitals"
	case "titlecase":
		return "in a headline"
	case "initial":
		return "starts the sentence"
	case "given":
		return "a given name"
	case "surname":
		return "a surname"
	case "lowerseen":
		return "also a common word in the text"
	case "count":
		return "named " + value + "+ times"
	case "prev", "cue":
		return "after " + q
	case "prevcap":
		return "after a capitalised word"
	case "ofcap":
		return "inside a name ('X of …')"
	case "subject":
		return "subject of a verb"
	case "residence":
		return "where someone is from ('…, of X')"
	case "head":
		return "after a word that begins place names"
	case "oforg":
		return "inside an organisation's name"
	case "poss":
		return "possessive"
	case "next":
		switch {
		case l.speechVerbs[value]:
			return "subject of " + q
		case l.actorNouns[value]:
			return "modifier of " + q
		}
		return "before " + q
	case "nextcap":
		return "before a capitalised word"
	case "nextorg":
		return "part of an organisation's name"
	case "actor":
		return "modifier of an actor noun"
	case "speech":
		return "subject of a speech verb"
	case "admin":
		return "before an administrative word"
	case "verb":
		return "subject of " + q
	case "list":
		return "in a list of names"
	}
	return name + "=" + value
}

// MentionFeatures returns the mentions Parse finds before the mention
// models drop any, each with its features as "name=value" strings: what
// `geonews train` learns from.
func (p *Parser) MentionFeatures(ctx context.Context, text string) ([]Mention, [][]string, error) {
	d, err := p.newDoc(text)
	if err != nil {
		return nil, nil, err
	}
	defer d.free()
	ms := p.recognize(d)
	if err := p.resolve(ctx, d, ms); err != nil {
		return nil, nil, err
	}
	ms = dropWeak(ms)
	counts := mentionCounts(ms)
	fs := make([][]string, len(ms))
	for i := range ms {
		var l featureList
		p.features(d, &ms[i], counts, &l)
		fs[i] = l
	}
	return ms, fs, nil
}
