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
// against pub: a weekday is the latest such day on or before publication
// ("Wednesday", "late Tuesday"); a month without a year is the latest such
// month ("in May"); "yesterday", "last week", "earlier this year" count
// back from pub. Without one, the publication day stands in.
func resolveWhen(toks []Token, pub time.Time) When {
	day := time.Date(pub.Year(), pub.Month(), pub.Day(), 0, 0, 0, 0, time.UTC)
	for i := range toks {
		t := &toks[i]
		if t.Kind != Word {
			continue
		}
		lw := strings.ToLower(t.Text)
		next := func(k int) string {
			if i+k < len(toks) {
				return strings.ToLower(toks[i+k].Text)
			}
			return ""
		}
		if wd, ok := weekdays[lw]; ok && t.IsCap() {
			back := (int(day.Weekday()) - int(wd) + 7) % 7
			if prev := strings.ToLower(prevWord(toks, i)); prev == "next" || prev == "coming" {
				return When{day.AddDate(0, 0, (int(wd)-int(day.Weekday())+7)%7), "day", t.Text}
			}
			return When{day.AddDate(0, 0, -back), "day", t.Text}
		}
		if mo, ok := months[lw]; ok && t.IsCap() {
			n1, prev := next(1), strings.ToLower(prevWord(toks, i))
			short := len(lw) <= 4 && lw != "may" && lw != "june" && lw != "july"
			if short && n1 == "." {
				n1 = next(2)
			}
			numbered := isNumber(n1) || isNumber(prev)
			// "May" and "March" are words too; any month needs a date word
			// next to it: "in May", "May 5", "5 May", "May 2016".
			cued := prev == "in" || prev == "since" || prev == "until" || prev == "by" || prev == "last" ||
				prev == "early" || prev == "late" || prev == "mid" || prev == "on" || prev == "of" || prev == "this"
			if !numbered && (short || !cued) {
				continue
			}
			y := day.Year()
			if yy, ok := year(n1); ok {
				y = yy
			} else if mo > day.Month() || prev == "last" && mo >= day.Month() {
				y--
			}
			d, grain := 1, "month"
			if dd, ok := dayOfMonth(n1); ok {
				d, grain = dd, "day"
			} else if dd, ok := dayOfMonth(prev); ok {
				d, grain = dd, "day"
			}
			return When{time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), grain, t.Text}
		}
		switch lw {
		case "yesterday":
			return When{day.AddDate(0, 0, -1), "day", t.Text}
		case "today", "tonight":
			return When{day, "day", t.Text}
		case "last", "past":
			switch next(1) {
			case "week":
				return When{day.AddDate(0, 0, -7), "day", "last week"}
			case "month":
				return When{time.Date(day.Year(), day.Month()-1, 1, 0, 0, 0, 0, time.UTC), "month", "last month"}
			case "year":
				return When{time.Date(day.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), "year", "last year"}
			case "night":
				return When{day.AddDate(0, 0, -1), "day", "last night"}
			}
		case "earlier":
			if next(1) == "this" && next(2) == "year" {
				return When{time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC), "year", "earlier this year"}
			}
			if next(1) == "this" && next(2) == "month" {
				return When{time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC), "month", "earlier this month"}
			}
		case "in", "since":
			if y, ok := year(next(1)); ok && y <= day.Year() {
				return When{time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), "year", next(1)}
			}
		}
	}
	return When{day, "published", ""}
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
