package geoparse

import (
	"strconv"
	"strings"
	"time"
)

// When is a time an event is placed at, resolved against the publication
// time, with how precisely the text gave it.
type When struct {
	Time time.Time
	// Grain is "day", "month" or "year"; "published" when the text said
	// nothing and the publication day stands in.
	Grain string
	// Phrase is the words the time was read from.
	Phrase string
}

// dateExpr is a time expression found in a text.
type dateExpr struct {
	When
	tok, end int // token span [tok, end)
	// explicit is set when the text wrote the year: "December 11, 2016",
	// "in 2015". Such a date needs no anchor.
	explicit bool
	// background is set when the date starts a standing situation
	// ("since 2016") rather than dating a happening.
	background bool
}

// resolveWhen finds the first time expression in toks and resolves it
// against pub; without one, the publication day stands in.
func (l *Language) resolveWhen(toks []Token, pub time.Time) When {
	lowers := make([]string, len(toks))
	for i := range toks {
		lowers[i] = strings.ToLower(toks[i].Text)
	}
	if ds := l.findDates(toks, lowers, pub, nil); len(ds) > 0 {
		return ds[0].When
	}
	day := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	return When{day, "published", ""}
}

// findDates finds the time expressions in toks and resolves each against
// pub: a weekday is the latest such day on or before publication
// ("Wednesday", "late Tuesday"; "next Friday" looks forward); a month
// without a year is the latest such month ("in May"); "yesterday", "last
// week", "earlier this year" count back from pub; "December 11, 2016" and
// "in 2015" stand alone. A date after a background word of bg ("since
// 2016") is marked background. lowers holds the tokens in lower case.
func (l *Language) findDates(toks []Token, lowers []string, pub time.Time, bg *phrases) []dateExpr {
	day := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	var out []dateExpr
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if t.Kind != Word && t.Kind != Number {
			continue
		}
		d, ok := l.dates.at(toks, lowers, i, day)
		if !ok {
			continue
		}
		if bg != nil {
			// "since 2016", "born in Ankara in 1994"
			named := false // a name between: "throughout Paris on November 13" is a place's, not the date's
			for j := d.tok - 1; j >= 0 && j >= d.tok-5 && toks[j].Kind != Punct; j-- {
				if n := bg.endLen(lowers, j, max(0, j-2)); n > 0 && !(named && n == 1 && l.cues[lowers[j]]) {
					d.background = true
					break
				}
				named = named || toks[j].IsCap()
			}
		}
		out = append(out, d)
		i = d.end - 1
	}
	return out
}

