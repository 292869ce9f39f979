package geoparse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
)

// EventType is one row of the event ontology (seeds/en/ontology.tsv): a
// kind of happening and where it sits in ACLED's codebook.
type EventType struct {
	Name         string   // "bombing_explosion"
	ACLEDType    string   // "Explosions/Remote violence", or "General news" for geonews' extension
	ACLEDSubType string   // "Remote explosive/landmine/IED"
	Legacy       []string // the tags of seeds/en/tags.tsv that mean the same
	About        string   // what it covers, in words
}

// eventWords are the word tables of the event layer, read from seeds/en.
type eventWords struct {
	types    map[string]*EventType
	triggers phrases  // value: the type's rank
	trigType []string // rule index → type
	// trigFamily: rule index → its line among the trigger lines: a type's
	// words may come in families ("arrested" and "raided"), and two
	// mentions in words of different families are two happenings
	trigFamily []int
	families   int
	// familyOrd: family → its place among its type's families (0: the first)
	familyOrd  []int
	familyType []string

	irrealis, irrealisAfter, negation, background, report, actor, actorVerb, locative, toward, origin, target phrases
	// modifierHeads: nouns after a trigger noun that make it a modifier ("riot police")
	modifierHeads phrases
	// scene: the words that put a happening where the one just told took place
	scene phrases
	// charge: the words right before a crime that name it as a charge, not a happening
	charge phrases
	// habitual: anywhere in a trigger's clause, the happening is a habit or a tally, not one happening
	habitual phrases
	// tally: a period in the clause of a perfect that makes it a count, not one happening
	tally, perfect phrases
	// facility and siteVerb: "Ottawa's … Airport had 41 delays": the site's town is where it happened
	facility, siteVerb phrases
	// adjectival: trigger participles that, without an auxiliary before them, describe a thing ("stolen property")
	adjectival phrases
	// contestVerb and contestObject: "won" names a happening only before a contest, a score or a sum
	contestVerb, contestObject phrases
	// presentPassive: "are detained": a state or a habit
	presentPassive phrases
	// placeRelative: "where" after a place: the clause's happening took place there
	placeRelative phrases
	// verbOnly: trigger verbs that are nouns after an article ("the beat")
	verbOnly phrases
	// recurring: "the fourth Thursday in November": a yearly rule
	recurring phrases
	// office: "Rome's new mayor … was elected": the vote's place
	office phrases
	// idiom: phrases that hold a trigger word but name no happening ("trial and error")
	idiom phrases
	// generic: trigger words that name any happening and, without a place of their own, refer back
	generic phrases
}

// phrases is a set of word sequences, matched in lower case, each word
// possibly ending in "*" (any ending). Rules are indexed by the key of
// their first and of their last word, so that a match starting or ending
// at a token is one map look-up.
type phrases struct {
	rules   [][]string
	rank    []int
	byFirst map[string][]int
	byLast  map[string][]int
}

func (p *phrases) add(phrase string, rank int) {
	words := strings.Fields(strings.ToLower(phrase))
	if len(words) == 0 {
		return
	}
	if p.byFirst == nil {
		p.byFirst, p.byLast = map[string][]int{}, map[string][]int{}
	}
	i := len(p.rules)
	p.rules = append(p.rules, words)
	p.rank = append(p.rank, rank)
	f, l := strings.TrimSuffix(words[0], "*"), strings.TrimSuffix(words[len(words)-1], "*")
	p.byFirst[tagKey(f)] = append(p.byFirst[tagKey(f)], i)
	p.byLast[tagKey(l)] = append(p.byLast[tagKey(l)], i)
}

// at returns the rule that matches the longest run of words starting at
// token i of lowers (-1 when none) and the number of tokens it covers.
func (p *phrases) at(lowers []string, i int) (rule, n int) {
	rule = -1
	if i < 0 || i >= len(lowers) {
		return rule, 0
	}
	for _, r := range p.byFirst[tagKey(lowers[i])] {
		words := p.rules[r]
		if i+len(words) > len(lowers) || len(words) <= n {
			continue
		}
		ok := true
		for k, w := range words {
			if !wordMatch(w, lowers[i+k], lowers[i+k], false) {
				ok = false
				break
			}
		}
		if ok {
			rule, n = r, len(words)
		}
	}
	return rule, n
}

// endsAt reports whether a rule's words end at token j of lowers (inclusive),
// starting no earlier than token lo.
func (p *phrases) endsAt(lowers []string, j, lo int) bool { return p.endLen(lowers, j, lo) > 0 }

