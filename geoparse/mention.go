package geoparse

import "github.com/geonews/geonews/geo"

// Mention is a place named in a text: a span, the phrase it was looked up
// by, and the place it was resolved to (nil when nothing fitted).
type Mention struct {
	// Start and End are code-point offsets of the span in the text.
	Start, End int
	// BStart and BEnd are the byte offsets of the same span.
	BStart, BEnd int
	// Text is the span as written.
	Text string
	// Name is what was looked up: Text without its suffix, or the place a
	// demonym or abbreviation stands for ("Syrian" → "Syria").
	Name string
	// Kind says how the mention was recognised: KindName, KindDemonym,
	// KindAbbrev, KindDateline or KindGiven.
	Kind string
	// Admin is set when a word such as "province" or "County" follows the
	// name, so that administrative areas rank first.
	Admin bool
	// Country is the ISO code an alias (demonym, abbreviation) implies.
	Country string
	// Sentence is the index of the sentence the mention is in.
	Sentence int
	// Cue is the place cue before the mention ("in", "near", "west of"…), if any.
	Cue string

	// Literal is the probability (0..1) that the mention is a literal use
	// of a place, where something is or happens ("a bomb exploded in
	// Moscow"), rather than a government, an army or a team standing for
	// it ("Moscow said", "the Syrian army"). Events should sit on mentions
	// with a high Literal.
	Literal float64
	// LiteralWhy names, in words, the features that weighed most in
	// Literal: "subject of 'said'; a country".
	LiteralWhy string

	Place  *geo.Place
	Score  float64 // the chosen candidate's score after document re-ranking
	Reason string  // why this place, in words

	tok, tokEnd int     // token span [tok, tokEnd)
	conf        float64 // 0..1: how clearly the place beat the next candidate
	weak        string  // why the mention may be a person's name: kept only for a big place (see dropWeak)
	modifier    bool    // joined by a hyphen to the next word: "US-led", "Britain-based"
	loose       bool    // the place matched only through the transliteration rules
	notPlace    bool    // a user's correction says it is no place here (correction.go)
}

// Mention kinds.
const (
	KindName     = "name"         // a gazetteer name in the text
	KindDemonym  = "demonym"      // "Syrian", standing for its country
	KindAbbrev   = "abbreviation" // "U.S.", "Ky."
	KindDateline = "dateline"     // "KOBANE (AFP) –": where the reporter filed from
	KindGiven    = "given"        // a span the caller supplied
)

func isCountry(p *geo.Place) bool { return p != nil && p.Precision() == geo.PrecisionCountry }
