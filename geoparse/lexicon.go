package geoparse

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/seeds"
)

// Lexicon holds the word lists the geoparser reads text with. The default
// comes from the files embedded in package seeds; users may add tag lines
// with AddTags.
type Lexicon struct {
	demonyms     map[string]alias // key: the word as written
	abbrevs      map[string]alias
	stopnames    map[string]bool // key: lower case
	stopFirst    map[string]bool // the first word, lower case, of the stopnames of more than one word
	titles       map[string]bool // key: lower case
	firstNames   map[string]bool // key: as written
	surnames     map[string]bool // key: as written
	countryNames map[string]bool // lower case: the places demonyms stand for
	tags         []tagRule
	tagIndex     map[string][]int // tagKey of a rule's first word → rules, so a sentence is matched in one pass
	maxDemo      int              // the most words in a demonym ("South African": 2)
	ev           *eventWords      // the event layer's tables (seeds/en)
}

// alias is a word that stands for a named place in a country.
type alias struct {
	name    string
	country string // "" for a continent
	source  string
	// comma is true for a state abbreviation with a dot ("Ky."), which only
	// counts after a comma ("Edmonton, Ky."): alone it is too often a word.
	comma bool
}

// tagRule is one phrase of the tag lexicon.
type tagRule struct {
	tag   string
	event bool
	words []string // each possibly ending in "*"
	exact bool     // case-sensitive
}

// DefaultLexicon returns a fresh copy of the embedded lexicon.
func DefaultLexicon() *Lexicon {
	l := &Lexicon{demonyms: map[string]alias{}, abbrevs: map[string]alias{},
		stopnames: map[string]bool{}, stopFirst: map[string]bool{}, titles: map[string]bool{}, firstNames: map[string]bool{}, surnames: map[string]bool{}, countryNames: map[string]bool{}}
	for _, f := range fieldLines(seeds.Demonyms) {
		if len(f) >= 3 {
			c := f[2]
			if c == "-" {
				c = ""
			}
			l.demonyms[f[0]] = alias{name: f[1], country: c, source: "demonym"}
			l.countryNames[strings.ToLower(f[1])] = true
			if n := len(strings.Fields(f[0])); n > l.maxDemo {
				l.maxDemo = n
			}
		}
	}
	for _, f := range fieldLines(seeds.Abbrevs) {
		if len(f) >= 3 {
			l.abbrevs[f[0]] = alias{name: f[1], country: strings.Trim(f[2], "-"), source: "abbreviation",
				comma: len(f) > 3 && f[3] == "ap" && strings.HasSuffix(f[0], ".") && !strings.Contains(f[0][:len(f[0])-1], ".")}
		}
	}
	for _, f := range fieldLines(seeds.Stopnames) {
		l.stopnames[strings.ToLower(f[0])] = true
		if toks := Tokenize(f[0]); len(toks) > 1 {
			l.stopFirst[strings.ToLower(toks[0].Text)] = true
		}
	}
	for _, f := range fieldLines(seeds.FirstNames) {
		l.firstNames[f[0]] = true
	}
	for _, f := range fieldLines(seeds.Surnames) {
		l.surnames[f[0]] = true
	}
	for _, f := range fieldLines(seeds.Titles) {
		l.titles[strings.ToLower(f[0])] = true
	}
	if err := l.AddTags(strings.NewReader(seeds.Tags)); err != nil {
		panic("seeds/tags.tsv: " + err.Error()) // embedded and tested: a bug, not input
	}
	ev, err := loadEventWords()
	if err != nil {
		panic("seeds/en: " + err.Error())
	}
	l.ev = ev
	return l
}

