package geoparse

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/linear"
	"github.com/geonews/geonews/seeds"
)

// Language is everything the geoparser knows of the language it reads:
// its word lists, phrases, dates, event words and mention models, loaded
// from one folder (seeds/en for English). A second language is a second
// folder with the same files, not a change to the code. Users may add tag
// and trigger lines with AddTags.
type Language struct {
	// Name is the folder the language was read from ("en").
	Name string

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
	ev           *eventWords      // the event layer's tables (ontology, triggers, cues)

	// the word sets of words.tsv; each file's comment says what it is for
	connectors, adminWords, placeHeads, cues, ofCues, relativeCues, monthDay, nameAbbrevs,
	namedAfter, articleWords, speechVerbs, orgHeads, facilityWords, actorNouns, auxiliaries,
	determiners, skippable, placeNouns, casualty, phraseStop, trailing, titleSkip, auxVerbs,
	stopAbbrevs, saints, worshipHouses, clauseConjunctions wordSet
	// function words the rules name (words.tsv)
	articles, possessive, listWords, ofWords, infinitive, rolePreps, relativePronouns, complementizers,
	passiveAux, agentPreps, objectStops, cityNouns, countySuffixes, objectPreps, verbEndings, pluralEndings, pastEndings, adverbEndings, definite, irregularPast, streetWords, foreignConnectors wordSet

	dates dateWords

	toponym, literal *linear.Model // the mention models (classify.go)
}

// wordSet is a set of words.
type wordSet map[string]bool

// dateWords are the words of time expressions (dates.tsv).
type dateWords struct {
	months   map[string]time.Month
	weekdays map[string]time.Weekday
	counts   map[string]int
	role     map[string]wordSet // role → words: "yesterday", "unit_week", "month_cue"…
}

