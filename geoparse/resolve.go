package geoparse

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
)

// Weights of the document evidence in a candidate's score, on top of the
// gazetteer's own score. They are few and named so that a reason can cite
// them.
const (
	wCountry     = 1.0  // the candidate's country is named or implied in the text (full at two mentions)
	wCountryName = 0.5  // the name is a country's: "Georgia" is the country unless the text says otherwise
	regionPrior  = 0.7  // a first-level region's missing population prior (see base)
	wAdmin1      = 0.5  // its first-level region is named in the text
	wNear        = 0.4  // it lies within nearKm of another place the text names, or contains one
	wAdminFit    = 1.0  // "X province": an administrative area where one is asked for
	wAlias       = 2.0  // a demonym or abbreviation wants a country or region; anything else loses this
	wDateline    = 0.3  // the dateline is usually a city
	wPair        = 1.5  // "Atlanta, Georgia": the place after the comma contains the one before
	popWeight    = 0.12 // the gazetteer's prior per decade of population
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
	given       bool   // every mention a caller-given span: the caller says it is a place
	weak        bool   // some mention may be a person's or a brand's name (see dropWeak)
	demonym     bool
	admin       bool
	dateline    bool
	count       int
	cands       []Candidate
	best        int // index into cands, -1 when none
	score       float64
	second      float64 // the runner-up's score, for confidence
	reason      string
	ms          []int      // indexes into the mentions
	giveCountry string     // the country this group names outright
	gave        []gift     // the evidence it gave in the last round
	info        []candInfo // per candidate, what scoring asks of it, computed once per lookup
	note        string     // how the candidates were found when not by the name itself
	within      []*group   // groups written right after this one's mentions, as in "Atlanta, Georgia"
	holds       []*group   // groups written right before, the converse
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
		k := groupKey(m)
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
		g.given = (g.count == 0 || g.given) && m.Kind == KindGiven
		g.weak = g.weak || m.weak != ""
		g.count++
		g.ms = append(g.ms, i)
	}
	pairs(d, ms, groups)
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
	if err := p.counties(ctx, order, ms, evidence(order, true)); err != nil {
		return err
	}
	ev = evidence(order, true)
	pruneForeign(order, ev)
	if err := p.facilities(ctx, order, ms, ev); err != nil {
		return err
	}
	// Choices feed each other's evidence: settle them, within a bound.
	var ev2 docEvidence
	var chosen []chosenPlace
	for round := 0; round < 3; round++ {
		before := bests(order)
		ev2 = evidence(order, true)
		chosen = p.choose(order, ev2, true)
		if slices.Equal(before, bests(order)) {
			break
		}
	}
	// Users' corrections, for the country the rest of the text is about,
	// override a name's reading; the others settle again around it.
	if changed, err := p.correct(ctx, order, ms); err != nil {
		return err
	} else if changed {
		ev2, chosen = p.resettle(order)
	}
	explain(order, ev2, chosen)
	for _, g := range order {
		for _, i := range g.ms {
			m := &ms[i]
			if g.best < 0 {
				m.Reason = "no gazetteer entry fits"
				if m.notPlace {
					m.Reason = g.note
				}
				continue
			}
			m.Place = g.cands[g.best].Place
			m.loose = g.cands[g.best].Match == "loose"
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

// groupKey is what mentions share to be one group: the name looked up,
// the country an alias implies, and whether an admin word followed.
func groupKey(m *Mention) string {
	k := strings.ToLower(m.Name) + "\x00" + m.Country
	if m.Admin {
		k += "\x00a"
	}
	return k
}

// pairs links the mentions written "Place, Region" or "Place, Country"
// ("Atlanta, Georgia", "London, Ky.", "Paris, France"): the second most
// likely contains the first, which settles both ("Georgia" the state, the
// Atlanta in it). See paired for lists.
func pairs(d *doc, ms []Mention, groups map[string]*group) {
	at := make([]int, len(ms)) // mention indexes in text order (given spans may come in any)
	for i := range at {
		at[i] = i
	}
	sort.SliceStable(at, func(i, j int) bool { return ms[at[i]].BStart < ms[at[j]].BStart })
	between := func(i int) string { // the text between the i-th and next mention in text order
		if i+1 >= len(at) || ms[at[i]].BEnd > ms[at[i+1]].BStart {
			return "?"
		}
		return strings.TrimSpace(d.text[ms[at[i]].BEnd:ms[at[i+1]].BStart])
	}
	for i := 0; i+1 < len(at); i++ {
		a, b := &ms[at[i]], &ms[at[i+1]]
		if between(i) != "," {
			continue
		}
		// "Washington, Pennsylvania and California" ends a list; "Richmond,
		// Virginia and Atlanta, Georgia" goes on with another pair.
		switch between(i + 1) {
		case "and", "or", ", and", ", or":
			if between(i+2) != "," {
				continue
			}
		}
		ga, gb := groups[groupKey(a)], groups[groupKey(b)]
		if ga == nil || gb == nil || ga == gb || slices.Contains(ga.within, gb) {
			continue
		}
		ga.within = append(ga.within, gb)
		gb.holds = append(gb.holds, ga)
	}
}

// contains reports whether area a (a country or a first-level region)
// contains place b.
func contains(a, b *geo.Place) bool {
	switch {
	case isCountry(a):
		return a.Country == b.Country && !isCountry(b)
	case a.FeatureCode == "ADM1":
		return a.Country == b.Country && a.Admin1 != "" && a.Admin1 == b.Admin1 && b.FeatureCode != "ADM1"
	}
	return false
}

// paired reports whether candidate place c fits the places chosen for the
// groups written next to g's mentions with a comma. The first of a pair
// must be a name whose likeliest reading is no area: in a list ("Iraq, Iran",
// "Hawaii, Florida") a comma joins equals, and a village called Iraq in Iran
// is a coincidence.
func paired(g *group, c *geo.Place) (*geo.Place, bool) {
	if len(g.within) > 0 && !aList(g) {
		for _, o := range g.within {
			if o.best >= 0 && contains(o.cands[o.best].Place, c) {
				return o.cands[o.best].Place, true
			}
		}
	}
	for _, o := range g.holds {
		if o.best >= 0 && !aList(o) && contains(c, o.cands[o.best].Place) {
			return o.cands[o.best].Place, true
		}
	}
	return nil, false
}

// aList reports whether g's likeliest reading before any evidence is a
// country or region, which a comma joins to its equals.
func aList(g *group) bool {
	return len(g.cands) == 0 || g.cands[0].Place == nil || isArea(g.cands[0].Place)
}

// requery asks again, with the text's leading countries as hints, for the
// names whose candidate lists were cut at maxCands: the right "Richmond",
// or the state of Georgia (regions carry no population and rank low), may
// be past the cut.
func (p *Parser) requery(ctx context.Context, order []*group, countries map[string]float64) error {
	top := topKeys(countries, 2)
	for _, g := range order {
		if g.alias || len(g.cands) < maxCands {
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

// bests returns every group's choice, to tell when rounds have settled.
func bests(order []*group) []int {
	out := make([]int, len(order))
	for i, g := range order {
		out[i] = g.best
	}
	return out
}

// counties resolves "X County" (or "X Province", "X State") names that the
// gazetteer lacks as written. "X State", "X Province" and the like are
// usually the region X itself, so X is looked up plainly. A county is below
// what the gazetteer holds (no second-level areas): the place called X in
// the text's leading region stands in, else that region itself, else X in
// the text's leading country; each is usually within a county's reach.
func (p *Parser) counties(ctx context.Context, order []*group, ms []Mention, ev docEvidence) error {
	topC := topKeys(ev.countries, 1)
	for _, g := range order {
		if g.best >= 0 || !g.admin || g.alias || !strings.Contains(g.name, " ") {
			continue
		}
		cut := strings.LastIndex(g.name, " ")
		short, suffix := g.name[:cut], strings.ToLower(g.name[cut+1:])
		if !p.lang.countySuffixes[suffix] {
			more, err := p.lookup(ctx, short, Hints{Limit: maxCands})
			if err != nil {
				return err
			}
			g.cands = append(g.cands, more...)
			continue
		}
		// The region of the leading country named nearest in the text:
		// "Metcalfe County, Kentucky" is in the region named next to it; a
		// Metcalfe in a region named further away would be a guess.
		var regions []Candidate
		for _, r := range regionsByDistance(order, ms, ms[g.ms[0]].Start) {
			if len(topC) == 0 || r.Place.Country == topC[0] {
				regions = append(regions, r)
			}
		}
		for _, r := range regions[:min(1, len(regions))] {
			more, err := p.lookup(ctx, short, Hints{Country: r.Place.Country, Admin1: r.Place.Admin1, Limit: 5})
			if err != nil {
				return err
			}
			for _, c := range more {
				if c.Place.Country == r.Place.Country && c.Place.Admin1 == r.Place.Admin1 {
					g.cands = append(g.cands, c)
				}
			}
		}
		if len(g.cands) == 0 && len(regions) > 0 {
			g.cands = append(g.cands, regions[0])
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

// pruneForeign drops the candidates of a name whose every reading is one
// that only a stretched name (a loose or alternate match) supports, of a
// small place in a country the text does not otherwise name, when the text
// plainly dwells elsewhere: "Abbasiya" in a report from Cairo is no town in
// Israel that once bore the name.
func pruneForeign(order []*group, ev docEvidence) {
	top := topKeys(ev.countries, 1)
	if len(top) == 0 || ev.countries[top[0]] < 2 {
		return
	}
	for _, g := range order {
		if g.alias || g.weak { // a weak name's small reading is what tells dropWeak it is a person
			continue
		}
		all := len(g.cands) > 0
		for i := range g.cands {
			if c := &g.cands[i]; c.Place == nil || !foreignStretch(g, c, top[0], ev) {
				all = false
				break
			}
		}
		if all { // when some reading is sound, scoring chooses among them
			g.cands, g.info, g.best = nil, nil, -1
		}
	}
}

// foreignStretch reports whether candidate c of g is a weak reading in a
// country other than the text's leading one (see pruneForeign).
func foreignStretch(g *group, c *Candidate, top string, ev docEvidence) bool {
	pl := c.Place
	stretched := c.Match == "loose" || c.Form != "" && !strings.EqualFold(c.Form, pl.Name) && !strings.EqualFold(c.Form, pl.ASCIIName)
	return stretched && pl.Country != top && pl.FeatureClass == "P" && pl.Population < surnameMinPop &&
		ev.without(g, pl.Country, false) < 1
}

// facilities places the names of buildings and grounds that the gazetteer
// lacks where they stand: in the town their name begins with ("Vancouver
// Art Gallery"), if that town is in the text's leading country, else in the
// town the text names nearest to them, which is where a report's hospital or
// church usually is. A saint's name ("St. Mark's") is no town.
func (p *Parser) facilities(ctx context.Context, order []*group, ms []Mention, ev docEvidence) error {
	top := topKeys(ev.countries, 1)
	for _, g := range order {
		if len(g.cands) > 0 || g.alias {
			continue
		}
		words := strings.FieldsFunc(g.name, func(r rune) bool { return r == ' ' || r == '-' })
		head := -1
		for i, w := range words {
			if p.lang.facilityWords[strings.ToLower(w)] {
				head = i
				break
			}
		}
		if head < 0 && !g.given {
			continue
		}
		for n := head; n >= 1 && len(g.cands) == 0 && len(top) > 0; n-- {
			name := strings.Join(words[:n], " ")
			if strings.HasSuffix(name, "'s") || strings.HasSuffix(name, "’s") || !p.hasName(name) {
				continue
			}
			more, err := p.lookup(ctx, name, Hints{Country: top[0], Limit: 5})
			if err != nil {
				return err
			}
			for _, c := range more {
				if c.Match == "exact" && c.Place.Country == top[0] && c.Place.FeatureClass == "P" {
					g.cands = append(g.cands, c)
				}
			}
			g.note = fmt.Sprintf("a building or ground in %s, which its name begins with", name)
		}
		if len(g.cands) > 0 {
			continue
		}
		what := "a building or ground"
		if head < 0 {
			what = "a place"
		}
		if c, ok := nearestTown(order, ms, ms[g.ms[0]].Start); ok {
			g.cands, g.note = []Candidate{c}, what+" the gazetteer lacks, placed in the town the text names nearest to it"
		}
	}
	return nil
}

// nearestTown returns the populated place chosen for the text whose mention
// is nearest to code point at.
func nearestTown(order []*group, ms []Mention, at int) (Candidate, bool) {
	var best Candidate
	dist := math.MaxInt
	for _, g := range order {
		if g.best < 0 || g.cands[g.best].Place.FeatureClass != "P" {
			continue
		}
		for _, i := range g.ms {
			if d := max(ms[i].Start-at, at-ms[i].Start); d < dist {
				best, dist = g.cands[g.best], d
			}
		}
	}
	return best, dist < math.MaxInt
}

// regionsByDistance returns the first-level regions chosen for the text,
// the one mentioned nearest to code point at first.
func regionsByDistance(order []*group, ms []Mention, at int) []Candidate {
	type region struct {
		c    Candidate
		dist int
	}
	var rs []region
	for _, g := range order {
		if g.best < 0 || g.cands[g.best].Place.FeatureCode != "ADM1" {
			continue
		}
		d := math.MaxInt
		for _, i := range g.ms {
			d = min(d, max(ms[i].Start-at, at-ms[i].Start))
		}
		rs = append(rs, region{g.cands[g.best], d})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].dist < rs[j].dist })
	out := make([]Candidate, len(rs))
	for i, r := range rs {
		out[i] = r.c
	}
	return out
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
// It returns the places it took as chosen, for explain.
func (p *Parser) choose(order []*group, ev docEvidence, near bool) []chosenPlace {
	var chosen []chosenPlace
	if near {
		for _, g := range order {
			if g.best >= 0 {
				chosen = append(chosen, chosenPlace{g, g.cands[g.best].Place, &g.info[g.best]})
			}
		}
	}
	for _, g := range order {
		if len(g.info) != len(g.cands) {
			g.prepare()
		}
		best, bestS, second := -1, math.Inf(-1), math.Inf(-1)
		for ci := range g.cands {
			c := &g.cands[ci]
			if c.Place == nil {
				continue
			}
			if g.demonym && c.Place.FeatureClass != "A" && c.Place.FeatureClass != "L" {
				continue // "African" is no village called Africa
			}
			s := score(g, c, &g.info[ci], ev, chosen, nil)
			if s > bestS {
				second = bestS
				best, bestS = ci, s
			} else if s > second {
				second = s
			}
		}
		g.best, g.score, g.second = best, bestS, second
	}
	return chosen
}

// explain words the reason of every group's final choice, from the same
// evidence that made it: only once, as formatting costs more than scoring.
func explain(order []*group, ev docEvidence, chosen []chosenPlace) {
	for _, g := range order {
		g.reason = ""
		if g.best >= 0 {
			var why []string
			if g.note != "" {
				why = append(why, g.note)
			}
			score(g, &g.cands[g.best], &g.info[g.best], ev, chosen, &why)
			g.reason = strings.Join(why, "; ")
		}
	}
}

// candInfo caches what scoring asks of a candidate in every round.
type candInfo struct {
	base          float64
	country, area bool
	admin1        string // "CC.admin1", "" for none
	cosLat        float64
}

// prepare computes the candInfo of every candidate of g.
func (g *group) prepare() {
	g.info = g.info[:0]
	for i := range g.cands {
		c := &g.cands[i]
		if c.Place == nil {
			g.info = append(g.info, candInfo{})
			continue
		}
		in := candInfo{base: base(c), country: isCountry(c.Place), area: isArea(c.Place),
			cosLat: math.Cos(c.Place.Point[1] * math.Pi / 180)}
		if c.Place.Admin1 != "" {
			in.admin1 = c.Place.Country + "." + c.Place.Admin1
		}
		g.info = append(g.info, in)
	}
	// A region that shares its name with its own capital ("Raqqa", "Aleppo")
	// or with its country's capital ("Washington", "Paris") is the city
	// unless the text says "province": the region prior goes. An
	// abbreviation ("Wash.") names the region itself.
	if g.admin || g.alias {
		return
	}
	for i := range g.cands {
		c := &g.cands[i]
		if c.Place == nil || c.Place.FeatureCode != "ADM1" || c.Place.Population != 0 {
			continue
		}
		for _, o := range g.cands {
			if o.Place != nil && o.Place.Country == c.Place.Country && (o.Place.FeatureCode == "PPLC" ||
				o.Place.FeatureCode == "PPLA" && o.Place.Admin1 == c.Place.Admin1) {
				g.info[i].base -= regionPrior
				break
			}
		}
	}
}

// chosenPlace is a group's place in the previous round.
type chosenPlace struct {
	g    *group
	pl   *geo.Place
	info *candInfo
}

// score is a candidate's score given the document; when why is not nil it
// also explains it (only the winner's explanation is kept, so it is only
// built for the winner).
func score(g *group, c *Candidate, in *candInfo, ev docEvidence, chosen []chosenPlace, why *[]string) float64 {
	// say is only called under "why != nil"; the words are joined by hand
	// (see plus), as formatting cost more than the scoring itself.
	say := func(parts ...string) { *why = append(*why, strings.Join(parts, "")) }
	s := in.base
	if why != nil {
		say(c.Match, " match ", strconv.Quote(c.Form), ", prior ", strconv.FormatFloat(c.Prior, 'f', 2, 64))
	}
	if w := ev.without(g, c.Place.Country, false); w > 0 {
		b := wCountry * math.Min(1, w/2)
		s += b
		if why != nil {
			say("country ", c.Place.Country, " named in the text ", plus(b, 2))
		}
	}
	if in.admin1 != "" && !in.country && c.Place.FeatureCode != "ADM1" && ev.without(g, in.admin1, true) > 0 {
		s += wAdmin1
		if why != nil {
			say("in region ", c.Place.Country, ".", c.Place.Admin1, ", named in the text ", plus(wAdmin1, 1))
		}
	}
	if in.country && c.Match == "exact" && !g.alias && strings.EqualFold(c.Form, c.Place.Name) {
		s += wCountryName
		if why != nil {
			say("a country's name, which news mostly means ", plus(wCountryName, 1))
		}
	}
	if g.admin && c.Place.FeatureClass == "A" && !in.country {
		s += wAdminFit
		if why != nil {
			say("an administrative area, as the text says ", plus(wAdminFit, 1))
		}
	}
	if g.alias && (g.demonym && (in.country || c.Place.FeatureCode == "CONT") ||
		!g.demonym && c.Place.FeatureClass == "A") {
		s += wAlias
		if why != nil {
			what := "abbreviation"
			if g.demonym {
				what = "demonym"
			}
			say("what the ", what, " stands for ", plus(wAlias, 1))
		}
	}
	if g.dateline && c.Place.FeatureClass == "P" {
		// A dateline names a city big enough for a news desk or a
		// correspondent: population counts double.
		s += wDateline + popWeight*math.Log10(1+float64(c.Place.Population))
		if why != nil {
			say("the dateline, a city ", plus(wDateline, 1))
		}
	}
	if len(g.within)+len(g.holds) > 0 {
		if o, ok := paired(g, c.Place); ok {
			s += wPair
			if why != nil {
				say("written with ", o.Name, ` as in "Atlanta, Georgia" `, plus(wPair, 1))
			}
		}
	}
	for _, o := range chosen {
		if o.g != g && close(c.Place, in, o.pl, o.info) {
			s += wNear
			if why != nil {
				say("near ", o.pl.Name, " ", plus(wNear, 1))
			}
			break
		}
	}
	return s
}

// plus writes a score's part as "(+0.5)", with prec decimals.
func plus(x float64, prec int) string { return "(+" + strconv.FormatFloat(x, 'f', prec, 64) + ")" }

// close reports whether a candidate and another chosen place support each
// other: two points within nearKm, or a region that contains a place.
// Distances use the equirectangular approximation, exact enough at a few
// hundred kilometres and much cheaper than the haversine.
func close(c *geo.Place, ci *candInfo, o *geo.Place, oi *candInfo) bool {
	switch {
	case ci.country || oi.country:
		return false // country evidence already counts
	case c.FeatureCode == "ADM1":
		return o.Country == c.Country && o.Admin1 == c.Admin1 && o.FeatureCode != "ADM1"
	case ci.area || oi.area:
		return false
	}
	const kmPerDeg = 111.2
	dy := (c.Point[1] - o.Point[1]) * kmPerDeg
	if dy > nearKm || dy < -nearKm {
		return false
	}
	dl := math.Abs(c.Point[0] - o.Point[0])
	if dl > 180 {
		dl = 360 - dl
	}
	dx := dl * kmPerDeg * (ci.cosLat + oi.cosLat) / 2
	return dx*dx+dy*dy <= nearKm*nearKm
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
