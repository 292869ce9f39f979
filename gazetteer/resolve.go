package gazetteer

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	bolt "go.etcd.io/bbolt"
)

// Hints narrow a resolution the way context narrows it for a reader.
type Hints struct {
	Country string     // ISO 3166-1 alpha-2: candidates in it rank first
	Admin1  string     // GeoNames admin1 code (with Country), e.g. "TX"
	Near    *orb.Point // {lon, lat}: nearer candidates rank higher
	BBox    *geo.BBox  // candidates inside rank higher
	Limit   int        // how many candidates to return; 0 means 10
	// Terse leaves Candidate.Reason empty and the candidates' alternate
	// names unread: a caller that ranks and explains its own choice (the
	// geoparser) saves a sentence and most of a record per candidate.
	Terse bool
}

// Candidate is one place a name may refer to, with its score and why.
type Candidate struct {
	Place  *geo.Place
	Score  float64 // Match quality + Prior + hint bonuses
	Prior  float64 // the population and feature part alone
	Match  string  // "exact" (same strict key) or "loose" (same loose key)
	Form   string  // the stored name that matched
	Reason string
}

// Scoring weights. A name match is worth 1 (0.9 through an alternate name,
// 0.6 through the loose key); the prior adds up to about 1.8 for a populous
// country, so that bare names resolve as a news reader would; hints add more
// than any prior difference, so that context overrides fame.
const (
	matchName      = 1.0
	matchAlternate = 0.9
	matchLoose     = 0.6
	popWeight      = 0.12 // × log10(1+population): 0.84 at 10 million
	hintCountry    = 1.5
	hintAdmin1     = 0.5
	hintBBox       = 1.5
	hintNear       = 2.0   // × exp(-distance/nearScale)
	nearScaleKm    = 500.0 // a hint point still counts at a few hundred km
)

// featurePriors say how likely a bare mention in the news refers to a place
// of each feature code: countries, then capitals, then first-level regions;
// among other towns population decides.
var featurePriors = map[string]struct {
	prior float64
	what  string
}{
	"PCL": {1.0, "a country"}, "PCLI": {1.0, "a country"}, "PCLD": {1.0, "a country"}, "PCLF": {1.0, "a country"},
	"PCLS": {1.0, "a country"}, "PCLIX": {1.0, "a country"}, "PCLH": {1.0, "a country"}, "TERR": {1.0, "a country"},
	"PPLC": {0.5, "a capital"},
	// Regions carry no population: their prior alone must put a state above
	// a village of its name (Texas, US over Texas, a hamlet in Mexico).
	"CONT": {0.8, "a continent"}, "OCN": {0.8, "an ocean"},
	"ADM1": {0.55, "a first-level region"}, "RGN": {0.55, "a region"}, "SEA": {0.55, "a sea"},
	"PPLG": {0.3, "a seat of government"},
	// Among towns population says more than rank: the seat of a region
	// only breaks ties (Springfield, US → Missouri's, the most populous).
	"PPLA":  {0.01, "a regional capital"},
	"PPLA2": {0, "a district seat"},
	"ADM2":  {0.1, "a second-level region"},
	"PPLX":  {-0.1, "a section of a town"}, "PPLH": {-0.1, "a historical place"},
	"PPLQ": {-0.1, "an abandoned place"}, "PPLW": {-0.1, "a destroyed place"},
}

// featurePrior returns the prior of a feature code and a phrase for reasons.
func featurePrior(class, code []byte) (float64, string) {
	if f, ok := featurePriors[string(code)]; ok {
		return f.prior, f.what
	}
	if string(class) == "P" {
		return 0, "a populated place"
	}
	return 0, "a " + strings.ToLower(string(class)+"/"+string(code)) + " feature"
}

