package geoparse

import (
	"context"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// maxNameWords bounds the n-grams tried against the gazetteer: "Bosnia and
// Herzegovina" has three words, "Democratic Republic of the Congo" five.
const maxNameWords = 6

// connectors may stand inside a multi-word name but never start or end one
// (except an article joined by a hyphen: "al-Bab").
var connectors = map[string]bool{
	"of": true, "the": true, "and": true, "de": true, "del": true, "della": true, "des": true,
	"du": true, "da": true, "do": true, "dos": true, "das": true, "di": true, "la": true, "le": true,
	"les": true, "los": true, "las": true, "el": true, "al": true, "ad": true, "ar": true, "as": true,
	"ash": true, "at": true, "az": true, "ez": true, "an": true, "en": true, "upon": true, "on": true,
	"sur": true, "am": true, "im": true, "an der": true, "van": true, "von": true, "der": true,
	"den": true, "y": true, "e": true, "i": true, "bin": true, "ibn": true, "bani": true, "abu": true,
}

// adminWords after a name make it an administrative area ("Deir Ezzor
// province", "Metcalfe County").
var adminWords = map[string]bool{
	"province": true, "governorate": true, "county": true, "state": true, "region": true,
	"district": true, "prefecture": true, "oblast": true, "parish": true,
	"municipality": true, "territory": true, "emirate": true, "canton": true, "borough": true,
}

// placeHeads begin names of natural and built places; a name after them is
// not a person's ("Lake Chad", "Mount Kenya").
var placeHeads = map[string]bool{
	"lake": true, "mount": true, "mt": true, "fort": true, "ft": true, "port": true, "cape": true,
	"gulf": true, "bay": true, "isle": true, "saint": true, "st": true, "san": true, "santa": true,
	"sao": true, "new": true, "north": true, "south": true, "east": true, "west": true,
	"northern": true, "southern": true, "eastern": true, "western": true, "central": true,
	"upper": true, "lower": true, "greater": true, "downtown": true, "metro": true, "rural": true,
	"suburban": true, "outer": true, "inner": true, "mainland": true, "coastal": true,
}

// cues are the words before a name that make it a place: "in Raqa",
// "the town of Tabqa", "west of Raqa". Checked on the lower-cased token
// before the name (and "X of" for two-word cues).
var cues = map[string]bool{
	"in": true, "near": true, "at": true, "from": true, "to": true, "into": true, "outside": true,
	"across": true, "around": true, "toward": true, "towards": true, "throughout": true,
	"inside": true, "within": true, "via": true, "through": true, "between": true, "visit": true,
	"visited": true, "visiting": true, "entered": true, "reached": true, "downtown": true,
	"northern": true, "southern": true, "eastern": true, "western": true, "central": true,
}

// ofCues are the nouns that, followed by "of", introduce a place name.
var ofCues = map[string]bool{
	"city": true, "town": true, "village": true, "province": true, "region": true, "state": true,
	"capital": true, "country": true, "area": true, "county": true, "district": true, "outskirts": true,
	"north": true, "south": true, "east": true, "west": true, "northeast": true, "northwest": true,
	"southeast": true, "southwest": true, "governorate": true, "suburb": true, "suburbs": true,
	"island": true, "port": true, "border": true, "republic": true, "kingdom": true, "heart": true,
	"centre": true, "center": true, "streets": true, "people": true,
}

// relativeCues are the cues whose place is a reference point, not where
// something happened: "west of Raqa".
var relativeCues = map[string]bool{
	"north of": true, "south of": true, "east of": true, "west of": true, "northeast of": true,
	"northwest of": true, "southeast of": true, "southwest of": true, "outskirts of": true, "near": true,
	"outside": true,
}

// monthDay are capitalised words that name dates; no place cue rescues them.
var monthDay = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true,
	"july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true,
}

// nameAbbrevs are abbreviations that begin place names with a dot: "St. Louis".
var nameAbbrevs = map[string]bool{"St": true, "Mt": true, "Ft": true, "Pt": true, "Ste": true}

