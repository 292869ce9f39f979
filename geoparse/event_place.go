package geoparse

import (
	"fmt"
	"sort"
	"strings"

	"github.com/geonews/geonews/geo"
)

// nearTokens is how far from its trigger a place may stand (in tokens) and
// still be tied to it.
const nearTokens = 24

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
	// named: the sentence names a place other than the dateline; usedAt:
	// one that is not a word of a longer name. A sentence that names
	// places only inside names ("at the Stade de France, outside the Petit
	// Cambodge restaurant") may go on at the place the sentence before put
	// something at, never at a guess at the article's
	named, usedAt := false, false
	for _, m := range r.bySent[si] {
		if m.Kind != KindDateline {
			named = true
			if !r.inLongerName(m) {
				usedAt = true
				break
			}
		}
	}
	// only the mentions near the trigger can be tied to it (link and
	// listed look no further), so a long sentence stays linear
	ms := r.bySent[si]
	lo := sort.Search(len(ms), func(i int) bool { return ms[i].tokEnd >= t.tok-nearTokens })
	for _, m := range ms[lo:] {
		if m.tok > t.end+nearTokens {
			break
		}
		if m.Kind == KindDateline {
			continue
		}
		if !r.literal(m) || r.unrealBetween(t, m) || r.otherBetween(t, m) || r.otherBefore(s, t, m) {
			continue
		}
		score, why := r.link(s, t, m)
		lits = append(lits, cand{m, score, why})
		if score >= minTie {
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
		if m := r.officeOwner(si, s, t); m != nil {
			how[m] = fmt.Sprintf("%q owns the office voted for", m.Text)
			return []*Mention{m}, how
		}
		if !fallback {
			return nil, nil
		}
		if r.scene != nil && r.atScene(s) {
			how[r.scene] = sceneWhy
			return []*Mention{r.scene}, how
		}
		if at := r.theCity(s); at >= 0 {
			m := r.city
			for _, o := range r.bySent[si] { // a city named earlier in the same sentence
				if o.tok < at && o.Kind != KindDateline && o.Place.Precision() == geo.PrecisionCity {
					m = o
				}
			}
			if m != nil {
				how[m] = fmt.Sprintf("%q: the city last named", joinTokens(r.d.toks[at:at+2]))
				return []*Mention{m}, how
			}
		}
		if m := r.recent(si); m != nil && !usedAt && !needsVenue[t.typ] && !r.quoted(s) {
			how[m] = guessedWhy + "the place the sentence before named"
			return []*Mention{m}, how
		}
		if m := r.focus(); m != nil && !named && !needsVenue[t.typ] && !r.quoted(s) {
			how[m] = guessedWhy + "the place the article is about"
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

// minTie is the least score (see link) that ties a place to a trigger: a
// place in another clause, far off and only a country ("signed the deal …,
// but not before a region of Belgium had to be cajoled") ties too loosely.
const minTie = 0.9

// unrealBetween reports whether a trigger that realis took back stands
// between t and m: the place is that unreal happening's ("discussed the
// prospect of peace talks in Beirut").
func (r *eventReader) unrealBetween(t trig, m *Mention) bool {
	for _, u := range r.unreal {
		if t.end <= u.tok && u.end <= m.tok || m.tokEnd <= u.tok && u.end <= t.tok {
			return true
		}
	}
	return false
}

// otherBetween reports whether a real trigger of another happening stands
// between t and m, nearer to m: the place is that happening's ("convicted
// over the brawl that took place in Upper Edmonton", "a suspect in the
// theft near Hinton has been apprehended"). A toll ("a bomb killed 13 in
// Kayseri") is the same happening's, and so is a word for any happening
// ("the shooting incident on Cedar Flat Rd.", "the brawl that took place
// in") or one of its own type right after it ("signed the deal in", "the
// bomb blast in").
func (r *eventReader) otherBetween(t trig, m *Mention) bool {
	for _, u := range r.real {
		if u.tok == t.tok || u.typ == "other" || r.lang.casualty[r.d.lowers[u.tok]] {
			continue
		}
		if u.typ == t.typ && r.adjacent(t, u) {
			continue
		}
		if t.end <= u.tok && u.end <= m.tok || m.tokEnd <= u.tok && u.end <= t.tok {
			return true
		}
	}
	return false
}

// otherBefore reports whether m stands before t after a real trigger of
// another happening in t's clause: m is that happening's, told in t's
// subject ("a suspect in the theft near Hinton has been apprehended");
// unless "where" joins m to t ("visited the embassy in the Holy See where
// an awards ceremony was held").
func (r *eventReader) otherBefore(s Sentence, t trig, m *Mention) bool {
	if m.tok > t.tok {
		return false
	}
	for j := m.tokEnd; j < t.tok; j++ {
		if r.w.placeRelative.has(r.d.lowers[j]) {
			return false // "in the Holy See where an awards ceremony was held"
		}
	}
	cs := r.clauseStart(s, t.tok)
	for _, u := range r.real {
		if u.tok == t.tok || u.typ == t.typ || u.typ == "other" || r.lang.casualty[r.d.lowers[u.tok]] {
			continue
		}
		if u.tok >= cs && u.end <= m.tok {
			return true
		}
	}
	return false
}

// adjacent reports whether only articles and determiners stand between
// triggers a and b.
func (r *eventReader) adjacent(a, b trig) bool {
	from, to := a.end, b.tok
	if b.tok < a.tok {
		from, to = b.end, a.tok
	}
	for j := from; j < to; j++ {
		if !r.lang.determiners[r.d.lowers[j]] && !r.lang.articles[r.d.lowers[j]] {
			return false
		}
	}
	return true
}

// guessedWhy starts the place reason of a happening whose sentence names
// no place.
const guessedWhy = "no place in the sentence: "

// sceneWhy is the place reason of a happening "at the scene".
const sceneWhy = "at the scene: where the happening just told took place"

// atScene reports whether the sentence puts its happening at the scene of
// one already told: "was arrested at the scene".
func (r *eventReader) atScene(s Sentence) bool {
	for i := s.From; i < s.To; i++ {
		if rule, _ := r.w.scene.at(r.d.lowers[:s.To], i); rule >= 0 {
			return true
		}
	}
	return false
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
			if !r.literal(m) {
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
			} else if !r.literal(m) || m.Literal < literalMin {
				continue // the model's doubt counts here even where a rule ties the mention to a happening
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
	if to-from > 8 || to == from {
		return false // nothing between: one name ("Far North Queensland"), no list
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

// theCity returns where the sentence says "the city" or "the town", or -1.
func (r *eventReader) theCity(s Sentence) int {
	for i := s.From; i+1 < s.To; i++ {
		if r.lang.articles[r.d.lowers[i]] && r.lang.cityNouns[r.d.lowers[i+1]] {
			return i
		}
	}
	return -1
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
	case r.siteOf(s, t, m):
		score, why = 1.9, fmt.Sprintf("%q names the site that had the %q", m.Text, joinTokens(d.toks[t.tok:t.end]))
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
			if k := r.streetBefore(s, j); lw == "," && k >= 0 {
				j = k // "in Seaton Street, Edmonton": the town of the street
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

// streetBefore returns the token before the street name that ends right
// before token j ("Seaton Street" before a comma), or -1.
func (r *eventReader) streetBefore(s Sentence, j int) int {
	d := r.d
	i := j - 1
	if i < s.From || !d.toks[i].IsCap() || !r.lang.streetWords[d.lowers[i]] {
		return -1
	}
	for k := 0; k < 4 && i-1 >= s.From && d.toks[i-1].Kind == Word && d.toks[i-1].IsCap(); k++ {
		i--
	}
	return i - 1
}

// literal reports whether m is used as a place (where something can
// happen) rather than for an actor: not the dateline, a demonym or a
// modifier ("US-led"); not followed by an actor noun or a verb it is the
// subject of ("Turkish police", "Moscow said"); not a possessive that owns
// something other than a part of the place ("Russia's ambassador"); not
// inside an organisation's name ("University of Chicago"), nor the object
// of a role ("ambassador to Turkey").
func (r *eventReader) literal(m *Mention) bool {
	d, w := r.d, r.w
	if m.Kind == KindDateline || m.Kind == KindDemonym || m.modifier {
		return false // where the report was filed; an actor's nationality; "US-led"
	}
	if m.Place.Country == "" {
		return false // "Asia", "the Middle East": no country pins a happening there
	}
	j := m.tokEnd
	possessive := false
	if d.possessiveAt(j, len(d.toks)) {
		j, possessive = j+2, true
	} else if j < len(d.toks) && r.lang.possessive[d.lowers[j]] && d.toks[j].SpaceBefore {
		j, possessive = j+1, true // "Syria s Raqa" in scraped text
	}
	if j < len(d.toks) {
		nw := d.lowers[j]
		switch {
		case possessive && (r.lang.placeNouns[nw] || d.toks[j].IsCap()):
		case possessive && (r.startsTrigger(j) || j+1 < len(d.toks) && r.startsTrigger(j+1)):
			// "Russia's parliamentary elections": the happening's own place;
			// unless an act of violence, whose owner is its actor ("Russia's
			// airstrikes"), the rule says more than the model
			if typ := r.triggerType(j); typ != "" && !r.politicalViolence(typ) {
				return true
			}
			if typ := r.triggerType(j + 1); typ != "" && !r.politicalViolence(typ) {
				return true
			}
		case possessive, w.actor.has(nw), w.actorVerb.has(nw):
			return false // "Russia's ambassador", "Turkish police", "Moscow said"
		case r.lang.streetWords[nw] && d.toks[j].IsCap():
			return false // a street named after it: "Seaton Street"
		case !possessive && r.lang.foreignConnectors[d.toks[j].Text] && j+1 < len(d.toks) && d.toks[j+1].IsCap():
			return false // a part of a longer name: "Stade de France"
		}
	}
	if r.lang.saints[d.lowers[m.tok]] && r.churchAfter(m) {
		return false // a saint's church: "the Saint Peter and Saint Paul Coptic Orthodox Church"
	}
	if i := m.tok - 1; i >= 1 {
		pw := d.lowers[i]
		if r.lang.ofWords[pw] && d.toks[i-1].IsCap() && !r.lang.ofCues[d.lowers[i-1]] {
			return false // inside a name: "University of Chicago"
		}
		if r.lang.rolePreps[pw] && w.actor.has(d.lowers[i-1]) {
			return false // a role's country: "ambassador to Turkey"
		}
	}
	return m.Literal >= literalMin
}

// triggerType returns the type of the trigger that starts at token i, or "".
func (r *eventReader) triggerType(i int) string {
	if i >= len(r.d.toks) {
		return ""
	}
	s := r.d.sents[r.d.sentOf[i]]
	if rule, _ := r.w.triggers.at(r.d.lowers[:s.To], i); rule >= 0 {
		return r.w.trigType[rule]
	}
	return ""
}

// churchAfter reports whether the capitalised words after m (with "and",
// "of" and possessives between) end in a house of worship's noun.
func (r *eventReader) churchAfter(m *Mention) bool {
	d := r.d
	for j := m.tokEnd; j < len(d.toks) && j < m.tokEnd+8; j++ {
		t := &d.toks[j]
		switch lw := d.lowers[j]; {
		case t.Kind == Word && r.lang.worshipHouses[lw]:
			return t.IsCap()
		case t.Kind == Word && (t.IsCap() || r.lang.listWords[lw] || r.lang.ofWords[lw] || r.lang.possessive[lw]):
		case lw == "'" || lw == "’" || lw == ".":
		default:
			return false
		}
	}
	return false
}

// literalMin is the literal model's score under which a mention the rules
// let through is still taken for an actor (see seeds/en/literal.model).
const literalMin = 0.3

// siteOf reports whether m names the town of a site that is the subject of
// a verb whose object is the happening: "Ottawa's Macdonald-Cartier
// International Airport had 41 delays", "London City airport reported
// disruption".
func (r *eventReader) siteOf(s Sentence, t trig, m *Mention) bool {
	d, w := r.d, r.w
	if m.tokEnd >= t.tok || m.tok < r.clauseStart(s, t.tok) {
		return false
	}
	j := m.tokEnd
	if d.possessiveAt(j, t.tok) {
		j += 2
	}
	// the site's name: capitalised words and hyphens, then its noun
	for k := 0; j < t.tok && k < 6 && !w.facility.has(d.lowers[j]); k++ {
		if tk := &d.toks[j]; !(tk.Kind == Word && tk.IsCap() || tk.Text == "-") {
			return false
		}
		j++
	}
	if j >= t.tok || !w.facility.has(d.lowers[j]) {
		return false
	}
	// a site verb a few words on, and nothing that ends the clause
	verb := false
	for k := j + 1; k < t.tok; k++ {
		if k > j+5 || d.toks[k].Kind == Punct {
			return false
		}
		verb = verb || w.siteVerb.has(d.lowers[k])
	}
	return verb
}

// sites returns the sites a violent happening's sentence lists after it
// that the gazetteer lacks ("at the Stade de France, outside the Petit
// Cambodge restaurant, in the Boulevard Voltaire, the Bonne Biere and the
// Belle Equipe cafes"): capitalised names after locative words or articles,
// joined by commas and "and". Fewer than two: none (one site is the
// happening's place, named finer).
func (r *eventReader) sites(s Sentence, t trig) []string {
	d, w := r.d, r.w
	if !violent[t.typ] {
		return nil
	}
	var out []string
	i := t.end
	for k := 0; k < 3 && i < s.To && !w.locative.has(d.lowers[i]); k++ {
		i++ // "struck in coordinated attacks at"
	}
	for i < s.To {
		// the cue, article and name of one site
		for i < s.To && (w.locative.has(d.lowers[i]) || r.lang.articles[d.lowers[i]]) {
			i++
		}
		from := i
		for i < s.To && (d.toks[i].Kind == Word && d.toks[i].IsCap() || i > from && r.lang.connectors[d.lowers[i]] && i+1 < s.To && d.toks[i+1].IsCap()) {
			i++
		}
		known := false
		for k := from; k < i && !known; k++ {
			m := r.mentionOf(k)
			known = m != nil && !r.inLongerName(m) || r.isDateWord(k)
		}
		if i == from || known {
			break // no name, a place the gazetteer knows or a date
		}
		out = append(out, joinTokens(d.toks[from:i]))
		if i < s.To && d.toks[i].Kind == Word && !d.toks[i].IsCap() && !r.lang.listWords[d.lowers[i]] {
			i++ // its noun: "restaurant", "cafes"
		}
		// the list goes on after a comma or "and"
		n := 0
		for i < s.To && (d.lowers[i] == "," || r.lang.listWords[d.lowers[i]]) {
			i, n = i+1, n+1
		}
		if n == 0 {
			break
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// mentionOf returns the mention that covers token j, or nil.
func (r *eventReader) mentionOf(j int) *Mention {
	for _, m := range r.bySent[r.d.sentOf[j]] {
		if m.tok <= j && j < m.tokEnd {
			return m
		}
	}
	return nil
}

// inLongerName reports whether a capitalised word no mention covers stands
// right after m or before it (not a word that begins place names, nor the
// sentence's first), or a foreign connector joins it to one: m is
// a word of a longer name ("the Bonne Biere", "the Petit Cambodge
// restaurant", "the Stade de France"), no place named.
func (r *eventReader) inLongerName(m *Mention) bool {
	d := r.d
	if j := m.tokEnd; j < len(d.toks) && d.sentOf[j] == m.Sentence && d.toks[j].Kind == Word && d.toks[j].IsCap() && !r.mentionAt(j) {
		return true
	}
	if j := m.tokEnd; j+1 < len(d.toks) && d.sentOf[j+1] == m.Sentence && r.lang.foreignConnectors[d.toks[j].Text] && d.toks[j+1].IsCap() {
		return true // "the Stade de France"
	}
	i := m.tok - 1
	if i-1 >= d.sents[m.Sentence].From && r.lang.foreignConnectors[d.toks[i].Text] && d.toks[i-1].IsCap() {
		return true // "the Stade de France"
	}
	return i > d.sents[m.Sentence].From && d.toks[i].Kind == Word && d.toks[i].IsCap() && !r.mentionAt(i) && !r.lang.placeHeads[d.lowers[i]]
}

// officeOwner returns, for a vote, the place of its sentence that owns an
// elected office ("a top aide of Rome's new mayor … months after the
// politician was elected"), or nil.
func (r *eventReader) officeOwner(si int, s Sentence, t trig) *Mention {
	d := r.d
	if t.typ != "election_vote" {
		return nil
	}
	for _, m := range r.bySent[si] {
		j := m.tokEnd
		if m.Kind == KindDateline || !d.possessiveAt(j, s.To) {
			continue
		}
		for k := j + 2; k < s.To && k <= j+4; k++ {
			if r.w.office.has(d.lowers[k]) {
				return m
			}
			if d.toks[k].Kind != Word {
				break
			}
		}
	}
	return nil
}
