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

var months = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
	"oct": 10, "nov": 11, "dec": 12,
}

var weekdays = map[string]time.Weekday{
	"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
}

// resolveWhen finds the first time expression in toks and resolves it
// against pub; without one, the publication day stands in.
func resolveWhen(toks []Token, pub time.Time) When {
	lowers := make([]string, len(toks))
	for i := range toks {
		lowers[i] = strings.ToLower(toks[i].Text)
	}
	if ds := findDates(toks, lowers, pub, nil); len(ds) > 0 {
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
func findDates(toks []Token, lowers []string, pub time.Time, bg *phrases) []dateExpr {
	day := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	var out []dateExpr
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if t.Kind != Word && t.Kind != Number {
			continue
		}
		d, ok := dateAt(toks, lowers, i, day)
		if !ok {
			continue
		}
		if bg != nil {
			// "since 2016", "born in Ankara in 1994"
			for j := d.tok - 1; j >= 0 && j >= d.tok-5 && toks[j].Kind != Punct; j-- {
				if bg.endsAt(lowers, j, max(0, j-2)) {
					d.background = true
					break
				}
			}
		}
		out = append(out, d)
		i = d.end - 1
	}
	return out
}

// dateAt reads a time expression starting at token i, resolved against day.
func dateAt(toks []Token, lowers []string, i int, day time.Time) (dateExpr, bool) {
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
	if wd, ok := weekdays[lw]; ok && t.IsCap() {
		if prev := strings.ToLower(prevWord(toks, i)); prev == "next" || prev == "coming" {
			return mk(day.AddDate(0, 0, (int(wd)-int(day.Weekday())+7)%7), "day", i+1, false)
		}
		back := (int(day.Weekday()) - int(wd) + 7) % 7
		return mk(day.AddDate(0, 0, -back), "day", i+1, false)
	}
	if mo, ok := months[lw]; ok && t.IsCap() {
		k := 1
		short := len(lw) <= 4 && lw != "may" && lw != "june" && lw != "july"
		if short && next(1) == "." {
			k = 2
		}
		n1, prev := next(k), strings.ToLower(prevWord(toks, i))
		// "May" and "March" are words too; any month needs a date word
		// next to it: "in May", "May 5", "5 May", "May 2016".
		numbered := isNumber(n1) || isNumber(prev)
		cued := prev == "in" || prev == "since" || prev == "until" || prev == "by" || prev == "last" ||
			prev == "early" || prev == "late" || prev == "mid" || prev == "on" || prev == "of" || prev == "this"
		if !numbered && (short || !cued) {
			return dateExpr{}, false
		}
		end := i + k
		d, grain := 1, "month"
		if dd, ok := dayOfMonth(n1); ok {
			d, grain = dd, "day"
			end = i + k + 1
		} else if dd, ok := dayOfMonth(prev); ok {
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
			if mo > day.Month() || prev == "last" && mo >= day.Month() {
				y--
			}
			if end+1 < len(toks) && lowers[end] == "last" && lowers[end+1] == "year" {
				y, end = day.Year()-1, end+2
			}
		}
		start := i
		if grain == "day" && isNumber(prev) {
			start = i - 1
			for start > 0 && toks[start].Kind != Number {
				start--
			}
		}
		e, _ := mk(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), grain, end, explicit)
		e.tok = start
		return e, true
	}
	switch lw {
	case "tomorrow":
		return mk(day.AddDate(0, 0, 1), "day", i+1, false)
	case "next", "coming":
		switch next(1) {
		case "week", "weekend", "month", "year", "days", "weeks", "months":
			return mk(day.AddDate(0, 0, 7), "month", i+2, false)
		}
	case "yesterday":
		return mk(day.AddDate(0, 0, -1), "day", i+1, false)
	case "today", "tonight":
		return mk(day, "day", i+1, false)
	case "last", "past":
		switch next(1) {
		case "week", "weekend":
			return mk(time.Date(day.Year(), day.Month(), day.Day()-7, 0, 0, 0, 0, time.UTC), "month", i+2, false)
		case "month":
			return mk(time.Date(day.Year(), day.Month()-1, 1, 0, 0, 0, 0, time.UTC), "month", i+2, false)
		case "year":
			return mk(time.Date(day.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), "year", i+2, false)
		case "night":
			return mk(day.AddDate(0, 0, -1), "day", i+2, false)
		}
	case "earlier", "this":
		k := 1
		if lw == "earlier" && next(1) == "this" {
			k = 2
		}
		if lw == "earlier" && k == 1 {
			return dateExpr{}, false
		}
		switch next(k) {
		case "year":
			return mk(time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC), "year", i+k+1, false)
		case "month":
			return mk(time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC), "month", i+k+1, false)
		case "week", "weekend":
			return mk(day, "month", i+k+1, false)
		case "morning", "afternoon", "evening":
			return mk(day, "day", i+k+1, false)
		}
	}
	// "two days ago", "a week ago"
	if n, ok := count(lw); ok && i+2 < len(toks) && lowers[i+2] == "ago" {
		switch strings.TrimSuffix(next(1), "s") {
		case "day":
			return mk(day.AddDate(0, 0, -n), "day", i+3, false)
		case "week":
			return mk(day.AddDate(0, 0, -7*n), "month", i+3, false)
		case "month":
			d := day.AddDate(0, -n, 0)
			return mk(time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), "month", i+3, false)
		case "year":
			return mk(time.Date(day.Year()-n, 1, 1, 0, 0, 0, 0, time.UTC), "year", i+3, false)
		}
	}
	if y, ok := year(lw); ok && t.Kind == Number {
		prev := strings.ToLower(prevWord(toks, i))
		if prev == "in" || prev == "since" || prev == "of" || prev == "by" || prev == "until" || prev == "late" ||
			prev == "early" || prev == "mid" || prev == "fall" || prev == "spring" || prev == "summer" || prev == "winter" {
			return mk(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), "year", i+1, true)
		}
	}
	return dateExpr{}, false
}

// count reads a small count written as a word or in digits: "a", "two", "3".
func count(w string) (int, bool) {
	switch w {
	case "a", "an", "one":
		return 1, true
	case "two":
		return 2, true
	case "three":
		return 3, true
	case "four":
		return 4, true
	case "five":
		return 5, true
	case "six":
		return 6, true
	case "several", "few":
		return 0, false
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

func isNumber(s string) bool {
	_, err := strconv.Atoi(strings.TrimRight(s, "stndrh"))
	return err == nil && s != ""
}

func year(s string) (int, bool) {
	y, err := strconv.Atoi(s)
	return y, err == nil && len(s) == 4 && y >= 1900 && y <= 2100
}

func dayOfMonth(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "st"), "nd"), "rd"), "th")
	d, err := strconv.Atoi(s)
	return d, err == nil && d >= 1 && d <= 31 && len(s) <= 2
}
