package geoparse

import (
	"context"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// Gazetteer is what the geoparser needs of a gazetteer: a fast test of
// whether a phrase names any place (called for every capitalised n-gram)
// and a ranked lookup (called once per distinct name in a document).
// The gazetteer package satisfies it through an adapter; tests use a small
// in-memory fake.
type Gazetteer interface {
	// HasName reports whether name, normalised the way the gazetteer
	// normalises (strictly or with its transliteration rules), names a place.
	HasName(name string) bool
	// Resolve returns the places called name, best first, nil when none.
	Resolve(ctx context.Context, name string, h Hints) ([]Candidate, error)
}

// Versioned is a gazetteer that counts its writes. The parser caches
// lookups, since names repeat across articles; with a Versioned gazetteer
// it drops them whenever the count moves, so a place added, moved or
// deleted is read as such by the next article.
type Versioned interface {
	Version() uint64
}

// Hints narrow or re-rank a lookup; zero fields are ignored.
type Hints struct {
	Country string // ISO 3166-1 alpha-2
	Admin1  string
	Near    *orb.Point
	Limit   int
}

// Candidate is one place a name may refer to.
type Candidate struct {
	Place  *geo.Place
	Score  float64 // the gazetteer's own ranking score
	Prior  float64 // the population/feature part of Score
	Match  string  // "exact" or "loose"
	Form   string  // the stored name that matched
	Reason string
}
