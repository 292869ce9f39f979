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
	wCountry     = 1.0 // the candidate's country is named or implied in the text (full at two mentions)
	wCountryName = 0.5 // the name is a country's: "Georgia" is the country unless the text says otherwise
	regionPrior  = 0.7 // a first-level region's missing population prior (see base)
	wAdmin1      = 0.5 // its first-level region is named in the text
	wNear        = 0.4 // it lies within nearKm of another place the text names, or contains one
	wAdminFit    = 1.0 // "X province": an administrative area where one is asked for
	wAlias       = 2.0 // a demonym or abbreviation wants a country or region; anything else loses this
	wDateline    = 0.3 // the dateline is usually a city
	nearKm       = 250.0
	// matchAlternate is an alternate name's match: below a primary name's
	// 1.0 by more than the gazetteer's 0.9, because cities500's alternate
	// names include many short or foreign forms that are English words.
	matchAlternate = 0.75
	maxCands       = 20
)

// group is every mention that shares a lookup: one sense per name per document.
type group struct {
	name        string
	country     string // the country an alias implies
	alias       bool   // demonym or abbreviation
	demonym     bool
	admin       bool
	dateline    bool
	count       int
	cands       []Candidate
	best        int // index into cands, -1 when none
	score       float64
	second      float64 // the runner-up's score, for confidence
	reason      string
	ms          []int  // indexes into the mentions
	giveCountry string // the country this group names outright
	gave        []gift // the evidence it gave in the last round
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

	// First round: only what the text states outright counts: aliases name
	// their country; a name whose best reading is a country names it.
	for _, g := range order {
		g.filterAlias()
		if g.country != "" {
			g.giveCountry = g.country
		} else if len(g.cands) > 0 && isCountry(g.cands[0].Place) && g.cands[0].Match == "exact" {
			g.giveCountry = g.cands[0].Place.Country
		}
	}
	ev := evidence(order, false)
	p.choose(order, ev, false)
	if err := p.requery(ctx, order, ev.countries); err != nil {
		return err
	}
	// Later rounds: the places chosen so far vouch for their countries and
	// regions, and for each other's neighbourhoods.
	p.choose(order, evidence(order, true), true)
	if err := p.counties(ctx, order, evidence(order, true)); err != nil {
		return err
	}
	p.choose(order, evidence(order, true), true)
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
		if g.alias {
			continue
		}
		if g.best < 0 {
			continue
		}
		if isCountry(g.cands[g.best].Place) {
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

// counties resolves "X County" names that the gazetteer lacks (it holds
// no second-level areas): the place called X in the text's leading region,
// else that region itself, else X in the text's leading country. Each is
// usually within a county's reach of the county.
func (p *Parser) counties(ctx context.Context, order []*group, ev docEvidence) error {
	topC := topKeys(ev.countries, 1)
	topA := topKeys(ev.admins, 1)
	for _, g := range order {
		if g.best >= 0 || !g.admin || g.alias || !strings.Contains(g.name, " ") {
			continue
		}
		short := g.name[:strings.LastIndex(g.name, " ")]
		if len(topA) > 0 {
			cc, a1, _ := strings.Cut(topA[0], ".")
			more, err := p.lookup(ctx, short, Hints{Country: cc, Admin1: a1, Limit: 5})
			if err != nil {
				return err
			}
			for _, c := range more {
				if c.Place.Country == cc && c.Place.Admin1 == a1 {
					g.cands = append(g.cands, c)
				}
			}
			if len(g.cands) == 0 {
				if r := regionOf(order, cc, a1); r != nil {
					g.cands = append(g.cands, *r)
				}
			}
		}
		if len(g.cands) == 0 && len(topC) > 0 {
			more, err := p.lookup(ctx, short, Hints{Country: topC[0], Limit: 5})
			if err != nil {
				return err
			}
			for _, c := range more {
				if c.Place.Country == topC[0] {
					g.cands = append(g.cands, c)
				}
			}
		}
	}
	return nil
}

// regionOf returns the chosen candidate that is the region cc.a1, if any.
func regionOf(order []*group, cc, a1 string) *Candidate {
	for _, g := range order {
		if g.best < 0 {
			continue
		}
		c := g.cands[g.best]
		if c.Place.FeatureCode == "ADM1" && c.Place.Country == cc && c.Place.Admin1 == a1 {
			return &c
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

// docEvidence is what the whole document says about where it is.
type docEvidence struct {
	countries map[string]float64 // ISO code → weight (mentions)
	admins    map[string]float64 // "CC.admin1" → weight
}

// evidence sums what each group says: the country it names (an alias, a
// country name, the dateline's country) and, once places are chosen, the
// country and region of its place.
func evidence(order []*group, chosen bool) docEvidence {
	ev := docEvidence{countries: map[string]float64{}, admins: map[string]float64{}}
	for _, g := range order {
		g.gave = g.gave[:0]
		give := func(k string, w float64, admin bool) {
			if admin {
				ev.admins[k] += w
			} else {
				ev.countries[k] += w
			}
			g.gave = append(g.gave, gift{k, w, admin})
		}
		n := float64(g.count)
		if g.giveCountry != "" {
			give(g.giveCountry, n, false)
		}
		if !chosen || g.best < 0 {
			continue
		}
		pl := g.cands[g.best].Place
		switch {
		case g.dateline:
			give(pl.Country, 2, false)
		case g.giveCountry == "" && !isCountry(pl):
			give(pl.Country, 0.5*n, false)
		}
		if pl.Admin1 != "" && !isCountry(pl) && (pl.FeatureClass == "A" || g.alias) {
			give(pl.Country+"."+pl.Admin1, n, true)
		}
	}
	return ev
}

// gift is one piece of evidence a group gave, so that it can be taken out
// again when the group itself is scored: a name must not vouch for itself.
type gift struct {
	key   string
	w     float64
	admin bool
}

// without returns the evidence minus what g gave.
func (ev docEvidence) without(g *group, key string, admin bool) float64 {
	m := ev.countries
	if admin {
		m = ev.admins
	}
	w := m[key]
	for _, gf := range g.gave {
		if gf.key == key && gf.admin == admin {
			w -= gf.w
		}
	}
	return w
}

// filterAlias keeps, for a demonym or an abbreviation, only the candidates
// in the country it names (when there are any).
func (g *group) filterAlias() {
	if g.country == "" {
		return
	}
	var in []Candidate
	for _, c := range g.cands {
		if c.Place != nil && c.Place.Country == g.country {
			in = append(in, c)
		}
	}
	if len(in) > 0 {
		g.cands = in
	}
}

// base is a candidate's score before document evidence: how well the name
// matched and how likely the place is a priori. It is computed from Prior
// rather than Score, so that hinted and unhinted lookups compare. First-
// level regions carry no population in the gazetteer; they get the prior of
// a region of a million people, for a state is named far more often than a
// village that shares its name.
func base(c *Candidate) float64 {
	m := 1.0
	switch {
	case c.Match == "loose":
		m = 0.6
	case c.Form != "" && !strings.EqualFold(c.Form, c.Place.Name) && !strings.EqualFold(c.Form, c.Place.ASCIIName):
		m = matchAlternate
	}
	b := m + c.Prior
	if c.Place.FeatureCode == "ADM1" && c.Place.Population == 0 {
		b += regionPrior
	}
	return b
}

// choose picks the best candidate of every group given the evidence; with
// near set, places close to (or containing) the other chosen places gain.
func (p *Parser) choose(order []*group, ev docEvidence, near bool) {
	type pt struct {
		g  *group
		pl *geo.Place
	}
	var chosen []pt
	if near {
		for _, g := range order {
			if g.best >= 0 {
				chosen = append(chosen, pt{g, g.cands[g.best].Place})
			}
		}
	}
	for _, g := range order {
		best, bestS, bestR, second := -1, math.Inf(-1), "", math.Inf(-1)
		for ci := range g.cands {
			c := &g.cands[ci]
			if c.Place == nil {
				continue
			}
			if g.demonym && !isCountry(c.Place) && c.Place.FeatureCode != "CONT" && c.Place.FeatureCode != "RGN" {
				continue // "African" is no village called Africa
			}
			s := base(c)
			why := []string{fmt.Sprintf("%s match %q, prior %.2f", c.Match, c.Form, c.Prior)}
			if w := ev.without(g, c.Place.Country, false); w > 0 {
				b := wCountry * math.Min(1, w/2)
				s += b
				why = append(why, fmt.Sprintf("country %s named in the text (+%.2f)", c.Place.Country, b))
			}
			if c.Place.Admin1 != "" && !isCountry(c.Place) && c.Place.FeatureCode != "ADM1" &&
				ev.without(g, c.Place.Country+"."+c.Place.Admin1, true) > 0 {
				s += wAdmin1
				why = append(why, fmt.Sprintf("in region %s.%s, named in the text (+%.1f)", c.Place.Country, c.Place.Admin1, wAdmin1))
			}
			if isCountry(c.Place) && c.Match == "exact" && !g.alias && strings.EqualFold(c.Form, c.Place.Name) {
				s += wCountryName
				why = append(why, "a country's name, which news mostly means")
			}
			if g.admin && c.Place.FeatureClass == "A" && !isCountry(c.Place) {
				s += wAdminFit
				why = append(why, "an administrative area, as the text says")
			}
			if g.alias && (g.demonym && (isCountry(c.Place) || c.Place.FeatureCode == "CONT") ||
				!g.demonym && c.Place.FeatureClass == "A") {
				s += wAlias
			}
			if g.dateline && c.Place.FeatureClass == "P" {
				s += wDateline
			}
			for _, o := range chosen {
				if o.g == g || !close(c.Place, o.pl) {
					continue
				}
				s += wNear
				why = append(why, fmt.Sprintf("near %s (+%.1f)", o.pl.Name, wNear))
				break
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

// close reports whether a candidate and another chosen place support each
// other: two points within nearKm, or a region that contains a place.
func close(c, o *geo.Place) bool {
	switch {
	case isCountry(c) || isCountry(o):
		return false // country evidence already counts
	case c.FeatureCode == "ADM1":
		return o.Country == c.Country && o.Admin1 == c.Admin1 && o.FeatureCode != "ADM1"
	case isArea(c) || isArea(o):
		return false
	}
	return orbgeo.DistanceHaversine(c.Point, o.Point)/1000 <= nearKm
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