// namedAfter are the nouns that, after a place name, make it part of the
// name of something else: "West Nile virus", "Marburg fever", "Spanish flu".
var namedAfter = map[string]bool{
	"virus": true, "fever": true, "flu": true, "disease": true, "syndrome": true, "strain": true,
}

// articleWords never begin a name; the gazetteer folds "The Hague" to "Hague".
var articleWords = map[string]bool{"The": true, "A": true, "An": true, "THE": true}

// speechVerbs after a bare name make it a person: "Welch said".
var speechVerbs = map[string]bool{
	"said": true, "says": true, "told": true, "added": true, "explained": true, "noted": true,
	"wrote": true, "stated": true, "testified": true, "argued": true, "asked": true, "replied": true,
	"recalled": true, "insisted": true, "acknowledged": true, "admitted": true, "believes": true,
	"thinks": true, "agreed": true, "warned": true,
}

// doc is the state of one text being parsed.
type doc struct {
	text   string
	toks   []Token
	sents  []Sentence
	sentOf []int // token index → sentence index
	// titleCase marks sentences (headlines) where most words are capitalised,
	// so capitalisation says nothing about names.
	titleCase []bool
	lowerSeen map[string]bool // words seen in lower case anywhere in the text
	lowers    []string        // each token in lower case
	persons   map[string]bool // words found to be parts of person names
	ctx       context.Context // the caller's: recognize stops when it ends
}

// docs keeps the buffers of parsed texts for the next: a 4 KB article needs
// some 100 KB of tokens and tables, and allocating them anew is a good part
// of the garbage a parse leaves.
var docs = sync.Pool{New: func() any {
	return &doc{persons: map[string]bool{}, lowerSeen: map[string]bool{}}
}}

// maxPooledTokens bounds the buffers kept for reuse: one huge text must not
// pin its tables for good.
const maxPooledTokens = 1 << 16

func newDoc(text string) *doc {
	d := docs.Get().(*doc)
	d.text = text
	d.toks = tokenize(d.toks, text)
	d.sents = sentences(d.sents, d.toks)
	n := len(d.toks)
	d.lowers = slices.Grow(d.lowers[:0], n)[:n]
	for i := range d.toks {
		d.lowers[i] = strings.ToLower(d.toks[i].Text)
	}
	d.sentOf = slices.Grow(d.sentOf[:0], n)[:n]
	d.titleCase = slices.Grow(d.titleCase[:0], len(d.sents))[:len(d.sents)]
	for si, s := range d.sents {
		words, caps := 0, 0
		for i := s.From; i < s.To; i++ {
			d.sentOf[i] = si
			t := &d.toks[i]
			if t.Kind != Word {
				continue
			}
			words++
			if t.IsCap() {
				caps++
			} else if r, _ := utf8.DecodeRuneInString(t.Text); unicode.IsLower(r) {
				d.lowerSeen[t.Text] = true
			}
		}
		d.titleCase[si] = words >= 3 && caps*4 >= words*3
	}
	return d
}

// free returns d's buffers for reuse; d must not be used after. Mentions
// and events hold only substrings of the text, never the buffers.
func (d *doc) free() {
	if cap(d.toks) > maxPooledTokens {
		return
	}
	clear(d.toks) // drop the references into the text
	clear(d.lowers)
	clear(d.persons)
	clear(d.lowerSeen)
	d.text = ""
	docs.Put(d)
}

// markTitleCase keeps the title-case mark only on sentences that capitalise
// common words too ("Policeman Shot Dead In Ankara"), not on a sentence
// that is mostly a person's titles and name ("Brigadier General Jonathan
// Braga visited Baghdad").
func (p *Parser) markTitleCase(d *doc) {
	for si, s := range d.sents {
		if !d.titleCase[si] {
			continue
		}
		common := 0
		for i := s.From; i < s.To; i++ {
			if d.toks[i].IsCap() && (p.lex.stopnames[d.lowers[i]] || d.lowerSeen[d.lowers[i]]) {
				common++
			}
		}
		d.titleCase[si] = common >= 2
	}
}