// AddTags reads tag lines (tag, kind, phrases separated by "|"; the format
// of seeds/tags.tsv) and trigger lines (an event type of
// seeds/en/ontology.tsv, a rank, phrases; the format of
// seeds/en/triggers.tsv) and adds them to the lexicon.
func (l *Lexicon) AddTags(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if _, err := strconv.Atoi(strings.TrimSpace(f[1%len(f)])); err == nil && len(f) == 3 && l.ev != nil {
			if err := l.ev.addTriggers(line, fmt.Sprintf("lexicon line %d", n)); err != nil {
				return err
			}
			continue
		}
		if len(f) != 3 {
			return geo.Errorf(geo.EINVALID, "lexicon line %d: want tag<TAB>kind<TAB>phrases, got %d fields", n, len(f))
		}
		tag := strings.ToLower(strings.TrimSpace(f[0]))
		kind := strings.TrimSpace(f[1])
		if tag == "" || len(tag) > geo.MaxTagLen || strings.ContainsAny(tag, ", ") {
			return geo.Errorf(geo.EINVALID, "lexicon line %d: tag %q must be one word of at most %d bytes", n, tag, geo.MaxTagLen)
		}
		if kind != "event" && kind != "actor" {
			return geo.Errorf(geo.EINVALID, "lexicon line %d: kind %q is not event or actor", n, kind)
		}
		for _, p := range strings.Split(f[2], "|") {
			words := phraseWords(p)
			if len(words) == 0 {
				continue
			}
			exact := strings.ToLower(p) != p
			if !exact {
				for i := range words {
					words[i] = strings.ToLower(words[i])
				}
			}
			if l.tagIndex == nil {
				l.tagIndex = map[string][]int{}
			}
			k := tagKey(strings.ToLower(strings.TrimSuffix(words[0], "*")))
			l.tagIndex[k] = append(l.tagIndex[k], len(l.tags))
			l.tags = append(l.tags, tagRule{tag: tag, event: kind == "event", words: words, exact: exact})
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read lexicon: %w", err)
	}
	return nil
}

// phraseWords splits a lexicon phrase into the word tokens Tokenize would
// make of it, keeping a trailing "*" on its word.
func phraseWords(p string) []string {
	var out []string
	for _, t := range Tokenize(strings.TrimSpace(p)) {
		if t.Text == "*" && len(out) > 0 && !t.SpaceBefore {
			out[len(out)-1] += "*"
			continue
		}
		out = append(out, t.Text)
	}
	return out
}

// fieldLines splits an embedded list into tab-separated fields, skipping
// comments and blank lines.
func fieldLines(s string) [][]string {
	var out [][]string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		out = append(out, f)
	}
	return out
}

// tagKey is the index key of a lower-case word: its first three bytes,
// which every prefix pattern ("negotiat*") and its matches share.
func tagKey(w string) string { return w[:min(3, len(w))] }

// wordMatch reports whether a token matches a lexicon word; lower is the
// token in lower case.
func wordMatch(pat, text, lower string, exact bool) bool {
	if !exact {
		text = lower
	}
	if strings.HasSuffix(pat, "*") {
		return strings.HasPrefix(text, pat[:len(pat)-1])
	}
	return pat == text
}

// matchTags returns the event and actor tags whose phrases occur in the
// tokens; lower holds the same tokens in lower case. Tags come in the
// lexicon's order.
func (l *Lexicon) matchTags(toks []Token, lower []string) (events, actors []string) {
	hit := map[int]bool{}
	for i := range toks {
		if toks[i].Kind == Punct {
			continue
		}
		for _, ri := range l.tagIndex[tagKey(lower[i])] {
			r := &l.tags[ri]
			if hit[ri] || i+len(r.words) > len(toks) {
				continue
			}
			ok := true
			for k, w := range r.words {
				if !wordMatch(w, toks[i+k].Text, lower[i+k], r.exact) {
					ok = false
					break
				}
			}
			if ok {
				hit[ri] = true
			}
		}
	}
	seen := map[string]bool{}
	for ri, r := range l.tags {
		if !hit[ri] || seen[r.tag] {
			continue
		}
		seen[r.tag] = true
		if r.event {
			events = append(events, r.tag)
		} else {
			actors = append(actors, r.tag)
		}
	}
	return events, actors
}

// demonym looks up a demonym as written, or its plural ("Russians").
func (l *Lexicon) demonym(w string) (alias, bool) {
	if a, ok := l.demonyms[w]; ok {
		return a, true
	}
	if strings.HasSuffix(w, "s") {
		a, ok := l.demonyms[w[:len(w)-1]]
		return a, ok
	}
	return alias{}, false
}
