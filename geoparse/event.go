package geoparse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/geonews/geonews/geo"
)

// Article is a text to read events from, with what is known of its source.
type Article struct {
	Text      string
	URL       string
	Title     string
	Published time.Time // relative dates are resolved against it; zero: unknown
}

// Events reads the events an article reports. An event is a happening the
// text presents as real (a trigger word of seeds/en/triggers.tsv that no
// modal, plan, negation or background date takes back), at the place where
// it happened (a literal use of a place tied to the trigger: "in Kayseri",
// "the Kayseri blast"; never an actor's country, a demonym or a name inside
// an organisation's) and at the time the text gives for it. Repeated
// mentions of one happening merge into one event. It returns the events and
// the mentions they were built from.
func (p *Parser) Events(ctx context.Context, a Article) ([]*geo.Event, []Mention, error) {
	if a.URL != "" {
		if err := geo.CheckURL("url", a.URL); err != nil {
			return nil, nil, err
		}
	}
	a.Title = oneLine(a.Title) // a headline scraped across lines is still one title
	if err := geo.CheckText("title", a.Title, geo.MaxSourceTitleLen, false); err != nil {
		return nil, nil, err
	}
	d, err := p.newDoc(a.Text)
	if err != nil {
		return nil, nil, err
	}
	defer d.free()
	ms, err := p.parse(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	r := newEventReader(p.lang, d, ms, a)
	events, err := r.read(ctx)
	if err != nil {
		return nil, nil, err
	}
	return events, ms, nil
}

// eventReader is the state of reading one article's events.
type eventReader struct {
	lang      *Language
	w         *eventWords
	d         *doc
	a         Article
	source    string       // the article's URL, or a hash of its text
	bySent    [][]*Mention // resolved mentions by sentence
	anchor    time.Time    // the day relative dates count from
	anchorWhy string       // where the anchor came from, for date reasons
	events    []*geo.Event
	undated   map[*geo.Event]bool   // events whose sentence gave no date
	family    map[*geo.Event]int    // the trigger family each event was told in first
	site      map[*geo.Event]string // the listed site of each event that has one (see sites)
	byCountry map[string][]int      // country code → indexes of r.events there
	evCountry []string              // the country code of each of r.events
	focusM    *Mention              // the place the article is about, once known
	focusDone bool
	sentText  struct { // sentenceText's last answer
		si             int // the sentence's index + 1; 0: none yet
		events, actors []string
		excerpt        string
	}
	year int      // without publication date or full date: the year the text names most
	city *Mention // the last city named: what "the city" refers to
	// scene is the place and time of the last violent happening read: what
	// "at the scene" refers to
	scene     *Mention
	sceneWhen When
	// real and unreal hold the current sentence's triggers that realis
	// lets stand and takes back
	real, unreal []trig
	// prevBreak[i] is the last clause break before token i in its sentence
	// (-1: none), nextBreak[i] the first after it (the sentence's end: none)
	prevBreak, nextBreak []int32
}

func newEventReader(lang *Language, d *doc, ms []Mention, a Article) *eventReader {
	r := &eventReader{lang: lang, w: lang.ev, d: d, a: a, bySent: make([][]*Mention, len(d.sents)),
		undated: map[*geo.Event]bool{}, family: map[*geo.Event]int{}, site: map[*geo.Event]string{}, byCountry: map[string][]int{}}
	r.source = a.URL
	if r.source == "" {
		sum := sha256.Sum256([]byte(a.Text))
		r.source = hex.EncodeToString(sum[:])
	}
	r.findBreaks()
	for i := range ms {
		if ms[i].Place != nil && ms[i].Sentence < len(d.sents) {
			r.bySent[ms[i].Sentence] = append(r.bySent[ms[i].Sentence], &ms[i])
		}
	}
	switch {
	case !a.Published.IsZero():
		p := a.Published
		r.anchor = time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, time.UTC)
		r.anchorWhy = "published " + r.anchor.Format("Mon 2 Jan 2006")
	default:
		// No publication date: the latest full date the text writes (a
		// caption's or a dateline's) anchors "Sunday" and "last month".
		now := time.Now()
		years := map[int]int{}
		for _, de := range r.lang.findDates(d.toks, d.lowers, now, nil) {
			if !de.explicit || de.Time.After(now) {
				continue
			}
			if de.Grain == "day" && de.Time.After(r.anchor) {
				r.anchor = de.Time
				r.anchorWhy = fmt.Sprintf("the text's own date %q", de.Phrase)
			}
			years[de.Time.Year()]++
		}
		// the year the text names most (the latest of a tie): a forecast
		// "by 2023" or a history "in 1965" is named once
		for y, n := range years {
			if n > years[r.year] || n == years[r.year] && y > r.year {
				r.year = y
			}
		}
	}
	return r
}

