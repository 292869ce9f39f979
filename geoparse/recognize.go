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

// doc is the state of one text being parsed.
type doc struct {
	lang   *Language
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

func newDoc(lang *Language, text string) *doc {
	d := docs.Get().(*doc)
	d.lang = lang
	d.text = text
	d.toks = tokenize(d.toks, text)
	d.sents = sentences(d.sents, d.toks, text, lang.stopAbbrevs)
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
	d.lang = nil
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
			if d.toks[i].IsCap() && (p.lang.stopnames[d.lowers[i]] || d.lowerSeen[d.lowers[i]]) {
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

// possessiveAt reports whether tokens j and j+1, both before end, are an
// apostrophe and a possessive ending ("Russia's", "Rome’s").
func (d *doc) possessiveAt(j, end int) bool {
	return j+1 < end && (d.lowers[j] == "'" || d.lowers[j] == "’") && d.lang.possessive[d.lowers[j+1]]
}

// cueBefore returns the place cue that precedes token i, if any.
func (d *doc) cueBefore(i int) string {
	j := i - 1
	for j >= 0 && d.toks[j].Kind == Punct && d.toks[j].Text != "," && d.toks[j].Text != "." {
		j-- // "the" is a word; skip only quotes and brackets
	}
	w := d.lower(j)
	if d.lang.articles[w] {
		j--
		w = d.lower(j)
	}
	if d.lang.ofWords[w] && d.lang.ofCues[d.lower(j-1)] {
		return d.lower(j-1) + " of"
	}
	if d.lang.cues[w] {
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
		starts := t.IsCap() || (d.lang.connectors[t.Text] && i+2 < len(toks) && toks[i+1].Text == "-" &&
			!toks[i+1].SpaceBefore && toks[i+2].IsCap())
		if !starts {
			continue
		}
		if d.lang.articleWords[t.Text] {
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
	if p.lang.stopnames[strings.ToLower(name)] {
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
	for n := p.lang.maxDemo; n >= 1; n-- {
		end, ok := d.wordSpan(i, n)
		if !ok {
			continue
		}
		w := d.text[toks[i].BStart:toks[end-1].BEnd]
		if a, ok := p.lang.demonym(w); ok {
			if d.lang.namedAfter[d.lower(end)] {
				return Mention{}, false
			}
			m := p.mention(d, i, end, a.name, KindDemonym)
			m.Country = a.country
			return m, true
		}
	}
	w, end := toks[i].Text, i+1
	if end < len(toks) && toks[end].Text == "." && !toks[end].SpaceBefore {
		if _, ok := p.lang.abbrevs[w+"."]; ok {
			w, end = w+".", end+1
		}
	}
	a, ok := p.lang.abbrevs[w]
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
			if d.lang.connectors[t.Text] {
				continue
			}
			break
		}
		if (t.Text == "-" || t.Text == "'" || t.Text == "’") && !t.SpaceBefore && j+1 < len(toks) && !toks[j+1].SpaceBefore {
			continue
		}
		// "St. Louis", "Mt. Pleasant", "Ft. Worth"
		if t.Text == "." && !t.SpaceBefore && j > i && d.lang.nameAbbrevs[toks[j-1].Text] && j+1 < len(toks) && toks[j+1].IsCap() {
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
	if d.lang.namedAfter[d.lower(end)] {
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
		!toks[end+1].SpaceBefore && toks[end+1].Kind == Word && !d.lang.possessive[toks[end+1].Text] {
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
	if single && cue == "" && p.lang.surnames[first.Text] {
		m.weak = "surname"
	}
	// "Welch said" is a person, "Beijing said" a government: which one
	// only the resolved place tells (see dropWeak).
	if single && cue == "" && d.lang.speechVerbs[d.lower(end)] && !p.lang.countryNames[lw] && !d.lang.articles[d.lower(i-1)] {
		m.weak = "speaker"
	}
	// "Kristina Harman" or "CBC Toronto": after a capitalised word that is
	// no place, a small place is most likely a surname.
	if single && cue == "" && i > d.sents[si].From && toks[i].SpaceBefore && toks[i-1].IsCap() && !toks[i-1].IsAllCaps() {
		pw := d.lower(i - 1)
		if !p.lang.stopnames[pw] && !d.lang.connectors[pw] && !d.lang.placeHeads[pw] && !p.lang.titles[pw] && !p.hasName(toks[i-1].Text) {
			if _, demo := p.lang.demonym(toks[i-1].Text); !demo && i-1 != d.sents[si].From {
				m.weak = "after a name"
			}
		}
	}
	m.Cue = cue
	// "X province", "X County": an administrative area; a capitalised
	// suffix is part of the name as written.
	if end < len(toks) && d.lang.adminWords[strings.ToLower(toks[end].Text)] && toks[end].SpaceBefore {
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
		return p.lang.stopFirst[d.lowers[i]] && p.lang.stopnames[strings.ToLower(name)]
	}
	lw := d.lowers[i]
	switch {
	case single && (d.lang.monthDay[lw] || p.lang.titles[lw]):
		return true
	// Acronyms ("IS", "SDF", "AFP") are organisations far more often than
	// places; the abbreviations list holds the ones that are places.
	case single && first.IsAllCaps() && !d.titleCase[d.sentOf[i]]:
		return true
	// Words capitalised inside ("CEOs", "UConn") are not place names.
	case single && oddCaps(first.Text):
		return true
	case p.lang.stopnames[lw]:
		return true
	// A capitalised word that the text also uses in lower case is a common
	// word in a title or a name ("Cold War", "Police said"), unless a place
	// cue says otherwise.
	case single && d.lowerSeen[lw] && d.cueBefore(i) == "":
		return true
	}
	return false
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
	if end-i == 1 && p.lang.firstNames[toks[i].Text] && end < len(toks) && toks[end].SpaceBefore &&
		toks[end].IsCap() && !d.lang.orgHeads[d.lower(end)] && !d.lang.adminWords[d.lower(end)] {
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
		if p.lang.titles[lw] || (t.IsCap() && (p.lang.firstNames[t.Text] || d.persons[t.Text])) {
			p.rememberPerson(d, j+1, end)
			return true
		}
		if !t.IsCap() || t.IsAllCaps() || d.lang.placeHeads[lw] || p.lang.stopnames[lw] || d.lang.connectors[lw] {
			break
		}
		if _, ok := p.lang.demonyms[t.Text]; ok {
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