// endsWith reports whether w ends with one of the endings in set.
func (ws wordSet) endsWith(w string) bool {
	for e := range ws {
		if len(w) > len(e) && strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// is reports whether w plays role in dates ("last", "unit_week").
func (dw *dateWords) is(role, w string) bool { return dw.role[role][w] }

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

// DefaultLanguage returns a fresh copy of English, embedded from seeds/en.
func DefaultLanguage() *Language {
	l, err := LoadLanguage(seeds.EN, "en")
	if err != nil {
		panic("seeds/en: " + err.Error()) // embedded and tested: a bug, not input
	}
	return l
}

// LoadLanguage reads a language from the folder dir of fsys: demonyms.tsv,
// abbrevs.tsv, stopnames.txt, firstnames.txt, surnames.txt, titles.txt,
// tags.tsv, words.tsv, dates.tsv, ontology.tsv, triggers.tsv, cues.tsv,
// toponym.model and literal.model.
func LoadLanguage(fsys fs.FS, dir string) (*Language, error) {
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		return string(b), err
	}
	files := map[string]string{}
	for _, name := range []string{"demonyms.tsv", "abbrevs.tsv", "stopnames.txt", "firstnames.txt", "surnames.txt",
		"titles.txt", "tags.tsv", "words.tsv", "dates.tsv", "ontology.tsv", "triggers.tsv", "cues.tsv",
		"toponym.model", "literal.model"} {
		s, err := read(name)
		if err != nil {
			return nil, err
		}
		files[name] = s
	}
	l := &Language{Name: path.Base(dir), demonyms: map[string]alias{}, abbrevs: map[string]alias{},
		stopnames: map[string]bool{}, stopFirst: map[string]bool{}, titles: map[string]bool{}, firstNames: map[string]bool{}, surnames: map[string]bool{}, countryNames: map[string]bool{}}
	for _, f := range fieldLines(files["demonyms.tsv"]) {
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
	for _, f := range fieldLines(files["abbrevs.tsv"]) {
		if len(f) >= 3 {
			l.abbrevs[f[0]] = alias{name: f[1], country: strings.Trim(f[2], "-"), source: "abbreviation",
				comma: len(f) > 3 && f[3] == "ap" && strings.HasSuffix(f[0], ".") && !strings.Contains(f[0][:len(f[0])-1], ".")}
		}
	}
	for _, f := range fieldLines(files["stopnames.txt"]) {
		l.stopnames[strings.ToLower(f[0])] = true
		if toks := Tokenize(f[0]); len(toks) > 1 {
			l.stopFirst[strings.ToLower(toks[0].Text)] = true
		}
	}
	for _, f := range fieldLines(files["firstnames.txt"]) {
		l.firstNames[f[0]] = true
	}
	for _, f := range fieldLines(files["surnames.txt"]) {
		l.surnames[f[0]] = true
	}
	for _, f := range fieldLines(files["titles.txt"]) {
		l.titles[strings.ToLower(f[0])] = true
	}
	if err := l.readWords(files["words.tsv"]); err != nil {
		return nil, err
	}
	if err := l.readDates(files["dates.tsv"]); err != nil {
		return nil, err
	}
	ev, err := readEventWords(files["ontology.tsv"], files["triggers.tsv"], files["cues.tsv"])
	if err != nil {
		return nil, err
	}
	l.ev = ev
	if err := l.AddTags(strings.NewReader(files["tags.tsv"])); err != nil {
		return nil, fmt.Errorf("tags.tsv: %w", err)
	}
	if l.toponym, err = linear.Read(strings.NewReader(files["toponym.model"])); err != nil {
		return nil, fmt.Errorf("toponym.model: %w", err)
	}
	if l.literal, err = linear.Read(strings.NewReader(files["literal.model"])); err != nil {
		return nil, fmt.Errorf("literal.model: %w", err)
	}
	return l, nil
}

// readWords reads words.tsv: one set a line, name and words separated by "|".
func (l *Language) readWords(s string) error {
	sets := map[string]*wordSet{
		"connectors": &l.connectors, "admin_words": &l.adminWords, "place_heads": &l.placeHeads, "cues": &l.cues,
		"of_cues": &l.ofCues, "relative_cues": &l.relativeCues, "month_day": &l.monthDay, "name_abbrevs": &l.nameAbbrevs,
		"named_after": &l.namedAfter, "article_words": &l.articleWords, "speech_verbs": &l.speechVerbs,
		"org_heads": &l.orgHeads, "facility_words": &l.facilityWords, "actor_nouns": &l.actorNouns,
		"auxiliaries": &l.auxiliaries, "determiners": &l.determiners, "skippable": &l.skippable,
		"place_nouns": &l.placeNouns, "casualty": &l.casualty, "phrase_stop": &l.phraseStop, "trailing": &l.trailing,
		"title_skip": &l.titleSkip, "aux_verbs": &l.auxVerbs, "stop_abbrevs": &l.stopAbbrevs,
		"articles": &l.articles, "possessive": &l.possessive, "list_words": &l.listWords, "of_words": &l.ofWords,
		"infinitive": &l.infinitive, "role_preps": &l.rolePreps, "relative_pronouns": &l.relativePronouns,
		"complementizers": &l.complementizers, "passive_aux": &l.passiveAux, "agent_preps": &l.agentPreps,
		"object_stops": &l.objectStops, "city_nouns": &l.cityNouns, "county_suffixes": &l.countySuffixes,
		"object_preps": &l.objectPreps, "verb_endings": &l.verbEndings, "plural_endings": &l.pluralEndings, "past_endings": &l.pastEndings, "adverb_endings": &l.adverbEndings, "definite": &l.definite,
		"irregular_past": &l.irregularPast, "saints": &l.saints, "worship_houses": &l.worshipHouses, "clause_conjunctions": &l.clauseConjunctions, "street_words": &l.streetWords, "foreign_connectors": &l.foreignConnectors,
	}
	for _, f := range fieldLines(s) {
		set, ok := sets[f[0]]
		if !ok || len(f) != 2 {
			return fmt.Errorf("words.tsv: %q is not a known set with its words", f[0])
		}
		*set = wordSet{}
		for _, w := range strings.Split(f[1], "|") {
			(*set)[w] = true
		}
		delete(sets, f[0])
	}
	for name := range sets {
		return fmt.Errorf("words.tsv: the set %q is missing", name)
	}
	return nil
}

// readDates reads dates.tsv: months and weekdays with their numbers
// ("january=1"), counts ("two=2"), and the words of each role.
func (l *Language) readDates(s string) error {
	dw := dateWords{months: map[string]time.Month{}, weekdays: map[string]time.Weekday{}, counts: map[string]int{},
		role: map[string]wordSet{}}
	for _, f := range fieldLines(s) {
		if len(f) != 2 {
			return fmt.Errorf("dates.tsv: %q has %d columns, want 2", f[0], len(f))
		}
		for _, w := range strings.Split(f[1], "|") {
			word, num, numbered := strings.Cut(w, "=")
			n, err := strconv.Atoi(num)
			if numbered && err != nil {
				return fmt.Errorf("dates.tsv: %q: %q is not a number", w, num)
			}
			switch f[0] {
			case "month":
				dw.months[word] = time.Month(n)
			case "weekday":
				dw.weekdays[word] = time.Weekday(n)
			case "count":
				dw.counts[word] = n
			default:
				if dw.role[f[0]] == nil {
					dw.role[f[0]] = wordSet{}
				}
				dw.role[f[0]][word] = true
			}
		}
	}
	if len(dw.months) < 12 || len(dw.weekdays) != 7 {
		return fmt.Errorf("dates.tsv: want the 12 months and the 7 weekdays")
	}
	l.dates = dw
	return nil
}

// AddTags reads tag lines (tag, kind, phrases separated by "|"; the format
// of seeds/en/tags.tsv) and trigger lines (an event type of
// seeds/en/ontology.tsv, a rank, phrases; the format of
// seeds/en/triggers.tsv) and adds them to the lexicon.
func (l *Language) AddTags(r io.Reader) error {
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
func (l *Language) matchTags(toks []Token, lower []string) (events, actors []string) {
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
func (l *Language) demonym(w string) (alias, bool) {
	if a, ok := l.demonyms[w]; ok {
		return a, true
	}
	if strings.HasSuffix(w, "s") {
		a, ok := l.demonyms[w[:len(w)-1]]
		return a, ok
	}
	return alias{}, false
}