// trig is a trigger found in a sentence: tokens [tok, end) of the document.
type trig struct {
	tok, end int
	typ      string
	rank     int
	family   int // the trigger line its words are on (eventWords.trigFamily)
}

// read makes the article's events; it stops when ctx ends.
func (r *eventReader) read(ctx context.Context) ([]*geo.Event, error) {
	d := r.d
	for si, s := range d.sents {
		if si&255 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.sentence(si, s)
		for _, m := range r.bySent[si] {
			if m.Kind != KindDateline && m.Place.Precision() == geo.PrecisionCity {
				r.city = m
			}
		}
	}
	return r.events, nil
}

// sentence reads the event of one sentence, if it reports one.
func (r *eventReader) sentence(si int, s Sentence) {
	d, w := r.d, r.w
	// the realis triggers; the one that names the event is the first of
	// the lowest rank among those tied to a place in the sentence, else
	// among all (placed at the article's focus)
	var best, bestTied *trig
	var tiedPlaces []*Mention
	var tiedHow map[*Mention]string
	type tied struct {
		t   trig
		ps  []*Mention
		how map[*Mention]string
	}
	var others []tied // other types tied to places of their own: "the killing … sparked protests"
	// the triggers first, so that a place can be known for an unreal
	// happening's before any is tied to a real one
	r.real, r.unreal = r.real[:0], r.unreal[:0]
	for i := s.From; i < s.To; i++ {
		if d.toks[i].Kind != Word {
			continue
		}
		rule, n := w.triggers.at(d.lowers[:s.To], i)
		if rule < 0 {
			continue
		}
		t := trig{tok: i, end: i + n, typ: w.trigType[rule], rank: w.triggers.rank[rule], family: w.trigFamily[rule]}
		i += n - 1
		if r.notHappening(s, t) {
			continue
		}
		switch real, infinitive := r.realis(s, t); {
		case real:
			r.real = append(r.real, t)
		case !infinitive: // "allowed fighters to flee the town of Tabqa": the place is the allowing's too
			r.unreal = append(r.unreal, t)
		}
	}
	for _, t := range r.real {
		if best == nil || t.rank < best.rank {
			best = &t
		}
		if ps, how := r.places(si, s, t, false); len(ps) > 0 {
			if bestTied == nil || t.rank < bestTied.rank {
				if bestTied != nil {
					others = append(others, tied{*bestTied, tiedPlaces, tiedHow})
				}
				bestTied, tiedPlaces, tiedHow = &t, ps, how
			} else {
				others = append(others, tied{t, ps, how})
			}
		}
	}
	if best == nil {
		return
	}
	t, places, how := *best, tiedPlaces, tiedHow
	if bestTied != nil {
		t = *bestTied
	} else {
		places, how = r.places(si, s, t, true)
	}
	if len(places) == 0 {
		return
	}
	when, dateWhy, ok := r.date(s, t)
	if !ok {
		return
	}
	if len(places) == 1 && places[0] == r.scene && strings.HasPrefix(how[places[0]], sceneWhy) && when.Grain == "published" {
		when, dateWhy = r.sceneWhen, "at the scene: when the happening there took place"
	}
	// sites the gazetteer lacks, listed in one town: a happening at each
	if len(places) == 1 && places[0].Place.Precision() == geo.PrecisionCity {
		if sites := r.sites(s, t); sites != nil {
			m := places[0]
			for _, site := range sites {
				r.add(si, s, t, m, fmt.Sprintf("%s; at %q, one of the sites listed in %q", how[m], site, m.Text), when, dateWhy, site)
			}
			return
		}
	}
	for _, m := range places {
		r.add(si, s, t, m, how[m], when, dateWhy, "")
	}
	seen := map[string]bool{t.typ: true}
	for _, o := range others {
		if seen[o.t.typ] || r.lang.casualty[d.lowers[o.t.tok]] {
			continue
		}
		seen[o.t.typ] = true
		when, dateWhy, ok := r.date(s, o.t)
		if !ok {
			continue
		}
		for _, m := range o.ps {
			r.add(si, s, o.t, m, o.how[m], when, dateWhy, "")
		}
	}
}

// clauseStart returns the first token of the clause that token i is in:
// after the last comma, semicolon, colon, dash, bracket or quote before it
// in its sentence.
func (r *eventReader) clauseStart(s Sentence, i int) int {
	if j := int(r.prevBreak[i]); j >= s.From {
		return j + 1
	}
	return s.From
}

// clauseEnd returns the token after the clause that token i is in.
func (r *eventReader) clauseEnd(s Sentence, i int) int {
	return min(int(r.nextBreak[i]), s.To)
}