// lower returns token i's text in lower case ("" out of range).
func (d *doc) lower(i int) string {
	if i < 0 || i >= len(d.toks) {
		return ""
	}
	return d.lowers[i]
}

// cueBefore returns the place cue that precedes token i, if any.
func (d *doc) cueBefore(i int) string {
	j := i - 1
	for j >= 0 && d.toks[j].Kind == Punct && d.toks[j].Text != "," && d.toks[j].Text != "." {
		j-- // "the" is a word; skip only quotes and brackets
	}
	w := d.lower(j)
	if w == "the" {
		j--
		w = d.lower(j)
	}
	if w == "of" && ofCues[d.lower(j-1)] {
		return d.lower(j-1) + " of"
	}
	if cues[w] {
		return w
	}
	return ""
}

// recognize finds the place mentions of the text: gazetteer names,
// demonyms, abbreviations and the dateline.
func (p *Parser) recognize(d *doc) []Mention {
	ms := make([]Mention, 0, len(d.toks)/16+4) // news names a place every twenty-odd tokens
	toks := d.toks
	for i := 0; i < len(toks); i++ {
		if i&1023 == 0 && d.ctx != nil && d.ctx.Err() != nil {
			return nil // parse returns the context's error
		}
		t := &toks[i]
		if t.Kind != Word {
			continue
		}
		if m, ok := p.dateline(d, i); ok {
			ms = append(ms, m)
			i = m.tokEnd - 1
			continue
		}
		starts := t.IsCap() || (connectors[t.Text] && i+2 < len(toks) && toks[i+1].Text == "-" &&
			!toks[i+1].SpaceBefore && toks[i+2].IsCap())
		if !starts {
			continue
		}
		if articleWords[t.Text] {
			continue // "The UN": the name, if any, starts after the article
		}
		if m, ok := p.nameAt(d, i, 2); ok { // multi-word names first: "British Columbia"
			ms = append(ms, m)
			i = m.tokEnd - 1
			continue
		}
		if m, ok := p.aliasAt(d, i); ok {
			ms = append(ms, m)
			i = m.tokEnd - 1
			continue
		}
		if m, ok := p.nameAt(d, i, 1); ok {
			ms = append(ms, m)
			i = m.tokEnd - 1
			continue
		}
	}
	// Person names found anywhere reject the same word standing alone
	// elsewhere ("Brigadier General Jonathan Braga … Braga said").
	out := ms[:0]
	for _, m := range ms {
		if m.Kind == KindName && m.tokEnd-m.tok == 1 && d.persons[m.Text] && m.Cue == "" {
			continue
		}
		out = append(out, m)
	}
	return out
}

// dateline recognises "KOBANE (AFP) –", "LONDON —", "BEIRUT, Lebanon (AP) —":
// words in capitals where a dateline may stand, then a news agency in
// brackets, a dash or a comma.
func (p *Parser) dateline(d *doc, i int) (Mention, bool) {
	toks := d.toks
	if !toks[i].IsAllCaps() {
		return Mention{}, false
	}
	// Where a dateline may stand: at the start of a line, after a sentence,
	// or after a byline ("Associated Press WASHINGTON (AP) —").
	if !toks[i].LineStart && i > 0 && !toks[i-1].IsCap() && !strings.ContainsAny(toks[i-1].Text, ".:!?") {
		return Mention{}, false
	}
	j, letters := i, 0
	for j < len(toks) && j-i < 4 && toks[j].Kind == Word && toks[j].IsAllCaps() {
		letters += utf8.RuneCountInString(toks[j].Text)
		j++
	}
	if j >= len(toks) || j == i || letters < 4 && !toks[i].LineStart {
		return Mention{}, false
	}
	switch toks[j].Text {
	case "(", "–", "—", "-", ",", ":":
	default:
		return Mention{}, false
	}
	name := d.text[toks[i].BStart:toks[j-1].BEnd]
	if p.lex.stopnames[strings.ToLower(name)] {
		return Mention{}, false
	}
	if !p.hasName(name) {
		return Mention{}, false
	}
	return p.mention(d, i, j, name, KindDateline), true
}

