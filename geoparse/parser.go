// Package geoparse turns English news text into place mentions and then
// into tagged, dated events. It needs no external service: recognition
// rests on the gazetteer's names, capitalisation, context words and the
// small word lists in package seeds; resolution on the gazetteer's priors
// and on what the rest of the document says (countries named or implied,
// the dateline, places near each other).
package geoparse

import (
	"context"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/linear"
)

// MaxTextLen is the longest text Parse accepts, in bytes. News articles are
// a few kilobytes; the bound keeps one bad request from holding a core.
const MaxTextLen = 16 << 20

// Parser finds and resolves place mentions. It is safe for concurrent use.
type Parser struct {
	gaz  Gazetteer
	lang *Language

	toponym, literal *linear.Model // the mention models (classify.go); nil: none

	mu    sync.Mutex
	cache map[lookupKey][]Candidate // Resolve results; names repeat across articles
	names map[string]bool           // HasName results, for the same reason
	edits uint64                    // the gazetteer's Edits when the caches were started
}

// Edited is optionally implemented by a Gazetteer whose places change while
// parsers use it (users' edits, made on this node or another): Edits counts
// the changes, and a parser drops its cached lookups when the count moves,
// so that a place added, changed or deleted counts from the next article.
type Edited interface {
	Edits() uint64
}

type lookupKey struct {
	name string
	h    Hints
}

// maxCache bounds the lookup cache; it is simply dropped when full.
const maxCache = 50000

// New returns a parser over gaz reading text in lang (nil: DefaultLanguage).
func New(gaz Gazetteer, lang *Language) *Parser {
	if lang == nil {
		lang = sharedDefault() // not modified after loading: safe to share
	}
	return &Parser{gaz: gaz, lang: lang, toponym: lang.toponym, literal: lang.literal,
		cache: map[lookupKey][]Candidate{}, names: map[string]bool{}}
}

// sharedDefault is English as loaded once, for the parsers given none.
var sharedDefault = sync.OnceValue(DefaultLanguage)

// Language returns the language the parser reads.
func (p *Parser) Language() *Language { return p.lang }

// Span is a caller-given mention span in code points [Start, End).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Parse finds the places mentioned in text and resolves each. It returns a
// geo.EINVALID error for text that is not UTF-8 or is over MaxTextLen.
func (p *Parser) Parse(ctx context.Context, text string) ([]Mention, error) {
	d, err := p.newDoc(text)
	if err != nil {
		return nil, err
	}
	defer d.free()
	return p.parse(ctx, d)
}

// parse recognises and resolves the mentions of a document. It stops with
// ctx's error when ctx ends (a client gone, a deadline passed), checking
// every thousand tokens, so that no abandoned request keeps a core busy.
func (p *Parser) parse(ctx context.Context, d *doc) ([]Mention, error) {
	d.ctx = ctx
	defer func() { d.ctx = nil }()
	ms := p.recognize(d)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.resolve(ctx, d, ms); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p.classify(d, dropWeak(dropCorrected(ms))), nil
}

// Thresholds of dropWeak: a place this big is named for itself, not as
// someone's surname.
const (
	speakerMinPop = 100000
	surnameMinPop = 50000
)

