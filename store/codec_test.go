package store

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

func TestEventCodec_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		e    geo.Event
	}{
		{"minimal", geo.Event{ID: "a", Point: orb.Point{0, 0}, Time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), Title: "x", Tags: []string{}}},
		{"full", geo.Event{
			ID: "ev-1", Point: orb.Point{38.9981, 35.9594}, Time: time.Date(2017, 10, 11, 12, 30, 0, 123456789, time.UTC),
			Tags: []string{"talks", "evacuation"}, Title: "Talks on a civilian exit from Raqa",
			Place:   geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: geo.PrecisionCity},
			Source:  geo.Source{URL: "https://example.com/a", Title: "AFP", Published: time.Date(2017, 10, 11, 9, 0, 0, 0, time.UTC), Start: 10, End: 99},
			Excerpt: "…", Confidence: 0.875,
			Created: time.Date(2026, 11, 25, 4, 0, 0, 1, time.UTC), Updated: time.Date(2026, 11, 25, 5, 0, 0, 2, time.UTC),
		}},
		{"before 1970, negative place id, antimeridian", geo.Event{ID: "ü/…", Point: orb.Point{-180, -90}, Time: time.Date(1815, 6, 18, 0, 0, 0, 0, time.UTC), Title: "Waterloo", Place: geo.EventPlace{ID: -5}, Tags: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := eventKey(tc.e.Time, tc.e.ID)
			got, err := decodeEvent(key, encodeEvent(nil, &tc.e))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.e) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", *got, tc.e)
			}
		})
	}
	if _, err := decodeEvent(eventKey(time.Now(), "a"), []byte{1, 2, 3}); err == nil {
		t.Error("short record decoded")
	}
	if _, err := decodeEvent([]byte{1}, encodeEvent(nil, &tests[0].e)); err == nil {
		t.Error("short key decoded")
	}
}

func TestIndexCodec_RoundTrip(t *testing.T) {
	times := []time.Time{minEventTime, time.Unix(-1, 0), time.Unix(0, 0), time.Unix(0, 1), time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), maxEventTime.Add(-1)}
	for i, tm := range times {
		k := eventKey(tm, "id")
		gt, id, err := splitEventKey(k)
		if err != nil || !gt.Equal(tm) || id != "id" {
			t.Errorf("splitEventKey(eventKey(%v)) = %v, %q, %v", tm, gt, id, err)
		}
		if i > 0 && bytes.Compare(eventKey(times[i-1], "zzz"), k) >= 0 {
			t.Errorf("key of %v does not sort after %v", tm, times[i-1])
		}
	}
	for _, p := range []orb.Point{{0, 0}, {180, 90}, {-180, -90}, {38.9981234, 35.9594321}} {
		got, ok := decodePointE7(encodePointE7(nil, p))
		if !ok || got.Lon()-p.Lon() > 1e-7 || p.Lon()-got.Lon() > 1e-7 || got.Lat()-p.Lat() > 1e-7 || p.Lat()-got.Lat() > 1e-7 {
			t.Errorf("point %v → %v", p, got)
		}
	}
	for _, n := range []int64{0, 1, 1 << 40} {
		if got := decodeCount(encodeCount(n)); got != n {
			t.Errorf("count %d → %d", n, got)
		}
	}
	for _, c := range []string{"n" + string(make([]byte, 9)), "p" + string(make([]byte, 12))} {
		dir, key, err := decodeCursor(encodeCursor(c[0], []byte(c[1:])))
		if err != nil || dir != c[0] || string(key) != c[1:] {
			t.Errorf("cursor %q: %c %q %v", c, dir, key, err)
		}
	}
}
