package geoparse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	return r.read(), ms, nil
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
	undated   map[*geo.Event]bool // events whose sentence gave no date
	byCountry map[string][]int    // country code → indexes of r.events there
	focusM    *Mention            // the place the article is about, once known
	focusDone bool
	year      int      // without publication date or full date: the latest year the text names
	city      *Mention // the last city named: what "the city" refers to
}

func newEventReader(lang *Language, d *doc, ms []Mention, a Article) *eventReader {
	r := &eventReader{lang: lang, w: lang.ev, d: d, a: a, bySent: make([][]*Mention, len(d.sents)),
		undated: map[*geo.Event]bool{}, byCountry: map[string][]int{}}
	r.source = a.URL
	if r.source == "" {
		sum := sha256.Sum256([]byte(a.Text))
		r.source = hex.EncodeToString(sum[:])
	}
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
}

// read makes the article's events.
func (r *eventReader) read() []*geo.Event {
	d := r.d
	for si, s := range d.sents {
		r.sentence(si, s)
		for _, m := range r.bySent[si] {
			if m.Kind != KindDateline && m.Place.Precision() == geo.PrecisionCity {
				r.city = m
			}
		}
	}
	return r.events
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
	for i := s.From; i < s.To; i++ {
		if d.toks[i].Kind != Word {
			continue
		}
		rule, n := w.triggers.at(d.lowers[:s.To], i)
		if rule < 0 {
			continue
		}
		t := trig{tok: i, end: i + n, typ: w.trigType[rule], rank: w.triggers.rank[rule]}
		i += n - 1
		if !r.realis(s, t) {
			continue
		}
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
	for _, m := range places {
		r.add(si, s, t, m, how[m], when, dateWhy)
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
			r.add(si, s, o.t, m, o.how[m], when, dateWhy)
		}
	}
}

// clauseStart returns the first token of the clause that token i is in:
// after the last comma, semicolon, colon, dash, bracket or quote before it.
func (r *eventReader) clauseStart(s Sentence, i int) int {
	for j := i - 1; j >= s.From; j-- {
		if r.clauseBreak(j) {
			return j + 1
		}
	}
	return s.From
}

// clauseEnd returns the token after the clause that token i is in.
func (r *eventReader) clauseEnd(s Sentence, i int) int {
	for j := i + 1; j < s.To; j++ {
		if r.clauseBreak(j) {
			return j
		}
	}
	return s.To
}

