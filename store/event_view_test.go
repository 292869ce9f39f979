package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

func TestDecodeEventView(t *testing.T) {
	events := []geo.Event{
		{ID: "a", Point: orb.Point{0, 0}, Time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), Title: "x", Tags: []string{}},
		{
			ID: "ev-1", Point: orb.Point{38.9981, 35.9594}, Time: time.Date(2017, 10, 11, 12, 30, 0, 123456789, time.UTC),
			Tags: []string{"talks", "evacuation"}, Title: "Talks on a \"civilian\" exit from Raqa\n",
			Place:   geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: geo.PrecisionCity},
			Source:  geo.Source{URL: "https://example.com/a?b=1&c=2", Title: "AFP", Published: time.Date(2017, 10, 11, 9, 0, 0, 0, time.UTC), Start: 10, End: 99},
			Excerpt: "…", Confidence: 0.875,
			Created: time.Date(2026, 11, 25, 4, 0, 0, 1, time.UTC), Updated: time.Date(2026, 11, 25, 5, 0, 0, 2, time.UTC),
		},
		{
			ID: "ev-2", Point: orb.Point{1, 2}, Time: time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeMonth,
			Type: "Battles", SubType: "Armed clash", Actor1: "SDF", Actor2: "IS", Title: "x", Tags: []string{"ground-fighting"}, Confidence: 0.5,
			Why: &geo.Why{Trigger: "clashed", Mention: geo.WhyMention{Start: 4, End: 8, Text: "Raqa"}, PlaceReason: "only reading", DateReason: "in May"},
		},
		{ID: "ü/…", Point: orb.Point{-180, -90}, Time: time.Date(1815, 6, 18, 0, 0, 0, 0, time.UTC), Title: "Waterloo \xff", Place: geo.EventPlace{ID: -5}, Tags: []string{"a", "b", "c"}, Confidence: 1},
	}
	var view geo.Event
	for _, e := range events {
		key, rec := eventKey(e.Time, e.ID), encodeEvent(nil, &e)
		want, err := decodeEvent(key, rec)
		if err != nil {
			t.Fatal(err)
		}
		// The view reuses the previous event's tags, as a query does.
		if err := decodeEventView(&view, key, rec, view.Tags); err != nil {
			t.Fatal(err)
		}
		if len(view.Tags) == 0 {
			view.Tags = []string{} // decodeEvent's empty tags; the JSON is the same
		}
		if !reflect.DeepEqual(view, *want) {
			t.Errorf("view of %q:\n got %+v\nwant %+v", e.ID, view, *want)
		}
		if got, want := string(geo.AppendFeature(nil, &view)), string(geo.AppendFeature(nil, want)); got != want {
			t.Errorf("feature of the view:\n got %s\nwant %s", got, want)
		}
		// Every truncation of the record is corrupt, never a panic.
		for n := range len(rec) {
			if err := decodeEventView(&view, key, rec[:n], nil); err == nil {
				t.Errorf("%q: record cut at %d of %d bytes decoded", e.ID, n, len(rec))
			}
		}
	}
	if err := decodeEventView(&view, []byte{1}, encodeEvent(nil, &events[0]), nil); err == nil {
		t.Error("short key decoded")
	}
}
