package geoparse

import (
	"strconv"
)

// The features of a mention, which the two mention classifiers (classify.go)
// weigh: what kind of name it is, what the gazetteer made of it, and the
// words around it. Each is a name and a value ("next" "said"); a model
// weighs the pair "next=said". Words are kept as they are only next to the
// mention; beyond that they count through the small word classes below,
// which say more with less data.

// featureSink receives a mention's features.
type featureSink interface{ add(name, value string) }

// featureList collects features as "name=value" strings, for training.
type featureList []string

func (l *featureList) add(name, value string) { *l = append(*l, name+"="+value) }

// tok returns the lower-cased text of token i, "<s>" before a sentence and
// "</s>" after it.
func (d *doc) tokOr(i, si int) string {
	if i < d.sents[si].From {
		return "<s>"
	}
	if i >= d.sents[si].To {
		return "</s>"
	}
	return d.lowers[i]
}

// features describes mention m of d to s; counts holds how often each
// mention text occurs in the document.
func (p *Parser) features(d *doc, m *Mention, counts map[string]int, s featureSink) {
	s.add("kind", m.Kind)
	s.add("class", placeClass(m))
	if m.Place != nil && !isArea(m.Place) {
		s.add("pop", strconv.Itoa(decade(m.Place.Population)))
	}
	if m.Place != nil {
		// The resolver's score: the gazetteer's prior plus what the rest
		// of the text says for the place, in whole points.
		s.add("score", strconv.Itoa(min(max(int(m.Score), 0), 5)))
	}
	if m.Place != nil && m.conf < 0.5 {
		s.add("ambiguous", "1")
	}
	if m.loose {
		s.add("loose", "1")
	}
	if m.weak != "" {
		s.add("weak", m.weak)
	}
	if m.Cue != "" {
		s.add("cue", m.Cue)
	}
	if m.modifier {
		s.add("mod", "1")
	}
	if m.Kind == KindDemonym && d.lang.pluralEndings.endsWith(m.Text) {
		s.add("plural", "1")
	}
	if m.tok >= len(d.toks) {
		return
	}
	si := d.sentOf[m.tok]
	first := &d.toks[m.tok]
	words := m.tokEnd - m.tok
	if words > 3 {
		words = 3
	}
	s.add("words", strconv.Itoa(words))
	if first.IsAllCaps() && m.Kind != KindAbbrev {
		s.add("allcaps", "1")
	}
	if d.titleCase[si] {
		s.add("titlecase", "1")
	}
	if m.tok == d.sents[si].From {
		s.add("initial", "1")
	}
	if words == 1 {
		if p.lang.firstNames[first.Text] {
			s.add("given", "1")
		}
		if p.lang.surnames[first.Text] {
			s.add("surname", "1")
		}
		if d.lowerSeen[d.lowers[m.tok]] {
			s.add("lowerseen", "1")
		}
	}
	switch n := counts[m.Text]; {
	case n == 1:
		s.add("count", "1")
	case n <= 3:
		s.add("count", "2")
	default:
		s.add("count", "4")
	}

	// Left: the word before, and whether the name sits inside another
	// name ("University of Chicago", "Paris Police Department").
	prev := d.tokOr(m.tok-1, si)
	s.add("prev", prev)
	if m.tok-1 >= d.sents[si].From+1 && d.toks[m.tok-1].IsCap() && d.toks[m.tok].SpaceBefore {
		s.add("prevcap", "1")
	}
	if d.lang.ofWords[prev] && m.tok-2 >= d.sents[si].From {
		switch w := d.lowers[m.tok-2]; {
		case w == ",": // "Jane Doe, of Hayes": where someone lives
			s.add("residence", "1")
		case d.lang.adminWords[w] || d.lang.ofCues[w]: // "County of Brant" is the place itself
		case d.toks[m.tok-2].IsCap():
			s.add("ofcap", "1")
			if d.lang.orgHeads[w] || d.lang.actorNouns[w] {
				s.add("oforg", "1")
			}
		}
	}
	if d.lang.placeHeads[prev] && m.tok-1 >= d.sents[si].From && d.toks[m.tok-1].IsCap() {
		s.add("head", "1") // "St Patrick", "Lake Chad": the word before starts place names
	}

	// Right: the word after, past a possessive or a joining hyphen; the
	// verb it governs; capitalised words that continue a name.
	j := m.tokEnd
	if d.possessiveAt(j, len(d.toks)) && d.sentOf[j] == si {
		s.add("poss", "1")
		j += 2
	} else if j < len(d.toks) && d.lang.possessive[d.toks[j].Text] && d.toks[j].SpaceBefore && m.Kind == KindName {
		s.add("poss", "1") // "Syria s Raqa": a scraped apostrophe
		j++
	} else if j+1 < len(d.toks) && d.toks[j].Text == "-" && !d.toks[j].SpaceBefore {
		j++
	}
	next := d.tokOr(j, si)
	s.add("next", next)
	if j < d.sents[si].To && d.toks[j].IsCap() {
		s.add("nextcap", "1")
		if d.lang.orgHeads[next] {
			s.add("nextorg", "1")
		}
	}
	if d.lang.actorNouns[next] {
		s.add("actor", "1")
	}
	if d.lang.speechVerbs[next] {
		s.add("speech", "1")
	}
	if d.lang.adminWords[next] {
		s.add("admin", "1")
	}
	// "Washington has imposed", "Moscow also said": the verb past auxiliaries.
	k := j
	for k < d.sents[si].To && d.lang.auxiliaries[d.lowers[k]] {
		k++
	}
	if k > j && k < d.sents[si].To && d.toks[k].Kind == Word && !d.toks[k].IsCap() {
		s.add("verb", d.lowers[k])
		if d.lang.speechVerbs[d.lowers[k]] {
			s.add("speech", "1")
		}
	}
	// A subject: a verb follows ("Moscow said", "Washington imposed",
	// "China will") and no preposition precedes, as in "in Moscow".
	if w := d.tokOr(k, si); (k > j || d.lang.verbLike(w)) && !d.lang.cues[prev] && !d.lang.objectPreps[prev] {
		s.add("subject", "1")
	}
	if next == "," || d.lang.listWords[next] {
		if j+1 < d.sents[si].To && d.toks[j+1].IsCap() {
			s.add("list", "1")
		}
	}
}

// placeClass names what the gazetteer made of a mention.
func placeClass(m *Mention) string {
	pl := m.Place
	switch {
	case pl == nil:
		return "none"
	case isCountry(pl):
		return "country"
	case pl.FeatureCode == "PPLC":
		return "capital"
	case isArea(pl):
		return "region"
	case pl.FeatureClass == "P":
		return "city"
	}
	return "spot"
}

// decade is the number of digits of a population: 0 for none, 4 for a
// town of thousands, 7 for a city of millions.
func decade(n int64) int {
	d := 0
	for n > 0 {
		d++
		n /= 10
	}
	return d
}

// verbLike reports a lower-case word that reads as a finite verb after a
// name: a speech verb, an auxiliary or a past or present form in -ed or -s.
func (l *Language) verbLike(w string) bool {
	if l.speechVerbs[w] || l.auxiliaries[w] {
		return true
	}
	if len(w) < 4 || w[0] < 'a' || w[0] > 'z' {
		return false
	}
	return l.verbEndings.endsWith(w) && !l.verbEndings.endsWith(w[:len(w)-1])
}