// clauseBreak reports whether token j separates clauses: a comma,
// semicolon, dash, bracket or quote, or a colon that a space follows ("8:14"
// is a time).
func (r *eventReader) clauseBreak(j int) bool {
	t := &r.d.toks[j]
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
func (r *eventReader) realis(s Sentence, t trig) bool {
	d, w := r.d, r.w
	from := r.clauseStart(s, t.tok)
	for j := t.tok - 1; j >= from && j >= t.tok-10; j-- {
		if d.toks[j].Kind != Word {
			continue
		}
		lw := d.lowers[j]
		if _, ok := r.lang.dates.months[lw]; ok && d.toks[j].IsCap() {
			continue // "in May": the month
		}
		if t.tok-j <= 4 && w.negation.endsAt(d.lowers, j, from) {
			return false
		}
		if w.irrealis.endsAt(d.lowers, j, from) {
			return false
		}
	}
	if t.tok-1 >= from && r.lang.infinitive[d.lowers[t.tok-1]] && !r.lang.pluralEndings.endsWith(d.lowers[t.tok]) {
		return false // "to attack", "to leave"; not "to talks"
	}
	// "a meeting to be held", "talks between the sides will be held"
	j := t.end
	if j < s.To && d.lowers[j] == "," {
		j++
	}
	for k := j; k < s.To && k < j+8; k++ {
		if rule, _ := w.irrealisAfter.at(d.lowers[:s.To], k); rule >= 0 {
			return false
		}
		if d.toks[k].Kind == Punct || k > j && r.isTrigger(s, k) {
			break
		}
	}
	// "agreed to pay", "voted to leave": a decision about something else
	// (a verb; "a rally to demand" is a rally)
	if t.end+1 < s.To && r.lang.pastEndings.endsWith(d.lowers[t.end-1]) && r.lang.infinitive[d.lowers[t.end]] && d.toks[t.end+1].Kind == Word && !d.toks[t.end+1].IsCap() &&
		!r.lang.determiners[d.lowers[t.end+1]] {
		return false
	}
	return true
}

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

// places picks where the trigger's happening took place: the literal place
// mentions tied to it (after a locative word in its sentence, or right
// before it as a modifier), with the ones listed alongside the best
// ("at X, Y and Z"). Without one, "the city" is the last city named, and a
// sentence that names no place goes on at the place the sentence before put
// something at, else at the place the article is about.
func (r *eventReader) places(si int, s Sentence, t trig, fallback bool) ([]*Mention, map[*Mention]string) {
	type cand struct {
		m     *Mention
		score float64
		why   string
	}
	var cs, lits []cand
	named := false
	for _, m := range r.bySent[si] {
		if m.Kind == KindDateline {
			continue
		}
		named = true
		if ok, _ := r.literal(m); !ok {
			continue
		}
		score, why := r.link(s, t, m)
		lits = append(lits, cand{m, score, why})
		if score > 0 {
			cs = append(cs, cand{m, score, why})
		}
	}
	// a country gives way to a place in it, a region to a town in it
	out := cs[:0]
	for _, c := range cs {
		finer := false
		for _, o := range cs {
			cp, op := c.m.Place, o.m.Place
			if op.Country == cp.Country && isCountry(cp) && !isCountry(op) ||
				op.Country == cp.Country && cp.Precision() == geo.PrecisionRegion && !isArea(op) && op.Admin1 == cp.Admin1 && cp.Admin1 != "" {
				finer = true
			}
		}
		if !finer {
			out = append(out, c)
		}
	}
	cs = out
	how := map[*Mention]string{}
	if len(cs) == 0 {
		if !fallback {
			return nil, nil
		}
		if m := r.city; m != nil && r.theCity(s) {
			how[m] = fmt.Sprintf("%q: the city last named", "the city")
			return []*Mention{m}, how
		}
		if m := r.recent(si); m != nil && !named && !needsVenue[t.typ] && !r.quoted(s) {
			how[m] = "no place in the sentence: the place the sentence before named"
			return []*Mention{m}, how
		}
		if m := r.focus(); m != nil && !named && !needsVenue[t.typ] && !r.quoted(s) {
			how[m] = "no place in the sentence: the place the article is about"
			return []*Mention{m}, how
		}
		return nil, nil
	}
	best := 0
	for i, c := range cs {
		if c.score > cs[best].score {
			best = i
		}
	}
	picked := []*Mention{cs[best].m}
	how[cs[best].m] = cs[best].why
	// places listed with the best one: "at the Stade de France, outside the
	// Petit Cambodge and in the Boulevard Voltaire"
	for _, c := range lits {
		if c.m == cs[best].m || c.m.Place.ID == cs[best].m.Place.ID || isCountry(c.m.Place) {
			continue
		}
		if r.listed(c.m, cs[best].m) && !r.contains(c.m, cs[best].m) {
			picked = append(picked, c.m)
			how[c.m] = fmt.Sprintf("listed with %q, %s", cs[best].m.Text, cs[best].why)
		}
	}
	return picked, how
}

// recent returns the last place used literally after a locative word in
// the two sentences before si, if any.
func (r *eventReader) recent(si int) *Mention {
	for k := si - 1; k >= 0 && k >= si-2; k-- {
		ms := r.bySent[k]
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.Kind == KindDateline {
				continue
			}
			if ok, _ := r.literal(m); !ok {
				continue
			}
			if c, _ := r.cue(r.d.sents[k], m); c != "" && r.w.locative.has(c) {
				return m
			}
		}
	}
	return nil
}

// quoted reports whether the sentence is someone's words in quotation
// marks: what they say happened is no scene of the article's own.
func (r *eventReader) quoted(s Sentence) bool {
	t := &r.d.toks[s.From]
	return t.Kind == Punct && (t.Text == "\"" || t.Text == "“" || t.Text == "‘")
}