// findBreaks works out, once for the document, where each token's clause
// starts and ends, so that asking costs nothing however long the clause.
func (r *eventReader) findBreaks() {
	n := len(r.d.toks)
	r.prevBreak, r.nextBreak = make([]int32, n), make([]int32, n)
	for _, s := range r.d.sents {
		last := int32(-1)
		for i := s.From; i < s.To; i++ {
			r.prevBreak[i] = last
			if r.clauseBreak(i) {
				last = int32(i)
			}
		}
		next := int32(s.To)
		for i := s.To - 1; i >= s.From; i-- {
			r.nextBreak[i] = next
			if r.clauseBreak(i) {
				next = int32(i)
			}
		}
	}
}

// clauseBreak reports whether token j separates clauses: a comma,
// semicolon, dash, bracket or quote, or a colon that a space follows ("8:14"
// is a time).
func (r *eventReader) clauseBreak(j int) bool {
	t := &r.d.toks[j]
	if t.Kind == Word && r.lang.clauseConjunctions[r.d.lowers[j]] {
		return true // "… in Paris on Monday but … in Lyon on Tuesday"
	}
	if t.Kind != Punct || !isClausePunct(t.Text) {
		return false
	}
	if t.Text == ":" && j+1 < len(r.d.toks) && !r.d.toks[j+1].SpaceBefore {
		return false
	}
	// an age between commas ("Mahir Kilic, 27, and") is no clause
	if t.Text == "," && (j+2 < len(r.d.toks) && r.d.toks[j+1].Kind == Number && r.d.toks[j+2].Text == "," ||
		j >= 2 && r.d.toks[j-1].Kind == Number && r.d.toks[j-2].Text == ",") {
		return false
	}
	return true
}

func isQuote(p string) bool { return p == "\"" || p == "“" || p == "”" }

func isClausePunct(p string) bool {
	switch p {
	case ",", ";", ":", "—", "–", "(", ")", "\"", "“", "”", "--":
		return true
	}
	return false
}

// realis reports whether the trigger reports a happening as real: no
// negation right before it, no modal, plan or wish in its clause before it,
// not an infinitive ("to attack").
func (r *eventReader) realis(s Sentence, t trig) (real, infinitive bool) {
	d, w := r.d, r.w
	// the clause, quotation marks aside: "to expect delays and a "small number" of cancellations";
	// no further back than the words looked at below and their phrases need
	from := t.tok
	for from > s.From && from > t.tok-realisWindow-2 && !(r.clauseBreak(from-1) && !isQuote(d.toks[from-1].Text)) {
		from--
	}
	for j := t.tok - 1; j >= from && j >= t.tok-realisWindow; j-- {
		if d.toks[j].Kind != Word {
			continue
		}
		lw := d.lowers[j]
		if _, ok := r.lang.dates.months[lw]; ok && d.toks[j].IsCap() {
			continue // "in May": the month
		}
		if r.wordsBetween(j, t.tok) <= 3 && w.negation.endsAt(d.lowers, j, from) {
			return false, false // "not", "hadn't yet been", "no real"
		}
		if t.tok-j <= 2 && w.charge.endsAt(d.lowers, j, from) {
			return false, false // "charged with theft", "first degree theft": a charge
		}
		if w.irrealis.endsAt(d.lowers, j, from) {
			return false, false
		}
	}
	if r.habitual(s, t) {
		return false, false
	}
	// "people are detained in overcrowded cells": a state, or a habit
	if last := d.lowers[t.end-1]; t.end == t.tok+1 && t.tok-1 >= from && w.presentPassive.has(d.lowers[t.tok-1]) &&
		(r.lang.pastEndings.endsWith(last) || r.lang.irregularPast[last]) {
		return false, false
	}
	if t.tok-1 >= from && r.lang.infinitive[d.lowers[t.tok-1]] && !r.lang.pluralEndings.endsWith(d.lowers[t.tok]) {
		return false, true // "to attack", "to leave"; not "to talks"
	}
	// "a meeting to be held", "talks between the sides will be held"
	j := t.end
	if j < s.To && d.lowers[j] == "," {
		j++
	}
	for k := j; k < s.To && k < j+8; k++ {
		if rule, _ := w.irrealisAfter.at(d.lowers[:s.To], k); rule >= 0 && !r.isDateWord(k) {
			return false, false
		}
		if d.toks[k].Kind == Punct || k > j && r.isTrigger(s, k) {
			break
		}
	}
	// "agreed to pay", "voted to leave": a decision about something else
	// (a verb; "a rally to demand" is a rally)
	if t.end+1 < s.To && r.lang.pastEndings.endsWith(d.lowers[t.end-1]) && r.lang.infinitive[d.lowers[t.end]] && d.toks[t.end+1].Kind == Word && !d.toks[t.end+1].IsCap() &&
		!r.lang.determiners[d.lowers[t.end+1]] {
		return false, false
	}
	return true, false
}

