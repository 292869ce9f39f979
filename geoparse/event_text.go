package geoparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
)

// excerptOf is a sentence as one line: hard line breaks and runs of spaces
// folded, cut at the excerpt limit.
func excerptOf(s string) string {
	return clip(oneLine(s), geo.MaxExcerptLen)
}

// oneLine folds white space to single spaces and drops control and
// bidi-override characters, which no stored text may carry (geo.CheckText):
// words of the article, fit to be a title, an excerpt or a reason.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.Map(func(r rune) rune {
		if geo.HiddenRune(r) {
			return -1
		}
		return r
	}, s)
}

// clip cuts s to at most n code points.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// title says what happened in the clause's own words: from the clause's
// start (past a reporting frame such as "officials said", a leading
// conjunction or time word) to the place, or to the clause's end a few
// words past the trigger; "Tillerson, who met with Trump" reads "Tillerson
// met with Trump". The place is added when the words lack it.
func (r *eventReader) title(s Sentence, t trig, m *Mention) string {
	d, w := r.d, r.w
	from := r.clauseStart(s, t.tok)
	// past the last verb of saying before the trigger: "X said (that) …",
	// "wrote on his account that …"
	for j := t.tok - 1; j >= from; j-- {
		if r.w.report.has(d.lowers[j]) && !d.toks[j].IsCap() {
			from = j + 1
			for k := from; k < t.tok && k < from+8; k++ {
				if r.lang.complementizers[d.lowers[k]] {
					from = k + 1
					break
				}
			}
			break
		}
	}
	var lead []Token
	if from < t.tok && r.lang.relativePronouns[d.lowers[from]] && from-2 >= s.From && d.lowers[from-1] == "," {
		// the antecedent of "who": the words before the comma, back to the clause before
		a := r.clauseStart(s, from-1)
		if from-1-a <= 4 && d.toks[a].IsCap() {
			lead = d.toks[a : from-1]
		}
		from++
	}
	for from < t.tok && (r.lang.titleSkip[d.lowers[from]] || d.toks[from].Kind == Punct || r.isDateWord(from) ||
		d.toks[from].Kind == Number) {
		from++
	}
	if t.tok-from > 8 {
		// too long a lead: the trigger's own phrase ("Karlov's assassination")
		from = t.tok
		for k := 0; k < 4 && from-1 > s.From; k++ {
			p := &d.toks[from-1]
			if p.Kind == Punct && p.Text != "'" && p.Text != "’" || r.lang.phraseStop[d.lowers[from-1]] || w.report.has(d.lowers[from-1]) {
				break
			}
			from--
		}
	}
	end := r.clauseEnd(s, t.end-1)
	to := min(end, t.end+8)
	if m.Sentence == s.index(d) && m.tok >= t.end && m.tokEnd-t.end <= 16 {
		to = m.tokEnd
	}
	for to > t.end && (d.toks[to-1].Kind == Punct || r.lang.trailing[d.lowers[to-1]]) {
		to--
	}
	words := strings.Trim(joinTokens(d.toks[from:to]), " \"“”'‘’")
	if len(lead) > 0 {
		words = joinTokens(lead) + " " + words
	}
	if words == "" {
		words = joinTokens(d.toks[t.tok:t.end])
	}
	if !(m.Sentence == s.index(d) && m.tok >= from && m.tokEnd <= to) {
		name := m.Text
		if m.Kind != KindName {
			name = m.Place.Name
		}
		words += " in " + name
	}
	rs := []rune(oneLine(words))
	if len(rs) == 0 {
		return ""
	}
	rs[0] = unicode.ToUpper(rs[0])
	return clip(string(rs), 200)
}

// index returns the sentence's index in d.
func (s Sentence) index(d *doc) int {
	if s.From < len(d.sentOf) {
		return d.sentOf[s.From]
	}
	return -1
}

// actors names who did it and to whom, where the clause names them: the
// run of names, demonyms and actor nouns right before the trigger (past
// auxiliaries and adverbs: "A Turkish policeman fatally shot"), and the
// run right after it ("shot Russia's ambassador"); in the passive ("was
// arrested by police") the other way round. Pronouns, clauses and places
// never stand as actors.
func (r *eventReader) actors(s Sentence, t trig) (string, string) {
	d := r.d
	from := r.clauseStart(s, t.tok)
	i := t.tok
	passive := false
	for i > from && (r.lang.auxVerbs[d.lowers[i-1]] || r.lang.adverbEndings.endsWith(d.lowers[i-1])) {
		passive = passive || r.lang.passiveAux[d.lowers[i-1]]
		i--
	}
	a := i
	for a > from && r.actorWord(s, a-1) {
		a--
	}
	subj := r.actorPhrase(a, i)
	j := t.end
	for j < s.To && r.lang.articles[d.lowers[j]] {
		j++
	}
	k := j
	for k < s.To && k-j < 6 && r.actorWord(s, k) {
		k++
	}
	obj := r.actorPhrase(j, k)
	if passive {
		by := ""
		for b := t.end; b+1 < s.To && b < t.end+8; b++ {
			if r.lang.agentPreps[d.lowers[b]] {
				e := b + 1
				for e < s.To && r.lang.articles[d.lowers[e]] {
					e++
				}
				f := e
				for f < s.To && f-e < 6 && r.actorWord(s, f) {
					f++
				}
				by = r.actorPhrase(e, f)
				break
			}
		}
		return by, subj
	}
	return subj, obj
}

// actorWord reports whether token i may be part of an actor's name: a
// capitalised word (not a sentence's first word unless it is an actor noun,
// a demonym or all capitals), an actor noun, a number ("13 soldiers"), or
// the possessive between ("Russia's ambassador").
func (r *eventReader) actorWord(s Sentence, i int) bool {
	d := r.d
	t := &d.toks[i]
	lw := d.lowers[i]
	switch {
	case t.Kind == Punct:
		return d.possessiveAt(i, s.To)
	case r.lang.possessive[lw] && i > s.From && d.toks[i-1].Kind == Punct:
		return true
	case t.Kind == Number:
		return true
	case r.w.actor.has(lw):
		return true
	case r.isDateWord(i) || r.lang.titleSkip[lw] || r.lang.articles[lw] || r.w.report.has(lw):
		return false
	case t.IsCap():
		_, demonym := r.lang.demonym(t.Text)
		return i > s.From || demonym || t.IsAllCaps()
	}
	return false
}

// actorPhrase returns tokens [i, j) as an actor's name when they hold a
// capitalised word or an actor noun and are no place, else "".
func (r *eventReader) actorPhrase(i, j int) string {
	d := r.d
	for j > i && (d.toks[j-1].Kind == Punct || r.lang.possessive[d.lowers[j-1]]) {
		j--
	}
	for i < j && d.toks[i].Kind == Punct {
		i++
	}
	if i >= j {
		return ""
	}
	named := false
	for k := i; k < j; k++ {
		named = named || d.toks[k].IsCap() || r.w.actor.has(d.lowers[k])
	}
	if !named {
		return ""
	}
	for _, m := range r.bySent[d.sentOf[i]] {
		if m.tok <= i && m.tokEnd >= j {
			return "" // the whole phrase is a place
		}
	}
	return clip(oneLine(joinTokens(d.toks[i:j])), geo.MaxActorLen)
}

// isDateWord reports whether token i names a month or a weekday.
func (r *eventReader) isDateWord(i int) bool {
	_, mo := r.lang.dates.months[r.d.lowers[i]]
	_, wd := r.lang.dates.weekdays[r.d.lowers[i]]
	return (mo || wd) && r.d.toks[i].IsCap()
}