// needsVenue are the types whose place the text must state: a deal is
// signed, a vote held, a visit paid, a death met somewhere in particular,
// and the article's main place is no guess at it (GUIDELINES.md leaves a
// signing with no venue out).
var needsVenue = map[string]bool{"agreement": true, "election_vote": true, "visit": true, "death": true}

// focus returns the place the article is about: of the places used
// literally, the one named most often, the dateline and the first
// sentences counting double, a town or region before a country. Computed
// once.
func (r *eventReader) focus() *Mention {
	if r.focusDone {
		return r.focusM
	}
	r.focusDone = true
	weight := map[int64]float64{}
	first := map[int64]*Mention{}
	for si, ms := range r.bySent {
		for _, m := range ms {
			w := 1.0
			if m.Kind == KindDateline {
				w = 3
			} else if ok, _ := r.literal(m); !ok {
				continue
			}
			if si < 3 {
				w *= 2
			}
			if isCountry(m.Place) {
				w *= 0.5
			}
			weight[m.Place.ID] += w
			if first[m.Place.ID] == nil {
				first[m.Place.ID] = m
			}
		}
	}
	var best *Mention
	for id, w := range weight {
		if best == nil || w > weight[best.Place.ID] || w == weight[best.Place.ID] && first[id].Start < best.Start {
			best = first[id]
		}
	}
	if best != nil && weight[best.Place.ID] >= 2 {
		r.focusM = best
	}
	return r.focusM
}

// contains reports whether area a, written after b with only a comma
// between ("Redding, California"), is where b lies rather than a second
// place.
func (r *eventReader) contains(a, b *Mention) bool {
	if !isArea(a.Place) || isArea(b.Place) || a.tok < b.tokEnd || a.Place.Country != b.Place.Country {
		return false
	}
	for j := b.tokEnd; j < a.tok; j++ {
		if r.lang.listWords[r.d.lowers[j]] {
			return false
		}
	}
	return true
}

// listed reports whether a and b stand in one list: only commas, "and",
// "or", articles and locative words between them.
func (r *eventReader) listed(a, b *Mention) bool {
	from, to := a.tokEnd, b.tok
	if b.tok < a.tok {
		from, to = b.tokEnd, a.tok
	}
	if to-from > 8 {
		return false
	}
	for j := from; j < to; j++ {
		switch lw := r.d.lowers[j]; {
		case lw == "," || r.lang.listWords[lw] || r.lang.skippable[lw]:
		case r.w.locative.has(lw) || r.w.toward.has(lw):
		default:
			return false
		}
	}
	return true
}

func (r *eventReader) theCity(s Sentence) bool {
	for i := s.From; i+1 < s.To; i++ {
		if r.lang.articles[r.d.lowers[i]] && r.lang.cityNouns[r.d.lowers[i+1]] {
			return true
		}
	}
	return false
}

// link scores how clearly mention m is where trigger t happened: a
// locative word before it ("in", "at", "the town of"), or m right before
// the trigger ("the Kayseri blast"); nearer is better. A reference point
// ("west of Raqa") and a country score lower. 0: not tied.
func (r *eventReader) link(s Sentence, t trig, m *Mention) (float64, string) {
	d, w := r.d, r.w
	dist := m.tok - t.end
	if m.tok < t.tok {
		dist = t.tok - m.tokEnd
	}
	var score float64
	var why string
	cue, at := r.cue(s, m)
	switch {
	case m.tokEnd == t.tok && !d.toks[t.tok].IsCap() && !r.lang.pastEndings.endsWith(d.lowers[t.end-1]),
		m.tokEnd+2 <= t.tok && t.tok <= m.tokEnd+3 && r.lang.possessive[d.lowers[m.tokEnd+1]] && !d.toks[t.tok].IsCap():
		score, why = 2.5, fmt.Sprintf("%q names the %q", m.Text, joinTokens(d.toks[t.tok:t.end]))
	case cue != "" && w.target.has(cue) && at >= t.tok && at <= t.end+1:
		score, why = 2, fmt.Sprintf("%q is what %q names as struck or reached", m.Text, cue)
	case cue != "" && w.locative.has(cue) || strings.Contains(cue, " "):
		score, why = 2, fmt.Sprintf("%q after %q", m.Text, cue)
		if r.lang.relativeCues[cue] {
			score, why = 1.2, why+" (a reference point)"
		}
	case m.tok > t.end && m.tok-t.end <= 4 && r.lang.ofWords[d.lowers[m.tok-1]] && !d.toks[t.tok].IsCap():
		score, why = 1.8, fmt.Sprintf("%q names what the %q struck", m.Text, joinTokens(d.toks[t.tok:t.end]))
	case cue != "" && w.origin.has(cue) && movement(t.typ):
		score, why = 1.8, fmt.Sprintf("%q after %q: where they left", m.Text, cue)
	case cue != "" && w.toward.has(cue) && movement(t.typ):
		score, why = 1.5, fmt.Sprintf("%q after %q: where they went", m.Text, cue)
	default:
		return 0, ""
	}
	if dist > 15 {
		return 0, ""
	}
	score -= 0.04 * float64(dist)
	// another clause of the sentence: its place may be another happening's
	if m.tokEnd <= r.clauseStart(s, t.tok) || m.tok >= r.clauseEnd(s, t.end-1) {
		score -= 0.6
	}
	if isCountry(m.Place) {
		score -= 0.3
	}
	return score, why
}