// aliasAt recognises a demonym or an abbreviation at token i.
func (p *Parser) aliasAt(d *doc, i int) (Mention, bool) {
	toks := d.toks
	// Demonyms of two words first ("South African").
	for n := p.lex.maxDemo; n >= 1; n-- {
		end, ok := d.wordSpan(i, n)
		if !ok {
			continue
		}
		w := d.text[toks[i].BStart:toks[end-1].BEnd]
		if a, ok := p.lex.demonym(w); ok {
			if namedAfter[d.lower(end)] {
				return Mention{}, false
			}
			m := p.mention(d, i, end, a.name, KindDemonym)
			m.Country = a.country
			return m, true
		}
	}
	w, end := toks[i].Text, i+1
	if end < len(toks) && toks[end].Text == "." && !toks[end].SpaceBefore {
		if _, ok := p.lex.abbrevs[w+"."]; ok {
			w, end = w+".", end+1
		}
	}
	a, ok := p.lex.abbrevs[w]
	if !ok || (a.comma && d.lower(i-1) != ",") {
		return Mention{}, false
	}
	m := p.mention(d, i, end, a.name, KindAbbrev)
	m.Country = a.country
	return m, true
}

// wordSpan returns the end of n words starting at token i, separated by
// spaces only.
func (d *doc) wordSpan(i, n int) (int, bool) {
	j := i
	for k := 0; k < n; k++ {
		if j >= len(d.toks) || d.toks[j].Kind != Word || (k > 0 && !d.toks[j].SpaceBefore) {
			return 0, false
		}
		j++
	}
	return j, true
}

// nameAt tries the longest run of at least minWords words at token i that
// the gazetteer knows, and checks it is not a person, an acronym or a
// common word.
func (p *Parser) nameAt(d *doc, i, minWords int) (Mention, bool) {
	toks := d.toks
	si := d.sentOf[i]
	// Collect the possible ends: capitalised words reachable through
	// connectors and joining hyphens.
	var ends [maxNameWords]int
	n := 0
	for j := i; j < len(toks) && n < maxNameWords; j++ {
		t := &toks[j]
		if j > i && (t.LineStart || d.sentOf[j] != si) {
			break
		}
		if t.Kind == Word {
			if t.IsCap() {
				ends[n] = j + 1
				n++
				continue
			}
			if connectors[t.Text] {
				continue
			}
			break
		}
		if (t.Text == "-" || t.Text == "'" || t.Text == "’") && !t.SpaceBefore && j+1 < len(toks) && !toks[j+1].SpaceBefore {
			continue
		}
		// "St. Louis", "Mt. Pleasant", "Ft. Worth"
		if t.Text == "." && !t.SpaceBefore && j > i && nameAbbrevs[toks[j-1].Text] && j+1 < len(toks) && toks[j+1].IsCap() {
			continue
		}
		break
	}
	for k := n - 1; k >= minWords-1; k-- {
		end := ends[k]
		name := d.text[toks[i].BStart:toks[end-1].BEnd]
		// The checks that need no gazetteer go first: most capitalised
		// words are common words or initials, and asking is the cost.
		if p.plainlyNoName(d, i, end, name) || !p.hasName(name) {
			continue
		}
		if m, ok := p.checkName(d, i, end, name); ok {
			return m, true
		}
		if k == 0 {
			break
		}
	}
	return Mention{}, false
}