// at reads a time expression starting at token i, resolved against day.
func (dw *dateWords) at(toks []Token, lowers []string, i int, day time.Time) (dateExpr, bool) {
	t := &toks[i]
	lw := lowers[i]
	next := func(k int) string {
		if i+k < len(toks) {
			return lowers[i+k]
		}
		return ""
	}
	mk := func(tm time.Time, grain string, end int, explicit bool) (dateExpr, bool) {
		return dateExpr{When: When{tm, grain, joinTokens(toks[i:end])}, tok: i, end: end, explicit: explicit}, true
	}
	if wd, ok := dw.weekdays[lw]; ok && t.IsCap() {
		// "Friday, February 3": the date names the day, whatever day the
		// weekday alone would be
		j := i + 1
		if j < len(toks) && toks[j].Text == "," {
			j++
		}
		if _, ok := dw.months[next(j-i)]; ok && j < len(toks) && toks[j].IsCap() {
			if e, ok := dw.at(toks, lowers, j, day); ok && e.Grain == "day" {
				e.tok, e.Phrase = i, joinTokens(toks[i:e.end])
				return e, true
			}
		}
		if prev := strings.ToLower(prevWord(toks, i)); dw.is("next", prev) {
			return mk(day.AddDate(0, 0, (int(wd)-int(day.Weekday())+7)%7), "day", i+1, false)
		}
		back := (int(day.Weekday()) - int(wd) + 7) % 7
		return mk(day.AddDate(0, 0, -back), "day", i+1, false)
	}
	if mo, ok := dw.months[lw]; ok && t.IsCap() {
		k := 1
		short := dw.is("abbreviated_month", lw)
		if short && next(1) == "." {
			k = 2
		}
		n1, prev := next(k), strings.ToLower(prevWord(toks, i))
		// "May" and "March" are words too; any month needs a date word
		// next to it: "in May", "May 5", "5 May", "May 2016".
		numbered := dw.isNumber(n1) || dw.isNumber(prev)
		if !numbered && (short || !dw.is("month_cue", prev)) {
			return dateExpr{}, false
		}
		end := i + k
		d, grain := 1, "month"
		if dd, ok := dw.dayOfMonth(n1); ok {
			d, grain = dd, "day"
			end = i + k + 1
		} else if dd, ok := dw.dayOfMonth(prev); ok {
			d, grain = dd, "day"
		}
		// the year: "May 5, 2016", "May 2016", "5 May 2016"; else the latest such month
		y, explicit := day.Year(), false
		j := end
		if j < len(toks) && toks[j].Text == "," {
			j++
		}
		if j < len(toks) {
			if yy, ok := year(lowers[j]); ok {
				y, explicit, end = yy, true, j+1
			}
		}
		if !explicit {
			if mo > day.Month() || dw.is("last", prev) && mo >= day.Month() {
				y--
			}
			if end+1 < len(toks) && dw.is("last", lowers[end]) && dw.is("unit_year", lowers[end+1]) {
				y, end = day.Year()-1, end+2
			}
		}
		start := i
		if grain == "day" && dw.isNumber(prev) {
			start = i - 1
			for start > 0 && toks[start].Kind != Number {
				start--
			}
		}
		e, _ := mk(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), grain, end, explicit)
		e.tok = start
		return e, true
	}
	unit := func(w string) string {
		for _, u := range []string{"unit_day", "unit_week", "unit_month", "unit_year", "unit_night", "part_of_day"} {
			if dw.is(u, w) {
				return u
			}
		}
		return ""
	}
	ymd := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	switch {
	case dw.is("tomorrow", lw):
		return mk(day.AddDate(0, 0, 1), "day", i+1, false)
	case dw.is("yesterday", lw):
		return mk(day.AddDate(0, 0, -1), "day", i+1, false)
	case dw.is("today", lw):
		return mk(day, "day", i+1, false)
	case dw.is("next", lw):
		switch unit(next(1)) {
		case "unit_day", "unit_week", "unit_month", "unit_year":
			return mk(day.AddDate(0, 0, 7), "month", i+2, false) // after publication: a plan
		}
	case dw.is("last", lw):
		switch unit(next(1)) {
		case "unit_week":
			return mk(ymd(day.Year(), day.Month(), day.Day()-7), "month", i+2, false)
		case "unit_month":
			return mk(ymd(day.Year(), day.Month()-1, 1), "month", i+2, false)
		case "unit_year":
			return mk(ymd(day.Year()-1, 1, 1), "year", i+2, false)
		case "unit_night":
			return mk(day.AddDate(0, 0, -1), "day", i+2, false)
		}
	case dw.is("earlier", lw) && dw.is("this", next(1)), dw.is("this", lw):
		k := 1
		if dw.is("earlier", lw) {
			k = 2
		}
		switch unit(next(k)) {
		case "unit_year":
			return mk(ymd(day.Year(), 1, 1), "year", i+k+1, false)
		case "unit_month":
			return mk(ymd(day.Year(), day.Month(), 1), "month", i+k+1, false)
		case "unit_week":
			return mk(day, "month", i+k+1, false)
		case "part_of_day":
			return mk(day, "day", i+k+1, false)
		}
	}
	// "two days ago", "a week ago"; "it comes a week after …": before publication
	if n, ok := dw.count(lw); ok && i+2 < len(toks) && (dw.is("ago", lowers[i+2]) || dw.is("since_then", lowers[i+2])) {
		switch unit(next(1)) {
		case "unit_day":
			return mk(day.AddDate(0, 0, -n), "day", i+3, false)
		case "unit_week":
			if n == 1 {
				return mk(day.AddDate(0, 0, -7), "day", i+3, false) // "a week ago": the same weekday
			}
			return mk(day.AddDate(0, 0, -7*n), "month", i+3, false)
		case "unit_month":
			d := day.AddDate(0, -n, 0)
			return mk(ymd(d.Year(), d.Month(), 1), "month", i+3, false)
		case "unit_year":
			return mk(ymd(day.Year()-n, 1, 1), "year", i+3, false)
		}
	}
	if y, ok := year(lw); ok && t.Kind == Number {
		if dw.is("year_cue", strings.ToLower(prevWord(toks, i))) {
			return mk(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), "year", i+1, true)
		}
	}
	return dateExpr{}, false
}

// count reads a small count written as a word or in digits: "a", "two", "3".
func (dw *dateWords) count(w string) (int, bool) {
	if n, ok := dw.counts[w]; ok {
		return n, true
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && n > 0 && n < 100
}

// joinTokens writes tokens back as text, with the spaces the text had.
func joinTokens(toks []Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.SpaceBefore {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

func prevWord(toks []Token, i int) string {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if toks[j].Kind != Punct {
			return toks[j].Text
		}
	}
	return ""
}

// isNumber reports whether s is a number, possibly ordinal ("3rd").
func (dw *dateWords) isNumber(s string) bool {
	_, err := strconv.Atoi(dw.trimOrdinal(s))
	return err == nil && s != ""
}

func (dw *dateWords) trimOrdinal(s string) string {
	for suf := range dw.role["ordinal_suffix"] {
		if strings.HasSuffix(s, suf) && len(s) > len(suf) {
			return s[:len(s)-len(suf)]
		}
	}
	return s
}

func year(s string) (int, bool) {
	y, err := strconv.Atoi(s)
	return y, err == nil && len(s) == 4 && y >= 1900 && y <= 2100
}

func (dw *dateWords) dayOfMonth(s string) (int, bool) {
	s = dw.trimOrdinal(s)
	d, err := strconv.Atoi(s)
	return d, err == nil && d >= 1 && d <= 31 && len(s) <= 2
}
