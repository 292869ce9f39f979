package geo

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestEvent_Validate(t *testing.T) {
	valid := func() Event {
		return Event{Point: orb.Point{1, 2}, Time: time.Date(2017, 10, 11, 12, 30, 5, 7, time.FixedZone("", 3*3600)), Title: "x", Tags: []string{}, Confidence: 1}
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name string
		edit func(e *Event)
		err  string    // "" valid
		time time.Time // the normalised time, when valid
	}{
		{name: "exact", edit: func(e *Event) {}, time: time.Date(2017, 10, 11, 9, 30, 5, 7, time.UTC)},
		{name: "day", edit: func(e *Event) { e.TimePrecision = TimeDay }, time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)},
		{name: "day of the UTC instant", edit: func(e *Event) {
			e.Time, e.TimePrecision = time.Date(2017, 10, 11, 1, 0, 0, 0, time.FixedZone("", 3*3600)), TimeDay
		}, time: time.Date(2017, 10, 10, 0, 0, 0, 0, time.UTC)},
		{name: "month", edit: func(e *Event) { e.TimePrecision = TimeMonth }, time: time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)},
		{name: "year", edit: func(e *Event) { e.TimePrecision = TimeYear }, time: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "unknown precision", edit: func(e *Event) { e.TimePrecision = "week" }, err: `properties.time_precision "week" is not one of day, month, year`},
		{name: "longest texts", edit: func(e *Event) {
			e.Type, e.SubType, e.Actor1, e.Actor2 = long(MaxTypeLen), long(MaxTypeLen), long(MaxActorLen), long(MaxActorLen)
			e.Why = &Why{Trigger: long(MaxWhyLen), Mention: WhyMention{Text: long(MaxWhyLen)}, PlaceReason: long(MaxWhyLen), DateReason: long(MaxWhyLen)}
		}, time: time.Date(2017, 10, 11, 9, 30, 5, 7, time.UTC)},
		{name: "type too long", edit: func(e *Event) { e.Type = long(MaxTypeLen + 1) }, err: "properties.type has 65 characters; at most 64"},
		{name: "sub_type invalid", edit: func(e *Event) { e.SubType = "a\xff" }, err: "properties.sub_type is not valid UTF-8"},
		{name: "actor1 too long", edit: func(e *Event) { e.Actor1 = long(MaxActorLen + 1) }, err: "properties.actor1 has 201 characters"},
		{name: "actor2 invalid", edit: func(e *Event) { e.Actor2 = "\xc3" }, err: "properties.actor2 is not valid UTF-8"},
		{name: "trigger too long", edit: func(e *Event) { e.Why = &Why{Trigger: long(MaxWhyLen + 1)} }, err: "properties.why.trigger has 1001 characters"},
		{name: "mention text invalid", edit: func(e *Event) { e.Why = &Why{Mention: WhyMention{Text: "\xff"}} }, err: "properties.why.mention.text is not valid UTF-8"},
		{name: "place reason too long", edit: func(e *Event) { e.Why = &Why{PlaceReason: long(MaxWhyLen + 1)} }, err: "properties.why.place_reason has 1001 characters"},
		{name: "date reason invalid", edit: func(e *Event) { e.Why = &Why{DateReason: "\xff"} }, err: "properties.why.date_reason is not valid UTF-8"},
		{name: "mention backwards", edit: func(e *Event) { e.Why = &Why{Mention: WhyMention{Start: 5, End: 3}} }, err: "properties.why.mention: start 5 and end 3"},
		{name: "mention negative", edit: func(e *Event) { e.Why = &Why{Mention: WhyMention{Start: -1, End: 3}} }, err: "properties.why.mention: start -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := valid()
			tc.edit(&e)
			err := e.Validate()
			if tc.err != "" {
				if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.err) {
					t.Fatalf("err = %v, want EINVALID containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := e.Time, tc.time; !got.Equal(want) || got.Location() != time.UTC && e.TimePrecision != "" {
				t.Errorf("time = %v, want %v", got, want)
			}
		})
	}
	e := valid()
	e.Type, e.Actor1 = "  Protests ", " students\n"
	if err := e.Validate(); err != nil || e.Type != "Protests" || e.Actor1 != "students" {
		t.Errorf("trimmed: %q %q %v", e.Type, e.Actor1, err)
	}
}