// movement reports whether a type's happening moves people somewhere, so
// that its destination ("fled to Turkey") is one of its places.
func movement(typ string) bool {
	return typ == "displacement_evacuation"
}

// cue returns the locative or movement words before m ("in", "at", "town
// of", "to"), skipping articles and direction words ("in the eastern
// province of"), or "".
func (r *eventReader) cue(s Sentence, m *Mention) (string, int) {
	d, w := r.d, r.w
	j := m.tok - 1
	for k := 0; k < 4 && j >= s.From; k++ {
		lw := d.lowers[j]
		if d.toks[j].Kind == Punct {
			if lw == "'" || lw == "’" || lw == "\"" || lw == "“" {
				j--
				continue
			}
			return "", -1
		}
		lo := max(s.From, j-2)
		if n := max(w.locative.endLen(d.lowers, j, lo), w.toward.endLen(d.lowers, j, lo),
			w.origin.endLen(d.lowers, j, lo), w.target.endLen(d.lowers, j, lo)); n > 0 {
			return strings.Join(d.lowers[j-n+1:j+1], " "), j - n + 1
		}
		if !r.lang.skippable[lw] {
			return "", -1
		}
		j--
	}
	return "", -1
}

// literal reports whether m is used as a place (where something can
// happen) rather than for an actor: not the dateline, a demonym or a
// modifier ("US-led"); not followed by an actor noun or a verb it is the
// subject of ("Turkish police", "Moscow said"); not a possessive that owns
// something other than a part of the place ("Russia's ambassador"); not
// inside an organisation's name ("University of Chicago"), nor the object
// of a role ("ambassador to Turkey").
func (r *eventReader) literal(m *Mention) (bool, string) {
	d, w := r.d, r.w
	switch {
	case m.Kind == KindDateline:
		return false, "the dateline says where the report was filed"
	case m.Kind == KindDemonym:
		return false, "a demonym describes an actor"
	case m.modifier:
		return false, "a modifier (\"US-led\")"
	}
	j := m.tokEnd
	possessive := false
	if j+1 < len(d.toks) && (d.lowers[j] == "'" || d.lowers[j] == "’") && r.lang.possessive[d.lowers[j+1]] {
		j, possessive = j+2, true
	} else if j < len(d.toks) && r.lang.possessive[d.lowers[j]] && d.toks[j].SpaceBefore {
		j, possessive = j+1, true // "Syria s Raqa" in scraped text
	}
	if j < len(d.toks) {
		nw := d.lowers[j]
		switch {
		case possessive && (r.lang.placeNouns[nw] || d.toks[j].IsCap()):
		case possessive && (r.startsTrigger(j) || j+1 < len(d.toks) && r.startsTrigger(j+1)):
			// "Russia's parliamentary elections": the happening's own place
		case possessive:
			return false, fmt.Sprintf("possessive: %q", d.text[m.BStart:d.toks[j].BEnd])
		case w.actor.has(nw):
			return false, fmt.Sprintf("names an actor: %q", d.text[m.BStart:d.toks[j].BEnd])
		case w.actorVerb.has(nw):
			return false, fmt.Sprintf("the subject of %q", nw)
		}
	}
	if i := m.tok - 1; i >= 1 {
		pw := d.lowers[i]
		if r.lang.ofWords[pw] && d.toks[i-1].IsCap() && !r.lang.ofCues[d.lowers[i-1]] {
			return false, fmt.Sprintf("inside a name: %q", d.text[d.toks[i-1].BStart:m.BEnd])
		}
		if r.lang.rolePreps[pw] && w.actor.has(d.lowers[i-1]) {
			return false, fmt.Sprintf("the object of a role: %q", d.text[d.toks[i-1].BStart:m.BEnd])
		}
	}
	if m.Literal < literalMin {
		return false, fmt.Sprintf("read as no literal use (%.2f): %s", m.Literal, m.LiteralWhy)
	}
	return true, ""
}