// Resolve returns the places name may refer to, best first, each with a
// score and a reason. It matches the strict key first and the loose key
// (transliteration rules) after; hints re-rank. No match is an empty result.
func (g *Gazetteer) Resolve(ctx context.Context, name string, h Hints) ([]Candidate, error) {
	strict := Normalize(name)
	if strict == "" {
		return nil, nil
	}
	loose := applyRules(strict, Rules)
	limit := h.Limit
	if limit <= 0 {
		limit = 10
	}
	country := strings.ToUpper(h.Country)
	var out []Candidate
	err := g.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketNames) == nil {
			return nil
		}
		cands := make([]scored, 0, 32)
		c := boltpack.NewCursor(tx.Bucket(bucketNames)) // one for every lookup, and a seek near the last one needs no bbolt search
		add := func(kind byte, key, match string) {
			cands = lookup(c, kind, key, match, cands)
		}
		add(kindStrict, strict, "exact")
		// English puts "the" before many names ("the Gulf", "the Middle
		// East"); a name stored without it still matches exactly.
		if rest, ok := strings.CutPrefix(strict, "the "); ok {
			add(kindStrict, rest, "exact")
			add(kindLoose, applyRules(rest, Rules), "loose")
		}
		add(kindLoose, loose, "loose")
		if loose != strict {
			add(kindStrict, loose, "loose")
		}
		if err := c.Err(); err != nil {
			return err
		}
		for i := range cands {
			c := &cands[i]
			c.prior = prior(&c.e)
			c.score = matchScore(c.match, c.e.FormKind) + c.prior + hintScore(&c.e, country, h)
		}
		// Rank by index: a candidate is large and holds pointers, which a
		// sort of the candidates themselves would copy at every swap.
		order := make([]int32, len(cands))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(i, j int32) int {
			a, b := &cands[i], &cands[j]
			if a.score != b.score {
				return cmp.Compare(b.score, a.score)
			}
			return cmp.Compare(a.e.ID, b.e.ID)
		})
		if len(order) > limit {
			order = order[:limit]
		}
		out = make([]Candidate, 0, len(order))
		for _, i := range order {
			c := &cands[i]
			p, err := getPlaceAlts(tx, c.e.ID, !h.Terse)
			if err != nil {
				return err
			}
			cand := Candidate{Place: p, Score: round3(c.score), Prior: round3(c.prior), Match: c.match, Form: string(c.e.Form)}
			if !h.Terse {
				cand.Reason = reason(name, &c.e, c.match, country, h)
			}
			out = append(out, cand)
		}
		return nil
	})
	return out, err
}

// scored is a candidate being ranked, read from the index in place.
type scored struct {
	e     entryView
	match string
	score float64
	prior float64
}

// lookup appends the index entries under one kind and key to cands, skipping
// places already there (an earlier, better match). The entries' values, which
// cands keep, live as long as the transaction.
func lookup(c *boltpack.Cursor, kind byte, key, match string, cands []scored) []scored {
	var buf [64]byte
	prefix := append(append(append(buf[:0], kind), key...), 0)
next:
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		id := btoi(k[len(prefix):])
		for i := range cands {
			if cands[i].e.ID == id {
				continue next
			}
		}
		if e, ok := viewEntry(id, v); ok {
			cands = append(cands, scored{e: e, match: match})
		}
	}
	return cands
}

func matchScore(match string, kind byte) float64 {
	switch {
	case match == "loose":
		return matchLoose
	case kind == formAlternate:
		return matchAlternate
	}
	return matchName
}

func prior(e *entryView) float64 {
	f, _ := featurePrior(e.Class, e.Code)
	return popWeight*math.Log10(1+float64(max(e.Population, 0))) + f
}

func hintScore(e *entryView, country string, h Hints) float64 {
	s := 0.0
	if country != "" && string(e.Country) == country {
		s += hintCountry
		if h.Admin1 != "" && strings.EqualFold(string(e.Admin1), h.Admin1) {
			s += hintAdmin1
		}
	}
	pt := orb.Point{float64(e.Lon), float64(e.Lat)}
	if h.BBox != nil && h.BBox.Contains(pt) {
		s += hintBBox
	}
	if h.Near != nil {
		s += hintNear * math.Exp(-orbgeo.DistanceHaversine(*h.Near, pt)/1000/nearScaleKm)
	}
	return s
}

// reason explains a candidate's score in words a user can check.
func reason(query string, e *entryView, match, country string, h Hints) string {
	var b strings.Builder
	form := [...]string{"name", "ascii name", "alternate name"}[min(int(e.FormKind), 2)]
	if match == "exact" {
		fmt.Fprintf(&b, "%q matches the %s %q", query, form, e.Form)
	} else {
		fmt.Fprintf(&b, "%q matches the %s %q through transliteration rules", query, form, e.Form)
	}
	_, what := featurePrior(e.Class, e.Code)
	fmt.Fprintf(&b, "; %s (%s)", what, e.Code)
	if e.Population > 0 {
		fmt.Fprintf(&b, ", population %s", groupDigits(e.Population))
	}
	if country != "" {
		if string(e.Country) == country {
			fmt.Fprintf(&b, "; in the hinted country %s", country)
			if h.Admin1 != "" && strings.EqualFold(string(e.Admin1), h.Admin1) {
				fmt.Fprintf(&b, ", region %s", e.Admin1)
			}
		} else {
			fmt.Fprintf(&b, "; not in the hinted country %s", country)
		}
	}
	pt := orb.Point{float64(e.Lon), float64(e.Lat)}
	if h.BBox != nil && h.BBox.Contains(pt) {
		b.WriteString("; inside the hinted bbox")
	}
	if h.Near != nil {
		fmt.Fprintf(&b, "; %.0f km from the hinted point", orbgeo.DistanceHaversine(*h.Near, pt)/1000)
	}
	return b.String()
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
