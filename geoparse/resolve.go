package geoparse

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/geonews/geonews/geo"
	orbgeo "github.com/paulmach/orb/geo"
)

// Weights of the document evidence in a candidate's score, on top of the
// gazetteer's own score. They are few and named so that a reason can cite
// them.
const (
	wCountry  = 1.0 // the candidate's country is named or implied in the text (scaled by its share)
	wAdmin1   = 0.5 // its first-level region is named in the text
	wNear     = 0.4 // it lies within nearKm of another place the text names
	wAdminFit = 1.0 // "X province": an administrative area where one is asked for
	wAlias    = 2.0 // a demonym or abbreviation wants a country or region; anything else loses this
	wDateline = 0.3 // the dateline is usually a city
	nearKm    = 250.0
	maxCands  = 20
)

// group is every mention that shares a lookup: one sense per name per document.
type group struct {
	name     string
	country  string // the country an alias implies
	alias    bool   // demonym or abbreviation
	demonym  bool
	admin    bool
	dateline bool
	count    int
	cands    []Candidate
	best     int // index into cands, -1 when none
	score    float64
	second   float64 // the runner-up's score, for confidence
	reason   string
	ms       []int // indexes into the mentions
}

// resolve chooses a place for every mention using the gazetteer and the
// rest of the document.
func (p *Parser) resolve(ctx context.Context, d *doc, ms []Mention) error {
	if len(ms) == 0 {
		return nil
	}
	groups := map[string]*group{}
	var order []*group
	for i := range ms {
		m := &ms[i]
		k := strings.ToLower(m.Name) + "\x00" + m.Country
		if m.Admin {
			k += "\x00a"
		}
		g := groups[k]
		if g == nil {
			g = &group{name: m.Name, country: m.Country, best: -1}
			groups[k] = g
			order = append(order, g)
		}
		g.alias = g.alias || m.Kind == KindDemonym || m.Kind == KindAbbrev
		g.demonym = g.demonym || m.Kind == KindDemonym
		g.admin = g.admin || m.Admin
		g.dateline = g.dateline || m.Kind == KindDateline
		g.count++
		g.ms = append(g.ms, i)
	}
	for _, g := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := p.lookup(ctx, g.name, Hints{Country: g.country, Limit: maxCands})
		if err != nil {
			return err
		}
		g.cands = c
	}

	// Evidence from what the text states outright: aliases name their
	// country; a name whose best reading is a country names it.
	countries := map[string]float64{}
	for _, g := range order {
		if g.country != "" {
			countries[g.country] += float64(g.count)
		} else if len(g.cands) > 0 && isCountry(g.cands[0].Place) && g.cands[0].Match == "exact" {
			countries[g.cands[0].Place.Country] += float64(g.count)
		}
	}
	p.choose(order, countries, nil)
	if err := p.requery(ctx, order, countries); err != nil {
		return err
	}
	// Second round: the places chosen so far vouch for their countries and
	// regions, and for each other's neighbourhoods.
	for round := 0; round < 2; round++ {
		ev := map[string]float64{}
		for k, v := range countries {
			ev[k] = v
		}
		admins := map[string]float64{}
		for _, g := range order {
			if g.best < 0 {
				continue
			}
			pl := g.cands[g.best].Place
			if g.dateline {
				ev[pl.Country] += 2
			} else if !isCountry(pl) && g.country == "" {
				ev[pl.Country] += 0.5 * float64(g.count)
			}
			if pl.FeatureCode == "ADM1" || (g.alias && pl.FeatureClass == "A" && !isCountry(pl)) {
				admins[pl.Country+"."+pl.Admin1] += float64(g.count)
			}
		}
		p.choose(order, ev, admins)
	}
	for _, g := range order {
		for _, i := range g.ms {
			m := &ms[i]
			if g.best < 0 {
				m.Reason = "no gazetteer entry fits"
				continue
			}
			m.Place = g.cands[g.best].Place
			m.Score = round3(g.score)
			m.Reason = g.reason
			m.conf = 1
			if !math.IsInf(g.second, -1) {
				m.conf = 1 - math.Exp(-2*(g.score-g.second))
			}
		}
	}
	return nil
}