// checkName applies the rejection rules to a gazetteer name at tokens
// [i, end) and returns its mention when it stands.
func (p *Parser) checkName(d *doc, i, end int, name string) (Mention, bool) {
	toks := d.toks
	si := d.sentOf[i]
	single := end-i == 1
	first := &toks[i]
	lw := strings.ToLower(name)
	cue := d.cueBefore(i)
	if p.plainlyNoName(d, i, end, name) {
		return Mention{}, false
	}
	if p.isPerson(d, i, end) {
		return Mention{}, false
	}
	if namedAfter[d.lower(end)] {
		return Mention{}, false
	}
	// Part of a hyphenated name that is no place as a whole: "Wal-Mart".
	hyphen := single && (end+1 < len(toks) && toks[end].Text == "-" && !toks[end].SpaceBefore && !toks[end+1].SpaceBefore &&
		toks[end+1].IsCap() || i >= 2 && toks[i-1].Text == "-" && !toks[i-1].SpaceBefore && !toks[i].SpaceBefore && toks[i-2].IsCap())
	if hyphen && !(end+1 < len(toks) && p.hasName(toks[end+1].Text) || i >= 2 && p.hasName(toks[i-2].Text)) {
		return Mention{}, false
	}
	// "Baha'i"
	if end+1 < len(toks) && (toks[end].Text == "'" || toks[end].Text == "’") && !toks[end].SpaceBefore &&
		!toks[end+1].SpaceBefore && toks[end+1].Kind == Word && toks[end+1].Text != "s" {
		return Mention{}, false
	}
	// "O'Toole", "D'Souza"
	if i >= 2 && (toks[i-1].Text == "'" || toks[i-1].Text == "’") && !toks[i-1].SpaceBefore && !toks[i].SpaceBefore &&
		utf8.RuneCountInString(toks[i-2].Text) == 1 {
		return Mention{}, false
	}
	// "Welch said": a bare name before a speech verb is a person, unless it
	// names a country ("Russia said" is a government speaking).
	m := p.mention(d, i, end, name, KindName)
	if hyphen { // "Wal-Mart", where both halves are villages somewhere
		m.weak = "hyphenated"
	}
	// A bare common surname ("Moore", "Taylor") is a person unless the
	// place is big (see dropWeak).
	if single && cue == "" && p.lex.surnames[first.Text] {
		m.weak = "surname"
	}
	// "Welch said" is a person, "Beijing said" a government: which one
	// only the resolved place tells (see dropWeak).
	if single && cue == "" && speechVerbs[d.lower(end)] && !p.lex.countryNames[lw] && d.lower(i-1) != "the" {
		m.weak = "speaker"
	}
	// "Kristina Harman" or "CBC Toronto": after a capitalised word that is
	// no place, a small place is most likely a surname.
	if single && cue == "" && i > d.sents[si].From && toks[i].SpaceBefore && toks[i-1].IsCap() && !toks[i-1].IsAllCaps() {
		pw := d.lower(i - 1)
		if !p.lex.stopnames[pw] && !connectors[pw] && !placeHeads[pw] && !p.lex.titles[pw] && !p.hasName(toks[i-1].Text) {
			if _, demo := p.lex.demonym(toks[i-1].Text); !demo && i-1 != d.sents[si].From {
				m.weak = "after a name"
			}
		}
	}
	m.Cue = cue
	// "X province", "X County": an administrative area; a capitalised
	// suffix is part of the name as written.
	if end < len(toks) && adminWords[strings.ToLower(toks[end].Text)] && toks[end].SpaceBefore {
		m.Admin = true
		if toks[end].IsCap() {
			m.tokEnd = end + 1
			m.End, m.BEnd = toks[end].End, toks[end].BEnd
			m.Text = d.text[m.BStart:m.BEnd]
			m.Name = m.Text
		}
	}
	return m, true
}

// plainlyNoName applies the rejection rules that need neither the gazetteer
// nor the rest of the text's names to a capitalised run at tokens [i, end).
func (p *Parser) plainlyNoName(d *doc, i, end int, name string) bool {
	first := &d.toks[i]
	single := end-i == 1
	if single && utf8.RuneCountInString(first.Text) == 1 {
		return true // initials ("John D. Smith", "O'Toole")
	}
	if !single {
		// Lower-casing the run costs more than the check, and only a
		// few stopnames have more than one word.
		return p.lex.stopFirst[d.lowers[i]] && p.lex.stopnames[strings.ToLower(name)]
	}
	lw := d.lowers[i]
	switch {
	case single && (monthDay[lw] || p.lex.titles[lw]):
		return true
	// Acronyms ("IS", "SDF", "AFP") are organisations far more often than
	// places; the abbreviations list holds the ones that are places.
	case single && first.IsAllCaps() && !d.titleCase[d.sentOf[i]]:
		return true
	// Words capitalised inside ("CEOs", "UConn") are not place names.
	case single && oddCaps(first.Text):
		return true
	case p.lex.stopnames[lw]:
		return true
	// A capitalised word that the text also uses in lower case is a common
	// word in a title or a name ("Cold War", "Police said"), unless a place
	// cue says otherwise.
	case single && d.lowerSeen[lw] && d.cueBefore(i) == "":
		return true
	}
	return false
}