// dropWeak drops the mentions whose only doubt was whether they are a
// person or a brand, now that the place is known: "Welch said" resolved to
// a village is a person; "Beijing said" is a government and stays; so do
// countries and regions. A word dropped once is dropped wherever else it
// stands bare for a small place in the same text. A place matched only
// through the transliteration rules ("Meena" for Minna) vouches for nothing.
func dropWeak(ms []Mention) []Mention {
	small := func(m *Mention, min int64) bool {
		return m.Place == nil || m.loose || !isArea(m.Place) && m.Place.Population < min
	}
	dropped := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		min := int64(surnameMinPop)
		if m.weak == "speaker" {
			min = speakerMinPop
		}
		if m.weak != "" && small(m, min) {
			dropped[m.Text] = true
		}
	}
	out := ms[:0]
	for _, m := range ms {
		if dropped[m.Text] && m.Kind == KindName && m.Cue == "" && small(&m, surnameMinPop) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// ParseSpans resolves the given spans only (the "resolution-only" setting:
// recognition is taken as given). Spans out of range are an error.
func (p *Parser) ParseSpans(ctx context.Context, text string, spans []Span) ([]Mention, error) {
	d, err := p.newDoc(text)
	if err != nil {
		return nil, err
	}
	defer d.free()
	ms, err := p.given(d, spans)
	if err != nil {
		return nil, err
	}
	if err := p.resolve(ctx, d, ms); err != nil {
		return nil, err
	}
	return dropCorrected(ms), nil
}

func (p *Parser) newDoc(text string) (*doc, error) {
	if len(text) > MaxTextLen {
		return nil, geo.Errorf(geo.ETOOLARGE, "text is %d bytes; the limit is %d", len(text), MaxTextLen)
	}
	if !utf8.ValidString(text) {
		return nil, geo.Errorf(geo.EINVALID, "text is not valid UTF-8")
	}
	d := newDoc(p.lang, text)
	p.markTitleCase(d)
	return d, nil
}

// given makes mentions of caller-given spans, reading each as a demonym,
// an abbreviation or a name.
func (p *Parser) given(d *doc, spans []Span) ([]Mention, error) {
	// code point → byte offset
	n := utf8.RuneCountInString(d.text)
	var ms []Mention
	for _, s := range spans {
		if s.Start < 0 || s.End > n || s.Start >= s.End {
			return nil, geo.Errorf(geo.EINVALID, "span %d..%d is outside the text (%d code points)", s.Start, s.End, n)
		}
	}
	bytesAt := make([]int, 0, n+1)
	for i := range d.text {
		bytesAt = append(bytesAt, i)
	}
	bytesAt = append(bytesAt, len(d.text))
	for _, s := range spans {
		b0, b1 := bytesAt[s.Start], bytesAt[s.End]
		text := d.text[b0:b1]
		m := Mention{Start: s.Start, End: s.End, BStart: b0, BEnd: b1, Text: text, Name: text, Kind: KindGiven}
		m.tok, m.tokEnd = d.tokenRange(b0, b1)
		if m.tok < len(d.toks) {
			m.Sentence = d.sentOf[m.tok]
		}
		key := strings.TrimSpace(text)
		if a, ok := p.lang.demonym(key); ok {
			m.Name, m.Country, m.Kind = a.name, a.country, KindDemonym
		} else if a, ok := p.lang.abbrevs[key]; ok {
			m.Name, m.Country, m.Kind = a.name, a.country, KindAbbrev
		} else {
			m.Name = trimPossessive(key)
		}
		if m.tokEnd < len(d.toks) && p.lang.adminWords[strings.ToLower(d.toks[m.tokEnd].Text)] {
			m.Admin = true
		}
		if last := strings.ToLower(lastWord(key)); p.lang.adminWords[last] && strings.Contains(key, " ") {
			m.Admin = true
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// tokenRange returns the tokens that overlap bytes [b0, b1).
func (d *doc) tokenRange(b0, b1 int) (int, int) {
	i := 0
	for i < len(d.toks) && d.toks[i].BEnd <= b0 {
		i++
	}
	j := i
	for j < len(d.toks) && d.toks[j].BStart < b1 {
		j++
	}
	return i, j
}

// trimPossessive drops a possessive ending from a given span: "Russia's" → "Russia".
func trimPossessive(s string) string {
	for _, suf := range []string{"'s", "’s"} {
		if strings.HasSuffix(s, suf) && len(s) > len(suf)+1 {
			return s[:len(s)-len(suf)]
		}
	}
	return strings.TrimRight(s, "'’")
}

func lastWord(s string) string {
	if i := strings.LastIndexAny(s, " -"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lookup resolves name with hints through the cache.
func (p *Parser) lookup(ctx context.Context, name string, h Hints) ([]Candidate, error) {
	k := lookupKey{name, h}
	p.mu.Lock()
	gen := p.freshLocked()
	c, ok := p.cache[k]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := p.gaz.Resolve(ctx, name, h)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if len(p.cache) >= maxCache {
		p.cache = map[lookupKey][]Candidate{}
	}
	if p.freshLocked() == gen {
		p.cache[k] = c
	}
	p.mu.Unlock()
	return c, nil
}

// freshLocked drops the caches if the gazetteer was edited since they were
// started (Edited), and returns the edit count they hold; p.mu is held. A
// lookup stores its answer only if the count is the same after it as
// before, so that an answer from before an edit is not kept after it.
func (p *Parser) freshLocked() uint64 {
	if e, ok := p.gaz.(Edited); ok {
		if n := e.Edits(); n != p.edits {
			p.cache, p.names, p.edits = map[lookupKey][]Candidate{}, map[string]bool{}, n
		}
	}
	return p.edits
}

// hasName asks the gazetteer whether name is a place name, through a cache:
// the gazetteer's check folds the name twice (strict and loose keys), which
// is most of the cost of scanning a text.
func (p *Parser) hasName(name string) bool {
	p.mu.Lock()
	gen := p.freshLocked()
	ok, hit := p.names[name]
	p.mu.Unlock()
	if hit {
		return ok
	}
	ok = p.gaz.HasName(name)
	p.mu.Lock()
	if len(p.names) >= maxCache {
		p.names = map[string]bool{}
	}
	if p.freshLocked() == gen {
		p.names[name] = ok
	}
	p.mu.Unlock()
	return ok
}