// requery asks again, with the text's leading countries as hints, for the
// names whose candidates all lie elsewhere: "Richmond" in a text about
// Virginia may rank below twenty other Richmonds.
func (p *Parser) requery(ctx context.Context, order []*group, countries map[string]float64) error {
	top := topKeys(countries, 2)
	if len(top) == 0 {
		return nil
	}
	for _, g := range order {
		if g.alias || g.best < 0 || isCountry(g.cands[g.best].Place) {
			continue
		}
		in := false
		for _, c := range g.cands {
			if countries[c.Place.Country] > 0 {
				in = true
				break
			}
		}
		if in {
			continue
		}
		for _, cc := range top {
			more, err := p.lookup(ctx, g.name, Hints{Country: cc, Limit: 5})
			if err != nil {
				return err
			}
			g.cands = mergeCands(g.cands, more)
		}
	}
	return nil
}

func mergeCands(a, b []Candidate) []Candidate {
	seen := make(map[int64]bool, len(a))
	for _, c := range a {
		seen[c.Place.ID] = true
	}
	for _, c := range b {
		if c.Place.Country != "" && !seen[c.Place.ID] {
			a = append(a, c)
			seen[c.Place.ID] = true
		}
	}
	return a
}

// choose picks the best candidate of every group given the evidence.
func (p *Parser) choose(order []*group, countries, admins map[string]float64) {
	maxW := 0.0
	for _, w := range countries {
		maxW = math.Max(maxW, w)
	}
	// Points of the places chosen in the previous round, for nearness.
	type pt struct {
		g  *group
		pl *geo.Place
	}
	var chosen []pt
	if admins != nil {
		for _, g := range order {
			if g.best >= 0 && !isArea(g.cands[g.best].Place) {
				chosen = append(chosen, pt{g, g.cands[g.best].Place})
			}
		}
	}
	for _, g := range order {
		best, bestS, bestR, second := -1, math.Inf(-1), "", math.Inf(-1)
		for ci, c := range g.cands {
			if c.Place == nil {
				continue
			}
			s := c.Score
			var why []string
			why = append(why, fmt.Sprintf("%s match %q, gazetteer score %.2f", c.Match, c.Form, c.Score))
			if w := countries[c.Place.Country]; w > 0 && maxW > 0 {
				b := wCountry * w / maxW
				s += b
				why = append(why, fmt.Sprintf("country %s named in the text (+%.2f)", c.Place.Country, b))
			}
			if admins != nil && admins[c.Place.Country+"."+c.Place.Admin1] > 0 && c.Place.Admin1 != "" && !isCountry(c.Place) {
				s += wAdmin1
				why = append(why, fmt.Sprintf("region %s.%s named (+%.1f)", c.Place.Country, c.Place.Admin1, wAdmin1))
			}
			if g.admin && c.Place.FeatureClass == "A" && !isCountry(c.Place) {
				s += wAdminFit
				why = append(why, "an administrative area, as the text says")
			}
			if g.alias {
				if g.demonym && (isCountry(c.Place) || c.Place.FeatureCode == "CONT" || c.Place.FeatureClass == "L") ||
					!g.demonym && c.Place.FeatureClass == "A" {
					s += wAlias
				}
			}
			if g.dateline && c.Place.FeatureClass == "P" {
				s += wDateline
			}
			if !isArea(c.Place) {
				for _, o := range chosen {
					if o.g != g && orbgeo.DistanceHaversine(c.Place.Point, o.pl.Point)/1000 <= nearKm {
						s += wNear
						why = append(why, fmt.Sprintf("near %s (+%.1f)", o.pl.Name, wNear))
						break
					}
				}
			}
			if s > bestS {
				second = bestS
				best, bestS, bestR = ci, s, strings.Join(why, "; ")
			} else if s > second {
				second = s
			}
		}
		g.best, g.score, g.reason, g.second = best, bestS, bestR, second
	}
}

func topKeys(m map[string]float64, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// isArea reports whether a place is a country or region, whose point is a
// label rather than a location.
func isArea(p *geo.Place) bool {
	pr := p.Precision()
	return pr == geo.PrecisionCountry || pr == geo.PrecisionRegion
}