// orgHeads follow a place name in the names of organisations ("Toronto
// Police", "Gainesville City Council"): a first name before one of them is
// still a place.
var orgHeads = map[string]bool{
	"police": true, "department": true, "council": true, "city": true, "county": true, "state": true,
	"university": true, "college": true, "school": true, "hospital": true, "airport": true,
	"airlines": true, "times": true, "post": true, "news": true, "herald": true, "journal": true,
	"sheriff": true, "fire": true, "public": true, "community": true, "national": true, "high": true,
	"district": true, "regional": true, "memorial": true, "international": true, "center": true,
	"centre": true, "street": true, "avenue": true, "road": true, "river": true, "valley": true,
}

// isPerson reports whether the name at [i, end) is part of a person's
// name: it is a given name before another capitalised word ("Donald
// Trump"), or it follows a title ("General", "spokesman", "Mr"), a given
// name ("Jonathan Braga") or a word already known to be part of a person's
// name in this text. Person words are remembered for the rest of the text.
func (p *Parser) isPerson(d *doc, i, end int) bool {
	toks := d.toks
	si := d.sentOf[i]
	if d.titleCase[si] {
		return false
	}
	if end-i == 1 && p.lex.firstNames[toks[i].Text] && end < len(toks) && toks[end].SpaceBefore &&
		toks[end].IsCap() && !orgHeads[d.lower(end)] && !adminWords[d.lower(end)] {
		p.rememberPerson(d, i, end+1)
		return true
	}
	names := 0 // capitalised words between the name and what marks a person
	for j := i - 1; j >= d.sents[si].From && names < 3; j-- {
		t := &toks[j]
		if t.Kind != Word || !toks[j+1].SpaceBefore {
			break
		}
		lw := strings.ToLower(t.Text)
		if p.lex.titles[lw] || (t.IsCap() && (p.lex.firstNames[t.Text] || d.persons[t.Text])) {
			p.rememberPerson(d, j+1, end)
			return true
		}
		if !t.IsCap() || t.IsAllCaps() || placeHeads[lw] || p.lex.stopnames[lw] || connectors[lw] {
			break
		}
		if _, ok := p.lex.demonyms[t.Text]; ok {
			break
		}
		names++
	}
	return false
}

func (p *Parser) rememberPerson(d *doc, from, end int) {
	for k := from; k < end && k < len(d.toks); k++ {
		if d.toks[k].IsCap() {
			d.persons[d.toks[k].Text] = true
		}
	}
}

// oddCaps reports a word that starts with two capitals and goes on in lower
// case: "CEOs", "UConn", not "DeKalb".
func oddCaps(w string) bool {
	up := 0
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			up++
		case unicode.IsLower(r):
			return up >= 2
		}
	}
	return false
}

// mention builds a Mention over tokens [i, end).
func (p *Parser) mention(d *doc, i, end int, name, kind string) Mention {
	a, b := &d.toks[i], &d.toks[end-1]
	mod := end+1 < len(d.toks) && d.toks[end].Text == "-" && !d.toks[end].SpaceBefore &&
		!d.toks[end+1].SpaceBefore && d.toks[end+1].Kind == Word && !d.toks[end+1].IsCap()
	return Mention{Start: a.Start, End: b.End, BStart: a.BStart, BEnd: b.BEnd,
		Text: d.text[a.BStart:b.BEnd], Name: name, Kind: kind, Sentence: d.sentOf[i],
		Cue: d.cueBefore(i), tok: i, tokEnd: end, modifier: mod}
}
