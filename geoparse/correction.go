package geoparse

import (
	"context"
	"slices"
	"strconv"

	"github.com/geonews/geonews/geo"
)

// Corrector is optionally implemented by a Gazetteer that keeps the rules
// learned from users' corrections (gazetteer.Correction). Without it the
// parser applies none.
type Corrector interface {
	// HasCorrections reports whether name has a rule in some country: a
	// map lookup, asked for every name a document resolves.
	HasCorrections(name string) bool
	// Correction returns the rule for name in an article about country:
	// a place (Place set) or "not a place" (NotPlace). ok is false when
	// there is none.
	Correction(ctx context.Context, name, country string) (c Correction, ok bool, err error)
}

// Correction is how a user said a name reads in articles about a country.
type Correction struct {
	ID       int64
	NotPlace bool
	Place    *geo.Place
}

// correct applies the users' corrections to the groups whose name has one
// for the country the article is about (articleCountry): a moved name gets
// the corrected place as its only candidate, a name that is no place loses
// its mentions (marked notPlace; dropCorrected removes them). It reports
// whether any applied, so that the other choices are settled again.
func (p *Parser) correct(ctx context.Context, order []*group, ms []Mention) (bool, error) {
	cr, ok := p.gaz.(Corrector)
	if !ok {
		return false, nil
	}
	var ev docEvidence
	changed := false
	for _, g := range order {
		// A demonym or abbreviation stands for its country, which no
		// correction of a town's name is about.
		if g.alias || !cr.HasCorrections(g.name) {
			continue
		}
		if ev.countries == nil {
			ev = evidence(order, true)
		}
		cc := articleCountry(ev, g)
		if cc == "" {
			continue
		}
		c, ok, err := cr.Correction(ctx, g.name, cc)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		changed = true
		rule := "a user's correction (rule " + strconv.FormatInt(c.ID, 10) + ") for articles about " + cc
		if c.NotPlace {
			g.cands, g.info, g.best, g.note = nil, nil, -1, "not a place: "+rule
			for _, i := range g.ms {
				ms[i].notPlace = true
			}
			continue
		}
		g.cands = []Candidate{{Place: c.Place, Score: 1, Match: "exact", Form: c.Place.Name}}
		g.best, g.note = 0, rule
		g.prepare()
		g.weak = false
		for _, i := range g.ms {
			ms[i].weak = "" // the user said it is this place: no surname doubt
		}
	}
	return changed, nil
}

// resettle settles the choices again after corrections changed some, as
// resolve's own rounds do, and returns the evidence and places of the last.
func (p *Parser) resettle(order []*group) (ev docEvidence, chosen []chosenPlace) {
	for round := 0; round < 3; round++ {
		before := bests(order)
		ev = evidence(order, true)
		if chosen = p.choose(order, ev, true); slices.Equal(before, bests(order)) {
			break
		}
	}
	return ev, chosen
}

// articleCountry is the country an article is about as far as a
// correction goes: the country with the most document evidence (countries
// named, implied by demonyms and the dateline, and those of the places
// chosen), not counting what g itself gave, so that a wrong reading of the
// name cannot pick its own context. "" when the rest of the text points
// nowhere.
//
// It is not the event reader's focus: that is worked out after resolution,
// from the places resolved, and is often the corrected name itself.
func articleCountry(ev docEvidence, g *group) string {
	best, bw := "", 0.0
	for k := range ev.countries {
		if w := ev.without(g, k, false); w > bw || w == bw && w > 0 && k < best {
			best, bw = k, w
		}
	}
	return best
}

// dropCorrected removes the mentions that a user's correction says are no
// place.
func dropCorrected(ms []Mention) []Mention {
	out := ms[:0]
	for _, m := range ms {
		if !m.notPlace {
			out = append(out, m)
		}
	}
	return out
}
