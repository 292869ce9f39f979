package geoparse

import (
	"context"

	"github.com/geonews/geonews/gazetteer"
)

// FromGazetteer adapts the geonews gazetteer to what the parser needs.
func FromGazetteer(g *gazetteer.Gazetteer) Gazetteer { return gazAdapter{g} }

type gazAdapter struct{ g *gazetteer.Gazetteer }

func (a gazAdapter) HasName(name string) bool { return a.g.HasName(name) }

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