// wordsBetween counts the words strictly between tokens i and j, a
// contraction's tail ("hadn't": hadn ' t) not counted.
func (r *eventReader) wordsBetween(i, j int) int {
	n := 0
	for k := i + 1; k < j; k++ {
		if r.d.toks[k].Kind == Word && !(k > 0 && (r.d.lowers[k-1] == "'" || r.d.lowers[k-1] == "’") && !r.d.toks[k].SpaceBefore) {
			n++
		}
	}
	return n
}

// habitual reports whether the trigger's clause tells a habit, a tally or
// a yearly rule ("has visited the complaints office weekly", "has met with
// community members twice in the past six weeks", "celebrated on the fourth
// Thursday in November"): no one happening.
func (r *eventReader) habitual(s Sentence, t trig) bool {
	lowers := r.d.lowers[:s.To]
	cs := r.clauseStart(s, t.tok)
	perfect := false
	for j := max(cs, t.tok-3); j < t.tok; j++ {
		perfect = perfect || r.w.perfect.has(lowers[j])
	}
	for j, end := cs, r.clauseEnd(s, t.end-1); j < end; j++ {
		if rule, _ := r.w.habitual.at(lowers, j); rule >= 0 {
			return true
		}
		if rule, _ := r.w.tally.at(lowers, j); rule >= 0 && perfect {
			return true
		}
		// "on the fourth Thursday in November": a yearly rule
		if j+3 < end && r.w.recurring.has(lowers[j]) && r.isDateWord(j+1) && (r.lang.ofWords[lowers[j+2]] || r.w.locative.has(lowers[j+2])) {
			if _, mo := r.lang.dates.months[lowers[j+3]]; mo {
				return true
			}
		}
	}
	return false
}

// notHappening reports whether the trigger's words name something other
// than a happening: a word of an idiom ("trial and error"), of a capitalised name ("the Laurel County
// Detention Center", "the Annual Conference") or a noun that modifies
// another ("riot police", "an offensive weapon", "snowfall warnings").
func (r *eventReader) notHappening(s Sentence, t trig) bool {
	d := r.d
	for j := max(s.From, t.tok-3); j <= t.tok; j++ {
		if rule, n := r.w.idiom.at(d.lowers[:s.To], j); rule >= 0 && j+n > t.tok {
			return true // "trial and error", "a shot at"
		}
	}
	if r.w.verbOnly.has(d.lowers[t.tok]) && t.tok > s.From && (r.lang.articles[d.lowers[t.tok-1]] || r.lang.determiners[d.lowers[t.tok-1]]) {
		return true // a noun: "the beat"
	}
	if r.w.contestVerb.has(d.lowers[t.tok]) && t.end == t.tok+1 && !r.contest(s, t) {
		return true // "won the audience award", "won support"
	}
	if r.w.adjectival.has(d.lowers[t.tok]) && t.end == t.tok+1 && (t.tok == s.From || !r.lang.auxVerbs[d.lowers[t.tok-1]]) {
		return true // a participle as an adjective: "located stolen property"
	}
	if t.end+1 < s.To && (d.lowers[t.end] == "'" || d.lowers[t.end] == "’") && d.lowers[t.end+1] == "t" && !d.toks[t.end].SpaceBefore {
		return true // a contraction: "won't"
	}
	if t.tok > s.From && d.toks[t.tok].IsCap() {
		// "the Annual Conference"; in a title too: "Exhibition & Conference 2018", "Summit 2019"
		prev := &d.toks[t.tok-1]
		if prev.Kind == Word && prev.IsCap() && !r.headline(s) || prev.Text == "&" ||
			t.end < s.To && d.toks[t.end].Kind == Number && len(d.toks[t.end].Text) == 4 {
			return true
		}
	}
	if t.end >= s.To || d.toks[t.end].Kind != Word {
		return false
	}
	if rule, _ := r.w.modifierHeads.at(d.lowers[:s.To], t.end); rule < 0 {
		return false
	}
	// a verb takes an object ("killed police officers", "shot police",
	// "attacks police stations"); English noun modifiers are singular
	last := d.lowers[t.end-1]
	return !r.lang.pastEndings.endsWith(last) && !r.lang.pluralEndings.endsWith(last) && !r.lang.irregularPast[last]
}

// contest reports whether a contest, a score or a sum follows trigger t
// within three words, with no punctuation between ("won 91-89", "won $451
// million", "won the final"; not "won by Prince Bishop").
func (r *eventReader) contest(s Sentence, t trig) bool {
	d := r.d
	for j := t.end; j < s.To && j < t.end+4; j++ {
		if d.toks[j].Kind == Number && j == t.end || r.w.contestObject.has(d.lowers[j]) {
			return true
		}
		if d.toks[j].Kind == Punct && !r.w.contestObject.has(d.lowers[j]) {
			return false
		}
	}
	return false
}

