package geoparse

import (
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // US zones by name even where the system has no zoneinfo (one binary, any host)

	"github.com/geonews/geonews/geo"
	dps "github.com/markusmobius/go-dateparser"
)

// MaxPublishedLen bounds a publication string: a date with its time and
// zone fits in far less, and the library's cost grows with the input.
const MaxPublishedLen = 100

// ParsePublished reads an article's publication time in any common form:
// RFC 3339, RFC 1123/822 with a zone name or a numeric zone, the forms news
// sites print ("Wed Nov 23, 2016 | 3:02pm EST", "9:55 AM ET, Sun January 4,
// 2015"), SQL timestamps ("2009-03-25 00:26:04-05"), ISO without a zone
// (taken as UTC) and bare dates. US zone names are their real offsets: ET,
// CT, MT and PT follow daylight saving (ET is -05:00 in January, -04:00 in
// July), EST, EDT and the like are the fixed offsets they name. It returns
// the instant, in the zone the string gave (UTC when it gave none), so that
// its calendar date is the publisher's: "yesterday" in a piece published
// at 9 pm in New York is the day before that evening's date, not before
// the next day's in UTC. Store it as UTC. It also reports whether the
// string gave a time of day (a bare date is its midnight UTC, without
// one), which a reader of "Tuesday" needs.
// Relative phrases ("yesterday"), partial dates ("Nov 2016") and anything
// else are a geo.EINVALID error.
func ParsePublished(s string) (t time.Time, clock bool, err error) {
	t, clock, err = parsePublished(strings.TrimSpace(s))
	// the zero time (0001-01-01) would read as "unknown" and be dropped
	if err == nil && (t.Before(geo.MinTime) || t.After(geo.MaxTime)) {
		return time.Time{}, false, geo.Errorf(geo.EINVALID, "published %q is outside the years 1700 to 2199", s)
	}
	return t, clock, err
}

func parsePublished(s string) (t time.Time, clock bool, err error) {
	// Most machine-written sources (feeds, our own GeoJSON) use RFC 3339:
	// no pre-cleaning and no library call for them.
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true, nil
	}
	bad := geo.Errorf(geo.EINVALID, "published %q is not a date we can read", s)
	if s == "" || len(s) > MaxPublishedLen {
		return time.Time{}, false, bad
	}
	clean, loc := cleanPublished(s)
	p := publishedParsers.Get().(*dps.Parser)
	cfg := publishedConfig
	d, err := p.Parse(&cfg, clean, publishedLayouts...)
	publishedParsers.Put(p)
	if err != nil || d.IsZero() {
		return time.Time{}, false, bad
	}
	t = d.Time
	if _, off := t.Zone(); loc != nil && off == 0 {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	}
	// The library reports a Day period for its Go layouts, times included.
	return t, d.Period.IsTime() || clockOfDay.MatchString(clean), nil
}

// PublishedTime is ParsePublished without the time-of-day flag: the
// geo.PublishedParser of imports and posted events.
func PublishedTime(s string) (time.Time, error) {
	t, _, err := ParsePublished(s)
	return t, err
}

var _ geo.PublishedParser = PublishedTime

// publishedConfig reads English dates in full (day, month and year) and
// takes a time without a zone as UTC.
var publishedConfig = dps.Configuration{
	Languages:          []string{"en"},
	DefaultTimezone:    time.UTC,
	StrictParsing:      true,
	ReturnTimeAsPeriod: true,
}

// publishedParsers hold parsers of absolute dates only: a publication time
// is never "2 hours ago", and "1480000000" is not a Unix time here. A
// Parser locks itself for each call, so concurrent imports each take one.
var publishedParsers = sync.Pool{New: func() any {
	return &dps.Parser{ParserTypes: []dps.ParserType{dps.CustomFormat, dps.AbsoluteTime}}
}}

// publishedLayouts are the SQL timestamps with an hour-only offset
// (PostgreSQL's text form) that the library's own formats miss.
var publishedLayouts = []string{"2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05-07"}

// usZones are the US zone names news sites print. The library knows some
// (as fixed offsets: ET is always -05:00 there) but not CT or MT.
var usZones = map[string]func() *time.Location{
	"ET": location("America/New_York"), "CT": location("America/Chicago"),
	"MT": location("America/Denver"), "PT": location("America/Los_Angeles"),
	"EST": fixed("EST", -5), "EDT": fixed("EDT", -4), "CST": fixed("CST", -6), "CDT": fixed("CDT", -5),
	"MST": fixed("MST", -7), "MDT": fixed("MDT", -6), "PST": fixed("PST", -8), "PDT": fixed("PDT", -7),
	"AKST": fixed("AKST", -9), "AKDT": fixed("AKDT", -8), "HST": fixed("HST", -10),
}

var usZoneWord = regexp.MustCompile(`\b(?:ET|CT|MT|PT|[ECMP][SD]T|AK[SD]T|HST)\b`)

// clockOfDay finds a time of day: 15:04, 3pm, 3 p.m.
var clockOfDay = regexp.MustCompile(`(?i)\d:\d\d|\d\s*[ap]\.?m\b`)

func location(name string) func() *time.Location {
	return sync.OnceValue(func() *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(err) // time/tzdata is linked in: cannot happen
		}
		return loc
	})
}

func fixed(name string, hours int) func() *time.Location {
	loc := time.FixedZone(name, hours*3600)
	return func() *time.Location { return loc }
}

// cleanPublished prepares s for the library: the " | " between date and
// time becomes a space, and a US zone name is taken out and returned as a
// location, to be applied to the wall clock the library reads.
func cleanPublished(s string) (string, *time.Location) {
	s = strings.ReplaceAll(s, "|", " ")
	var loc *time.Location
	if m := usZoneWord.FindStringIndex(s); m != nil {
		loc = usZones[s[m[0]:m[1]]]()
		s = s[:m[0]] + s[m[1]:]
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, " ,", ",")
	return strings.Trim(s, " ,"), loc
}