// endLen returns the length of the longest rule whose words end at token j
// of lowers, starting no earlier than token lo; 0 when none does.
func (p *phrases) endLen(lowers []string, j, lo int) int {
	if j < lo || j >= len(lowers) {
		return 0
	}
	best := 0
	for _, r := range p.byLast[tagKey(lowers[j])] {
		words := p.rules[r]
		s := j - len(words) + 1
		if s < lo || len(words) <= best {
			continue
		}
		ok := true
		for k, w := range words {
			if !wordMatch(w, lowers[s+k], lowers[s+k], false) {
				ok = false
				break
			}
		}
		if ok {
			best = len(words)
		}
	}
	return best
}

// has reports whether one word is in the set.
func (p *phrases) has(w string) bool {
	return p.endsAt([]string{w}, 0, 0)
}

// readEventWords reads the event tables: the ontology, the triggers and
// the cues (ontology.tsv, triggers.tsv and cues.tsv of a language).
func readEventWords(onto, trig, cues string) (*eventWords, error) {
	w := &eventWords{types: map[string]*EventType{}}
	for _, f := range fieldLines(onto) {
		if len(f) < 5 {
			return nil, fmt.Errorf("ontology.tsv: %q has %d columns, want 5", strings.Join(f, "\t"), len(f))
		}
		t := &EventType{Name: f[0], ACLEDType: f[1], ACLEDSubType: f[2], About: f[4]}
		for _, l := range strings.Split(f[3], ",") {
			if l = strings.TrimSpace(l); l != "" {
				t.Legacy = append(t.Legacy, l)
			}
		}
		w.types[t.Name] = t
	}
	if err := w.addTriggers(trig, "triggers.tsv"); err != nil {
		return nil, err
	}
	sets := map[string]*phrases{"irrealis": &w.irrealis, "negation": &w.negation, "background": &w.background,
		"report": &w.report, "actor": &w.actor, "actor_verb": &w.actorVerb, "locative": &w.locative, "toward": &w.toward,
		"irrealis_after": &w.irrealisAfter, "origin": &w.origin, "target": &w.target, "modifier_heads": &w.modifierHeads, "scene": &w.scene, "charge": &w.charge, "habitual": &w.habitual,
		"tally": &w.tally, "office": &w.office, "recurring": &w.recurring, "verb_only": &w.verbOnly, "place_relative": &w.placeRelative, "present_passive": &w.presentPassive, "contest_verb": &w.contestVerb, "contest_object": &w.contestObject, "adjectival": &w.adjectival, "facility": &w.facility, "site_verb": &w.siteVerb, "perfect": &w.perfect, "idiom": &w.idiom, "generic": &w.generic}
	for _, f := range fieldLines(cues) {
		set, ok := sets[f[0]]
		if !ok || len(f) < 2 {
			return nil, fmt.Errorf("cues.tsv: unknown kind %q", f[0])
		}
		for _, p := range strings.Split(f[1], "|") {
			set.add(p, 0)
		}
	}
	return w, nil
}

// addTriggers reads trigger lines (type, rank, phrases separated by "|").
func (w *eventWords) addTriggers(s, name string) error {
	for n, f := range fieldLines(s) {
		if len(f) != 3 {
			return geo.Errorf(geo.EINVALID, "%s line %d: want type<TAB>rank<TAB>phrases, got %d fields", name, n+1, len(f))
		}
		if w.types[f[0]] == nil {
			return geo.Errorf(geo.EINVALID, "%s line %d: type %q is not in the ontology (seeds/en/ontology.tsv)", name, n+1, f[0])
		}
		rank, err := strconv.Atoi(f[1])
		if err != nil {
			return geo.Errorf(geo.EINVALID, "%s line %d: rank %q is not a number", name, n+1, f[1])
		}
		family := w.families
		w.families++
		ord := 0
		for _, t := range w.familyType {
			if t == f[0] {
				ord++
			}
		}
		w.familyType = append(w.familyType, f[0])
		w.familyOrd = append(w.familyOrd, ord)
		for _, p := range strings.Split(f[2], "|") {
			if strings.TrimSpace(p) == "" {
				continue
			}
			w.triggers.add(p, rank)
			w.trigType = append(w.trigType, f[0])
			w.trigFamily = append(w.trigFamily, family)
		}
	}
	return nil
}