// headline reports whether most words of the sentence are capitalised, as
// in a title, where capitals say nothing about names.
func (r *eventReader) headline(s Sentence) bool {
	words, caps := 0, 0
	for i := s.From; i < s.To; i++ {
		if r.d.toks[i].Kind == Word {
			words++
			if r.d.toks[i].IsCap() {
				caps++
			}
		}
	}
	return caps*5 > words*3
}

// realisWindow is how many words before a trigger may take it back.
const realisWindow = 10

// startsTrigger reports whether a trigger starts at token i of the document.
func (r *eventReader) startsTrigger(i int) bool {
	s := r.d.sents[r.d.sentOf[i]]
	return r.isTrigger(s, i)
}

// isTrigger reports whether a trigger starts at token i.
func (r *eventReader) isTrigger(s Sentence, i int) bool {
	rule, _ := r.w.triggers.at(r.d.lowers[:s.To], i)
	return rule >= 0
}

// date picks the trigger's date: the time expression of its sentence
// nearest to it. A background date ("since 2016") makes no event, and
// neither does a date after the anchor (a plan).
func (r *eventReader) date(s Sentence, t trig) (When, string, bool) {
	d := r.d
	toks, lowers := d.toks[s.From:s.To], d.lowers[s.From:s.To]
	var best *dateExpr
	bestDist := 0
	ds := r.lang.findDates(toks, lowers, r.anchorOr(), &r.w.background)
	cs, ce := r.clauseStart(s, t.tok), r.clauseEnd(s, t.end-1)
	state := false // a background date in the trigger's clause: a standing situation
	for i := range ds {
		de := &ds[i]
		in := de.tok+s.From >= cs && de.end+s.From <= ce
		if de.background {
			state = state || in
			continue
		}
		if r.anchor.IsZero() && !de.explicit {
			continue // nothing to count "Sunday" from
		}
		dist := abs(de.tok + s.From - t.tok)
		if !in {
			dist += 10
		}
		if best == nil || dist < bestDist {
			best, bestDist = de, dist
		}
	}
	if best == nil && state {
		return When{}, "", false
	}
	if best != nil {
		if !r.anchor.IsZero() && best.Time.After(r.anchor) {
			return When{}, "", false
		}
		why := fmt.Sprintf("%q in the sentence", best.Phrase)
		if !best.explicit {
			why += ", counted from " + r.anchorWhy
		}
		return best.When, why, true
	}
	if r.anchor.IsZero() && r.year > 0 {
		return When{time.Date(r.year, 1, 1, 0, 0, 0, 0, time.UTC), "year", ""},
			fmt.Sprintf("no date in the sentence and no publication date: the year the text names most, %d", r.year), true
	}
	if r.anchor.IsZero() {
		day := time.Now().UTC()
		return When{time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), "published", ""},
			"no date in the text and no publication date: the day it was read", true
	}
	return When{r.anchor, "published", ""}, "no date in the sentence: " + r.anchorWhy, true
}

