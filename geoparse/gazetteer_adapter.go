package geoparse

import (
	"context"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
)

// FromGazetteer adapts the geonews gazetteer to what the parser needs.
func FromGazetteer(g *gazetteer.Gazetteer) Gazetteer { return gazAdapter{g} }

type gazAdapter struct{ g *gazetteer.Gazetteer }

func (a gazAdapter) HasName(name string) bool { return a.g.HasName(name) }

// Places added, changed or deleted while the parser runs count at once.
var _ Edited = gazAdapter{}

func (a gazAdapter) Edits() uint64 { return a.g.Edits() }

func (a gazAdapter) Resolve(ctx context.Context, name string, h Hints) ([]Candidate, error) {
	cs, err := a.g.Resolve(ctx, name, gazetteer.Hints{Country: h.Country, Admin1: h.Admin1, Near: h.Near, Limit: h.Limit, Terse: true})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	out := make([]Candidate, len(cs))
	for i, c := range cs {
		out[i] = Candidate{Place: c.Place, Score: c.Score, Prior: c.Prior, Match: c.Match, Form: c.Form}
	}
	return out, nil
}

// The gazetteer keeps the rules learned from users' corrections.
var _ Corrector = gazAdapter{}

func (a gazAdapter) HasCorrections(name string) bool { return a.g.HasCorrections(name) }

// Correction returns the gazetteer's rule for name in country; a rule whose
// place was deleted since is ignored.
func (a gazAdapter) Correction(ctx context.Context, name, country string) (Correction, bool, error) {
	c, ok := a.g.CorrectionFor(name, country)
	if !ok {
		return Correction{}, false, nil
	}
	if c.Action == gazetteer.CorrectNotPlace {
		return Correction{ID: c.ID, NotPlace: true}, true, nil
	}
	p, err := a.g.Place(ctx, c.PlaceID)
	if geo.ErrorCode(err) == geo.ENOTFOUND {
		return Correction{}, false, nil
	} else if err != nil {
		return Correction{}, false, err
	}
	return Correction{ID: c.ID, Place: p}, true, nil
}
