package gazetteer

import (
	"context"

	"github.com/geonews/geonews/internal/boltpack"

	bolt "go.etcd.io/bbolt"
)

// RuleReport measures one normalisation rule (or all of them, "all") over
// the whole gazetteer.
type RuleReport struct {
	Rule string
	// KeysMerged is how many distinct strict keys the rule folds into others.
	KeysMerged int
	// ExtraCandidates is, summed over every stored name, how many more places
	// a lookup of that name finds with the rule than with its strict key alone.
	ExtraCandidates int
	// NamesGaining is how many stored names find at least one extra place.
	NamesGaining int
}

// RulesReport is the result of MeasureRules.
type RulesReport struct {
	Places, Names int
	StrictPairs   int // (name, candidate) pairs under strict keys alone
	Rules         []RuleReport
}

// MeasureRules measures what each Rule alone, and all Rules together, add to
// the candidate lists of every name in the gazetteer, so that a rule that
// floods candidates shows up in numbers before it misleads a resolution.
func (g *Gazetteer) MeasureRules(ctx context.Context) (*RulesReport, error) {
	rep := &RulesReport{}
	// Each place's distinct strict keys; a name is a (place, strict key) pair.
	var perPlace [][]string
	strictCount := map[string]int32{}
	err := g.db.View(func(tx *bolt.Tx) error {
		c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
		for k, v := c.First(); k != nil; k, v = c.Next() {
			p, err := decodePlace(btoi(k), v)
			if err != nil {
				return err
			}
			var keys []string
			for _, n := range append([]string{p.Name, p.ASCIIName}, p.AlternateNames...) {
				if s := Normalize(n); s != "" && !contains(keys, s) {
					keys = append(keys, s)
					strictCount[s]++
				}
			}
			perPlace = append(perPlace, keys)
			rep.Places++
			rep.Names += len(keys)
			if rep.Places%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return c.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, n := range strictCount {
		rep.StrictPairs += int(n) * int(n)
	}
	variants := make([][]Rule, 0, len(Rules)+1)
	for _, r := range Rules {
		variants = append(variants, []Rule{r})
	}
	variants = append(variants, Rules)
	for i, rules := range variants {
		name := "all rules together"
		if i < len(Rules) {
			name = rules[0].Name
		}
		folded := make(map[string]string, len(strictCount))
		for s := range strictCount {
			folded[s] = applyRules(s, rules)
		}
		count := map[string]int32{}
		for _, keys := range perPlace {
			var seen []string
			for _, s := range keys {
				if f := folded[s]; !contains(seen, f) {
					seen = append(seen, f)
					count[f]++
				}
			}
		}
		rr := RuleReport{Rule: name, KeysMerged: len(strictCount) - len(count)}
		for _, keys := range perPlace {
			for _, s := range keys {
				if extra := int(count[folded[s]] - strictCount[s]); extra > 0 {
					rr.ExtraCandidates += extra
					rr.NamesGaining++
				}
			}
		}
		rep.Rules = append(rep.Rules, rr)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return rep, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