func (r *eventReader) anchorOr() time.Time {
	if r.anchor.IsZero() {
		return time.Now().UTC()
	}
	return r.anchor
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// add makes the event of trigger t at mention m, or merges it into an
// event of the same happening already read. site names a site in m's town
// that the gazetteer lacks, or is "": happenings at two sites are two.
func (r *eventReader) add(si int, s Sentence, t trig, m *Mention, placeWhy string, when When, dateWhy, site string) {
	d, w := r.d, r.w
	pl := m.Place
	prec := geo.TimeDay // "day", and the publication day standing in
	switch when.Grain {
	case "month":
		prec = geo.TimeMonth
	case "year":
		prec = geo.TimeYear
	}
	conf := 0.45 + 0.2*m.conf
	if strings.Contains(placeWhy, " after ") || strings.Contains(placeWhy, " names the ") {
		conf += 0.2
	}
	if when.Grain != "published" {
		conf += 0.1
	}
	if m.Sentence != si {
		conf -= 0.15
	}
	typ := w.types[t.typ]
	tags := []string{t.typ}
	tags = append(tags, typ.Legacy...)
	legacy, actors, excerpt := r.sentenceText(si, s)
	tags = append(append(tags, legacy...), actors...)
	trigger := joinTokens(d.toks[t.tok:t.end])
	a1, a2 := r.actors(s, t)
	e := &geo.Event{
		Point:         pl.Point,
		Time:          when.Time, // Validate cuts it to the start of its day, month or year
		TimePrecision: prec,
		Type:          t.typ,
		SubType:       typ.ACLEDSubType,
		Tags:          tags,
		Actor1:        a1,
		Actor2:        a2,
		Title:         r.title(s, t, m),
		Place:         geo.EventPlace{ID: pl.ID, Name: pl.Name, Precision: pl.Precision()},
		Source:        geo.Source{URL: r.a.URL, Title: r.a.Title, Published: r.a.Published, Start: s.Start, End: s.End},
		Excerpt:       excerpt,
		Confidence:    math.Round(math.Min(conf, 0.95)*100) / 100,
		Why: &geo.Why{
			Trigger:     clip(oneLine(trigger), geo.MaxWhyLen),
			Mention:     geo.WhyMention{Start: m.Start, End: m.End, Text: clip(oneLine(m.Text), geo.MaxWhyLen)},
			PlaceReason: clip(oneLine(placeWhy+"; "+m.Reason), geo.MaxWhyLen),
			DateReason:  clip(oneLine(dateWhy), geo.MaxWhyLen),
		},
	}
	if e.Validate() != nil {
		// the article's own fields (its URL, its title) were checked up
		// front and the texts made one line: this would be a bug
		return
	}
	kind := t.typ // a type's later families are happenings of their own: their own IDs
	if ord := w.familyOrd[t.family]; ord > 0 {
		kind += "/" + strconv.Itoa(ord)
	}
	if site != "" {
		kind += "@" + site
	}
	e.ID = eventID(r.source, kind, pl.ID, e.Time, prec)
	undated := when.Grain == "published"
	consequence := t.typ == "death" || r.lang.casualty[strings.ToLower(trigger)]
	// "the theft near Hinton", undated: the happening already told, whenever it was
	anaphor := undated && t.tok > s.From && r.lang.definite[d.lowers[t.tok-1]]
	// a place the sentence does not state is a guess: a happening of a kind
	// already told, at a time that fits, is that one told again, wherever
	// it was ("Seven people have been arrested in connection with the
	// blast"; "the blast" after a bombing), or "were sentenced for affray").
	// Placed only by its country, the one told takes the guessed place in it.
	if strings.HasPrefix(placeWhy, guessedWhy) {
		for i := len(r.events) - 1; i >= 0 && i >= len(r.events)-mergeWindow; i-- {
			o := r.events[i]
			kin := o.Type == e.Type || anaphor && violent[o.Type] && violent[e.Type]
			if !kin || !undated && !r.undated[o] && !sameTime(o, e) {
				continue
			}
			if r.otherSite(o, site) {
				// another site of the happening told: at its time
				if undated && !r.undated[o] {
					e.Time, e.TimePrecision, e.Why.DateReason = o.Time, o.TimePrecision, "the time of the happening at the site listed with it: "+o.Why.DateReason
					undated = false
				}
				continue
			}
			if site != "" {
				r.site[o] = site
			}
			if o.Place.Precision == geo.PrecisionCountry && o.Place.ID != e.Place.ID && pl.Country == r.evCountry[i] {
				o.Point, o.Place, o.Why.Mention, o.Why.PlaceReason = e.Point, e.Place, e.Why.Mention, e.Why.PlaceReason
			}
			o.Confidence = math.Max(o.Confidence, e.Confidence)
			o.Tags = mergeTags(o.Tags, e.Tags)
			return
		}
	}
	// the happenings already read in the same country, the latest few: a
	// repeated mention is near the first, and a long text stays linear
	cands := r.byCountry[pl.Country]
	cands = cands[max(0, len(cands)-mergeWindow):]
	for _, i := range cands {
		o := r.events[i]
		kin := o.Type == e.Type || r.politicalViolence(o.Type) && r.politicalViolence(e.Type)
		// an undated mention of a happening of the same type and place as
		// one dated ("the stabbing … at Edmonton" and "stabbing … at
		// Edmonton in November 2014") is that happening, told twice
		// a place a few kilometres from the other's, told in another
		// sentence, is the same scene named finer or coarser ("a street
		// fight in North London" and "the brawl … in Upper Edmonton"); two
		// places of one sentence are two sites
		near := o.Source.Start != e.Source.Start && kmApart(o.Point, e.Point) <= sceneKm
		retold := (undated || r.undated[o]) && o.Type == e.Type && (o.Place.ID == e.Place.ID || near)
		if !samePlace(o, e) && !near || !r.sameTime(o, e, undated) && !(anaphor && kin) && !retold || r.otherSite(o, site) {
			continue
		}
		// "deadly attacks — the Dec. 10 bombings in Istanbul", "a bomb …
		// The attack", "a bombing in Cairo … the attack in Egypt": one act
		// of violence told in other words, in its own sentence, as the
		// happening already told, or placed only by its country
		if o.Type != e.Type && kin && (anaphor || o.Source.Start == e.Source.Start || o.Place.ID != e.Place.ID) {
			r.refinePlace(o, e)
			return
		}
		if o.Type != e.Type {
			// "killed", "died": the toll of a happening already read;
			// "the incident": a happening already read
			if consequence && violent[o.Type] || e.Type == "other" {
				r.refinePlace(o, e)
				return
			}
			// "the death of a man in Cairns" told first, "the motorcyclist
			// crashed … at Edmonton" after: the happening the death was the
			// toll of takes its place
			if o.Type == "death" && violent[e.Type] {
				e.Tags = mergeTags(e.Tags, o.Tags)
				if undated && !r.undated[o] {
					e.Time, e.TimePrecision, e.Why.DateReason = o.Time, o.TimePrecision, o.Why.DateReason
				}
				r.undated[e] = undated && r.undated[o]
				r.family[e] = t.family
				r.events[i] = e
				return
			}
			continue
		}
		// words of another family in another sentence ("was arrested",
		// then "offices … were raided"): another happening of the kind
		if r.family[o] != t.family && o.Source.Start != e.Source.Start {
			continue
		}
		// one happening: keep the finer place and date, the better-founded text
		keep := o
		if finerPlace(e, o) || !finerPlace(o, e) && e.Confidence > o.Confidence {
			keep = e
		}
		// the finer date the text gave; the publication day stands in for none
		if !undated && (r.undated[o] || coarser(keep.TimePrecision, e.TimePrecision)) {
			keep.Time, keep.TimePrecision, keep.Why.DateReason = e.Time, e.TimePrecision, e.Why.DateReason
		}
		if !r.undated[o] && (undated || coarser(keep.TimePrecision, o.TimePrecision)) {
			keep.Time, keep.TimePrecision, keep.Why.DateReason = o.Time, o.TimePrecision, o.Why.DateReason
		}
		r.undated[keep] = r.undated[o] && undated
		r.family[keep] = r.family[o]
		if site != "" {
			r.site[keep] = site
		} else if keep != o {
			r.site[keep] = r.site[o]
		}
		keep.Confidence = math.Max(o.Confidence, e.Confidence)
		keep.Tags = mergeTags(o.Tags, e.Tags)
		r.events[i] = keep
		return
	}
	// "it happened", "the incident", in a sentence that names no place: a
	// happening already told, if any, never one of its own; unless the
	// sentence states a place the gazetteer lacks ("happened … in the 400
	// block of Assiniboine Avenue"), for which the guess stands in
	if rule, _ := w.generic.at(d.lowers[:s.To], t.tok); rule >= 0 && strings.HasPrefix(placeWhy, guessedWhy) && !r.unknownVenue(s) {
		return
	}
	if violent[e.Type] {
		r.scene, r.sceneWhen = m, when
	}
	r.undated[e] = undated
	r.family[e] = t.family
	r.site[e] = site
	r.byCountry[pl.Country] = append(r.byCountry[pl.Country], len(r.events))
	r.evCountry = append(r.evCountry, pl.Country)
	r.events = append(r.events, e)
}

// refinePlace gives event o, placed only by its country, the finer place
// in it where the same happening is told again ("the US election" …
// "Trump narrowly beat Clinton in Wisconsin").
func (r *eventReader) refinePlace(o, e *geo.Event) {
	if o.Place.Precision == geo.PrecisionCountry && finerPlace(e, o) && !strings.HasPrefix(e.Why.PlaceReason, guessedWhy) {
		o.Point, o.Place, o.Why.Mention, o.Why.PlaceReason = e.Point, e.Place, e.Why.Mention, e.Why.PlaceReason
	}
}

// otherSite reports whether event o is at a listed site other than site.
func (r *eventReader) otherSite(o *geo.Event, site string) bool {
	return site != "" && r.site[o] != "" && r.site[o] != site
}

// politicalViolence reports whether events of type typ are acts of armed
// violence by ACLED's reckoning (battles, explosions and remote violence,
// violence against civilians), which one report may name in several words.
func (r *eventReader) politicalViolence(typ string) bool {
	t := r.w.types[typ]
	if t == nil {
		return false
	}
	switch t.ACLEDType {
	case "Battles", "Explosions/Remote violence", "Violence against civilians":
		return true
	}
	return false
}

// sceneKm is how far apart two places of one happening told twice may be.
const sceneKm = 25

// kmApart is the distance between two points in kilometres, by the
// equirectangular approximation (exact enough at a few dozen kilometres).
func kmApart(a, b orb.Point) float64 {
	const kmPerDeg = 111.2
	dl := math.Abs(a[0] - b[0])
	if dl > 180 {
		dl = 360 - dl
	}
	dx := dl * math.Cos((a[1]+b[1])/2*math.Pi/180) * kmPerDeg
	dy := (a[1] - b[1]) * kmPerDeg
	return math.Hypot(dx, dy)
}

// mergeWindow is how many earlier events of a country a new one is compared with.
const mergeWindow = 64

// violent types have tolls.
var violent = map[string]bool{
	"armed_clash": true, "airstrike_shelling": true, "bombing_explosion": true, "attack_killing": true,
	"riot": true, "disaster_accident": true, "crime": true,
}

// sameTime reports whether a and b can be one happening in time: the same
// day, one date inside the other's month or year, or one of them undated
// (the publication day stood in) and the other within the week before.
func (r *eventReader) sameTime(a, b *geo.Event, bUndated bool) bool {
	if r.undated[a] != bUndated && !r.anchor.IsZero() {
		dated := a
		if r.undated[a] {
			dated = b
		}
		return !dated.Time.After(r.anchor) && r.anchor.Sub(dated.Time) <= 7*24*time.Hour
	}
	return sameTime(a, b)
}

// samePlace: the same gazetteer entry, or one inside the other's country
// when that one is the country itself (both are of one country: the
// caller compares events of the same country only).
func samePlace(a, b *geo.Event) bool {
	if a.Place.ID == b.Place.ID {
		return true
	}
	return a.Place.Precision == geo.PrecisionCountry || b.Place.Precision == geo.PrecisionCountry
}

func finerPlace(a, b *geo.Event) bool {
	return placeRank(a.Place.Precision) < placeRank(b.Place.Precision)
}

// placeRank orders place precisions from the finest (0).
func placeRank(p string) int {
	switch p {
	case geo.PrecisionCity:
		return 1
	case geo.PrecisionRegion:
		return 2
	case geo.PrecisionCountry:
		return 3
	}
	return 0
}

// sameTime: the same day, or one date inside the other's month or year.
func sameTime(a, b *geo.Event) bool {
	switch {
	case a.TimePrecision == geo.TimeYear || b.TimePrecision == geo.TimeYear:
		return a.Time.Year() == b.Time.Year()
	case a.TimePrecision == geo.TimeMonth || b.TimePrecision == geo.TimeMonth:
		return a.Time.Year() == b.Time.Year() && a.Time.Month() == b.Time.Month()
	}
	return a.Time.Equal(b.Time)
}

// coarser reports whether precision a says less than b.
func coarser(a, b string) bool { return timeRank(a) > timeRank(b) }

// timeRank orders time precisions from the finest (0: a day or an instant).
func timeRank(p string) int {
	switch p {
	case geo.TimeMonth:
		return 1
	case geo.TimeYear:
		return 2
	}
	return 0
}

func mergeTags(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, t := range b {
		found := false
		for _, o := range out {
			found = found || o == t
		}
		if !found && len(out) < geo.MaxTags {
			out = append(out, t)
		}
	}
	return out
}

// sentenceText returns the tags of seeds/en/tags.tsv that sentence si
// matches and its excerpt, worked out once per sentence however many events
// it makes.
func (r *eventReader) sentenceText(si int, s Sentence) (events, actors []string, excerpt string) {
	c := &r.sentText
	if c.si != si+1 {
		c.events, c.actors = r.lang.matchTags(r.d.toks[s.From:s.To], r.d.lowers[s.From:s.To])
		c.excerpt = excerptOf(r.d.text[s.BStart:s.BEnd])
		c.si = si + 1
	}
	return c.events, c.actors, c.excerpt
}

// eventID is deterministic: the same article read twice gives the same
// events, so storing it again adds nothing (geo.HappeningID, the one ID rule).
func eventID(source, typ string, place int64, t time.Time, prec string) string {
	return geo.HappeningID(source, typ, place, t, prec)
}

// unknownVenue reports whether the sentence puts something at a place no
// mention stands for: a locative word, then (after an article) a capitalised
// word or a number ("in the 400 block of", "at Rest Acres Road").
func (r *eventReader) unknownVenue(s Sentence) bool {
	d := r.d
	for i := s.From; i+1 < s.To; i++ {
		if d.toks[i].Kind != Word || !r.w.locative.has(d.lowers[i]) {
			continue
		}
		j := i + 1
		if r.lang.articles[d.lowers[j]] && j+1 < s.To {
			j++
		}
		if t := &d.toks[j]; (t.Kind == Number || t.Kind == Word && t.IsCap()) && !r.mentionAt(j) {
			return true
		}
	}
	return false
}

// mentionAt reports whether a mention covers token j.
func (r *eventReader) mentionAt(j int) bool { return r.mentionOf(j) != nil }