// literalMin is the literal model's score under which a mention the rules
// let through is still taken for an actor (see seeds/en/literal.model).
const literalMin = 0.3

// add makes the event of trigger t at mention m, or merges it into an
// event of the same happening already read.
func (r *eventReader) add(si int, s Sentence, t trig, m *Mention, placeWhy string, when When, dateWhy string) {
	d, w := r.d, r.w
	pl := m.Place
	prec, tm := "", when.Time
	switch when.Grain {
	case "day", "published":
		prec = geo.TimeDay
	case "month":
		prec, tm = geo.TimeMonth, time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "year":
		prec, tm = geo.TimeYear, time.Date(tm.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
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
	legacy, actors := r.legacyTags(s)
	tags = append(append(tags, legacy...), actors...)
	trigger := joinTokens(d.toks[t.tok:t.end])
	excerpt := excerptOf(d.text[s.BStart:s.BEnd])
	a1, a2 := r.actors(s, t)
	e := &geo.Event{
		ID:            eventID(r.source, t.typ, pl.ID, tm, prec),
		Point:         pl.Point,
		Time:          tm,
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
			Trigger:     trigger,
			Mention:     geo.WhyMention{Start: m.Start, End: m.End, Text: m.Text},
			PlaceReason: clip(placeWhy+"; "+m.Reason, geo.MaxWhyLen),
			DateReason:  clip(dateWhy, geo.MaxWhyLen),
		},
	}
	if e.Validate() != nil {
		return
	}
	undated := when.Grain == "published"
	consequence := t.typ == "death" || r.lang.casualty[strings.ToLower(trigger)]
	// the happenings already read in the same country, the latest few: a
	// repeated mention is near the first, and a long text stays linear
	cands := r.byCountry[pl.Country]
	cands = cands[max(0, len(cands)-mergeWindow):]
	for _, i := range cands {
		o := r.events[i]
		if !samePlace(o, e) || !r.sameTime(o, e, undated) {
			continue
		}
		if o.Type != e.Type {
			// "killed", "died": the toll of a happening already read;
			// "the incident": a happening already read
			if consequence && violent[o.Type] || e.Type == "other" {
				return
			}
			continue
		}
		// one happening: keep the finer place and date, the better-founded text
		keep := o
		if finerPlace(e, o) || !finerPlace(o, e) && e.Confidence > o.Confidence {
			keep = e
		}
		if r.undated[o] && !undated || coarser(keep.TimePrecision, e.TimePrecision) {
			keep.Time, keep.TimePrecision, keep.Why.DateReason = e.Time, e.TimePrecision, e.Why.DateReason
		}
		if !r.undated[o] && undated || coarser(keep.TimePrecision, o.TimePrecision) {
			keep.Time, keep.TimePrecision, keep.Why.DateReason = o.Time, o.TimePrecision, o.Why.DateReason
		}
		r.undated[keep] = r.undated[o] && undated
		keep.Confidence = math.Max(o.Confidence, e.Confidence)
		keep.Tags = mergeTags(o.Tags, e.Tags)
		r.events[i] = keep
		return
	}
	r.undated[e] = undated
	r.byCountry[pl.Country] = append(r.byCountry[pl.Country], len(r.events))
	r.events = append(r.events, e)
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
	rank := map[string]int{geo.PrecisionPoint: 0, geo.PrecisionCity: 1, geo.PrecisionRegion: 2, geo.PrecisionCountry: 3}
	return rank[a.Place.Precision] < rank[b.Place.Precision]
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
func coarser(a, b string) bool {
	rank := map[string]int{geo.TimeDay: 0, "": 0, geo.TimeMonth: 1, geo.TimeYear: 2}
	return rank[a] > rank[b]
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

// legacyTags are the tags of seeds/tags.tsv that the sentence matches.
func (r *eventReader) legacyTags(s Sentence) (events, actors []string) {
	return r.lang.matchTags(r.d.toks[s.From:s.To], r.d.lowers[s.From:s.To])
}

// excerptOf is a sentence as one line: hard line breaks and runs of spaces
// folded, cut at the excerpt limit.
func excerptOf(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return clip(s, geo.MaxExcerptLen)
}

// clip cuts s to at most n code points.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// eventID is deterministic: the same article read twice gives the same
// events, so storing it again adds nothing. It names the happening (type,
// place, date), not the sentence, so that one happening has one ID.
func eventID(source, typ string, place int64, t time.Time, prec string) string {
	h := sha256.New()
	h.Write([]byte(source))
	fmt.Fprintf(h, "\x00%s\x00%d\x00%s\x00%s", typ, place, t.Format("2006-01-02"), prec)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// title says what happened in the clause's own words: from the clause's
// start (past a reporting frame such as "officials said", a leading
// conjunction or time word) to the place, or to the clause's end a few
// words past the trigger; "Tillerson, who met with Trump" reads "Tillerson
// met with Trump". The place is added when the words lack it.
func (r *eventReader) title(s Sentence, t trig, m *Mention) string {
	d, w := r.d, r.w
	from := r.clauseStart(s, t.tok)
	// past the last verb of saying before the trigger: "X said (that) …"
	for j := t.tok - 1; j >= from; j-- {
		if w.report.has(d.lowers[j]) && !d.toks[j].IsCap() {
			from = j + 1
			if from < t.tok && r.lang.complementizers[d.lowers[from]] {
				from++
			}
			break
		}
	}
	var lead []Token
	if from < t.tok && r.lang.relativePronouns[d.lowers[from]] && from-2 >= s.From && d.lowers[from-1] == "," {
		// the antecedent of "who": the words before the comma, back to the clause before
		a := r.clauseStart(s, from-1)
		if from-1-a <= 4 && d.toks[a].IsCap() {
			lead = d.toks[a : from-1]
		}
		from++
	}
	for from < t.tok && (r.lang.titleSkip[d.lowers[from]] || d.toks[from].Kind == Punct || r.isDateWord(from) ||
		d.toks[from].Kind == Number) {
		from++
	}
	if t.tok-from > 8 {
		// too long a lead: the trigger's own phrase ("Karlov's assassination")
		from = t.tok
		for k := 0; k < 4 && from-1 > s.From; k++ {
			p := &d.toks[from-1]
			if p.Kind == Punct && p.Text != "'" && p.Text != "’" || r.lang.phraseStop[d.lowers[from-1]] || w.report.has(d.lowers[from-1]) {
				break
			}
			from--
		}
	}
	end := r.clauseEnd(s, t.end-1)
	to := min(end, t.end+8)
	if m.Sentence == s.index(d) && m.tok >= t.end && m.tokEnd-t.end <= 16 {
		to = m.tokEnd
	}
	for to > t.end && (d.toks[to-1].Kind == Punct || r.lang.trailing[d.lowers[to-1]]) {
		to--
	}
	words := strings.Trim(joinTokens(d.toks[from:to]), " \"“”'‘’")
	if len(lead) > 0 {
		words = joinTokens(lead) + " " + words
	}
	if words == "" {
		words = joinTokens(d.toks[t.tok:t.end])
	}
	if !(m.Sentence == s.index(d) && m.tok >= from && m.tokEnd <= to) {
		name := m.Text
		if m.Kind != KindName {
			name = m.Place.Name
		}
		words += " in " + name
	}
	rs := []rune(words)
	rs[0] = unicode.ToUpper(rs[0])
	return clip(string(rs), 200)
}

// index returns the sentence's index in d.
func (s Sentence) index(d *doc) int {
	if s.From < len(d.sentOf) {
		return d.sentOf[s.From]
	}
	return -1
}

// actors names who did it and to whom, where the clause names them: the
// run of names, demonyms and actor nouns right before the trigger (past
// auxiliaries and adverbs: "A Turkish policeman fatally shot"), and the
// run right after it ("shot Russia's ambassador"); in the passive ("was
// arrested by police") the other way round. Pronouns, clauses and places
// never stand as actors.
func (r *eventReader) actors(s Sentence, t trig) (string, string) {
	d := r.d
	from := r.clauseStart(s, t.tok)
	i := t.tok
	passive := false
	for i > from && (r.lang.auxVerbs[d.lowers[i-1]] || r.lang.adverbEndings.endsWith(d.lowers[i-1])) {
		passive = passive || r.lang.passiveAux[d.lowers[i-1]]
		i--
	}
	a := i
	for a > from && r.actorWord(s, a-1) {
		a--
	}
	subj := r.actorPhrase(a, i)
	j := t.end
	for j < s.To && r.lang.articles[d.lowers[j]] {
		j++
	}
	k := j
	for k < s.To && k-j < 6 && r.actorWord(s, k) {
		k++
	}
	obj := r.actorPhrase(j, k)
	if passive {
		by := ""
		for b := t.end; b+1 < s.To && b < t.end+8; b++ {
			if r.lang.agentPreps[d.lowers[b]] {
				e := b + 1
				for e < s.To && r.lang.articles[d.lowers[e]] {
					e++
				}
				f := e
				for f < s.To && f-e < 6 && r.actorWord(s, f) {
					f++
				}
				by = r.actorPhrase(e, f)
				break
			}
		}
		return by, subj
	}
	return subj, obj
}

// actorWord reports whether token i may be part of an actor's name: a
// capitalised word (not a sentence's first word unless it is an actor noun,
// a demonym or all capitals), an actor noun, a number ("13 soldiers"), or
// the possessive between ("Russia's ambassador").
func (r *eventReader) actorWord(s Sentence, i int) bool {
	d := r.d
	t := &d.toks[i]
	lw := d.lowers[i]
	switch {
	case t.Kind == Punct:
		return (t.Text == "'" || t.Text == "’") && i+1 < s.To && r.lang.possessive[d.lowers[i+1]]
	case r.lang.possessive[lw] && i > s.From && d.toks[i-1].Kind == Punct:
		return true
	case t.Kind == Number:
		return true
	case r.w.actor.has(lw):
		return true
	case r.isDateWord(i) || r.lang.titleSkip[lw] || r.lang.articles[lw] || r.w.report.has(lw):
		return false
	case t.IsCap():
		_, demonym := r.lang.demonym(t.Text)
		return i > s.From || demonym || t.IsAllCaps()
	}
	return false
}

// actorPhrase returns tokens [i, j) as an actor's name when they hold a
// capitalised word or an actor noun and are no place, else "".
func (r *eventReader) actorPhrase(i, j int) string {
	d := r.d
	for j > i && (d.toks[j-1].Kind == Punct || r.lang.possessive[d.lowers[j-1]]) {
		j--
	}
	for i < j && d.toks[i].Kind == Punct {
		i++
	}
	if i >= j {
		return ""
	}
	named := false
	for k := i; k < j; k++ {
		named = named || d.toks[k].IsCap() || r.w.actor.has(d.lowers[k])
	}
	if !named {
		return ""
	}
	for _, m := range r.bySent[d.sentOf[i]] {
		if m.tok < j && m.tokEnd > i && m.tok <= i && m.tokEnd >= j {
			return "" // the whole phrase is a place
		}
	}
	return clip(joinTokens(d.toks[i:j]), geo.MaxActorLen)
}

// isDateWord reports whether token i names a month or a weekday.
func (r *eventReader) isDateWord(i int) bool {
	_, mo := r.lang.dates.months[r.d.lowers[i]]
	_, wd := r.lang.dates.weekdays[r.d.lowers[i]]
	return (mo || wd) && r.d.toks[i].IsCap()
}
