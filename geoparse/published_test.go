package geoparse

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
)

func TestParsePublished(t *testing.T) {
	tests := []struct {
		in, want string // want: RFC 3339 in UTC
		clock    bool
	}{
		{"2017-10-11T09:00:00Z", "2017-10-11T09:00:00Z", true},
		{"2017-10-11T09:00:00.5+02:00", "2017-10-11T07:00:00.5Z", true},
		{" 2017-10-11T09:00:00-04:00 ", "2017-10-11T13:00:00Z", true},
		{"Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02T13:00:00Z", true},
		{"Wed, 02 Oct 2002 13:00:00 GMT", "2002-10-02T13:00:00Z", true},
		{"Wed, 02 Oct 2002 15:00:00 +0200", "2002-10-02T13:00:00Z", true},
		{"Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T08:00:00Z", true},
		{"Tue, 10 Jun 2003 04:00:00 PDT", "2003-06-10T11:00:00Z", true},
		{"02 Jan 06 15:04 MST", "2006-01-02T22:04:00Z", true}, // RFC 822
		{"02 Jan 06 15:04 -0700", "2006-01-02T22:04:00Z", true},
		{"Wed Nov 23, 2016 | 3:02pm EST", "2016-11-23T20:02:00Z", true},
		{"9:55 AM ET, Sun January 4, 2015", "2015-01-04T14:55:00Z", true},
		{"9:55 AM ET, Sat July 4, 2015", "2015-07-04T13:55:00Z", true}, // daylight saving
		{"4:58 PM ET, Wed November 16, 2016", "2016-11-16T21:58:00Z", true},
		{"4:58 PM CT, Wed November 16, 2016", "2016-11-16T22:58:00Z", true},
		{"4:58 PM PT, Sat July 16, 2016", "2016-07-16T23:58:00Z", true},
		{"4:58 PM MT, Wed November 16, 2016", "2016-11-16T23:58:00Z", true},
		{"2009-03-25 00:26:04-05", "2009-03-25T05:26:04Z", true},
		{"2009-03-20 12:24:52.002364-05", "2009-03-20T17:24:52.002364Z", true},
		{"2009-03-20 12:24:52-0500", "2009-03-20T17:24:52Z", true},
		{"2016-12-19T10:00:00", "2016-12-19T10:00:00Z", true},
		{"2016-12-19 10:00", "2016-12-19T10:00:00Z", true},
		{"2016-12-19", "2016-12-19T00:00:00Z", false},
		{"December 19, 2016", "2016-12-19T00:00:00Z", false},
		{"19 Dec 2016", "2016-12-19T00:00:00Z", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, clock, err := ParsePublished(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := got.UTC().Format(time.RFC3339Nano), tc.want; got != want {
				t.Errorf("time = %s, want %s", got, want)
			}
			if got, want := clock, tc.clock; got != want {
				t.Errorf("clock = %v, want %v", got, want)
			}
		})
	}
	for _, in := range []string{"", "  ", "garbage", "12", "1480000000", "tomorrow", "2 hours ago", "Thursday", "Nov 2016", "2016-13-45", "soon | EST", strings.Repeat("2016-12-19 ", 20)} {
		t.Run("refuse "+in, func(t *testing.T) {
			_, _, err := ParsePublished(in)
			if err == nil || geo.ErrorCode(err) != geo.EINVALID || !strings.Contains(err.Error(), "is not a date we can read") {
				t.Fatalf("err = %v, want EINVALID not a date we can read", err)
			}
		})
	}
}

// Imports parse publication times on every CPU at once.
func TestParsePublished_Concurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, _, err := ParsePublished("4:58 PM ET, Wed November 16, 2016")
				if err != nil || !got.Equal(time.Date(2016, 11, 16, 21, 58, 0, 0, time.UTC)) {
					t.Errorf("got %v, %v", got, err)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkParsePublished(b *testing.B) {
	for _, in := range []string{"2017-10-11T09:00:00Z", "Wed Nov 23, 2016 | 3:02pm EST"} {
		b.Run(in, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := ParsePublished(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The publisher's calendar date survives: relative dates count from it.
func TestParsePublishedKeepsZone(t *testing.T) {
	for in, day := range map[string]string{
		"2017-10-11T23:30:00-04:00":       "2017-10-11", // 2017-10-12 in UTC
		"Wed Nov 23, 2016 | 9:02pm EST":   "2016-11-23",
		"2009-03-25 22:26:04-05":          "2009-03-25",
		"Wed, 02 Oct 2002 01:00:00 +0800": "2002-10-02", // 2002-10-01 in UTC
		"2016-12-19":                      "2016-12-19",
	} {
		got, _, err := ParsePublished(in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format("2006-01-02") != day {
			t.Errorf("%q: publisher's date %s, want %s", in, got.Format("2006-01-02"), day)
		}
	}
}

// "Yesterday" in a piece published on a New York evening is the day before
// that evening's date, not before the next day's in UTC.
func TestEveningPublishedYesterday(t *testing.T) {
	p := MustParser(t)
	pub, _, err := ParsePublished("Wed Nov 23, 2016 | 9:02pm EST")
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := p.Events(context.Background(), Article{Text: "Police arrested two men in Beirut yesterday.", Published: pub})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Time.Format("2006-01-02") != "2016-11-22" {
		for _, e := range events {
			t.Logf("%s %s %s (%s)", e.Type, e.Place.Name, e.Time.Format("2006-01-02"), e.Why.DateReason)
		}
		t.Fatalf("%d events, want one on 2016-11-22", len(events))
	}
}
