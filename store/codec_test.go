package store

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// fullEvent has every field of version 1.
func fullEvent() geo.Event {
	return geo.Event{
		ID: "ev-1", Point: orb.Point{38.9981, 35.9594}, Time: time.Date(2017, 10, 11, 12, 30, 0, 123456789, time.UTC),
		Tags: []string{"talks", "evacuation"}, Title: "Talks on a civilian exit from Raqa",
		Place:   geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: geo.PrecisionCity},
		Source:  geo.Source{URL: "https://example.com/a", Title: "AFP", Published: time.Date(2017, 10, 11, 9, 0, 0, 0, time.UTC), Start: 10, End: 99},
		Excerpt: "…", Confidence: 0.875,
		Created: time.Date(2026, 11, 25, 4, 0, 0, 1, time.UTC), Updated: time.Date(2026, 11, 25, 5, 0, 0, 2, time.UTC),
	}
}

func TestEventCodec_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		e    geo.Event
	}{
		{"minimal", geo.Event{ID: "a", Point: orb.Point{0, 0}, Time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), Title: "x", Tags: []string{}}},
		{"full", fullEvent()},
		{"type, actors, why, precision", geo.Event{
			ID: "ev-2", Point: orb.Point{38.9981, 35.9594}, Time: time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeMonth,
			Type: "Violence against civilians", SubType: "Attack", Actor1: "IS", Actor2: "civilians in Raqa", Title: "x", Tags: []string{"airstrike"},
			Why: &geo.Why{Trigger: "shelled", Mention: geo.WhyMention{Start: 120, End: 124, Text: "Raqa"}, PlaceReason: "the dateline", DateReason: "\"in May\""},
		}},
		{"empty why, one actor, year", geo.Event{ID: "ev-3", Point: orb.Point{1, 2}, Time: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeYear, Actor2: "UN", Title: "x", Tags: []string{}, Why: &geo.Why{}}},
		{"day, sub-type only", geo.Event{ID: "ev-4", Point: orb.Point{1, 2}, Time: time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeDay, SubType: "Shelling", Title: "x", Tags: []string{}}},
		{"outlet", geo.Event{ID: "ev-5", Point: orb.Point{1, 2}, Time: time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC), Title: "x", Tags: []string{},
			Source: geo.Source{URL: "https://a.example/1", Outlet: "A News"}}},
		{"merged sources", geo.Event{ID: "ev-6", Point: orb.Point{1, 2}, Time: time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC), TimePrecision: geo.TimeDay, Type: "Battles", Title: "x", Tags: []string{"clash"},
			Source: geo.Source{URL: "https://a.example/1", Outlet: "A News", Start: 3, End: 40},
			Sources: []geo.Source{
				{URL: "https://a.example/1", Outlet: "A News", Start: 3, End: 40, Event: "ev-6"},
				{URL: "https://b.example/2", Title: "B", Published: time.Date(2017, 1, 2, 8, 0, 0, 0, time.UTC), Start: 0, End: 12, Event: "ev-7"},
			},
			Merge: &geo.Merge{Rule: "same-happening", Detail: "same type, same day, 3 km apart"}}},
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

// Records written before version 2 decode, with the new fields empty. The
// bytes are what version 1's encoder wrote for fullEvent.
func TestEventCodec_V1(t *testing.T) {
	rec, err := hex.DecodeString("0140437fc1bda5119d4041facd9e83e4262254616c6b73206f6e206120636976696c69616e20657869742066726f6d2052617161020574616c6b730a65766163756174696f6e9681140941722052617171616804636974791568747470733a2f2f6578616d706c652e636f6d2f610341465080809d97919cbcec2914c60103e280a63fec0000000000008280a4e19bf196eb318480e9ece1c298eb31")
	if err != nil {
		t.Fatal(err)
	}
	want := fullEvent()
	key := eventKey(want.Time, want.ID)
	got, err := decodeEvent(key, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("v1 record:\n got %+v\nwant %+v", *got, want)
	}
	var tags []string
	if err := recordTags(rec, func(t []byte) { tags = append(tags, string(t)) }); err != nil || !reflect.DeepEqual(tags, want.Tags) {
		t.Errorf("recordTags of v1 = %v, %v", tags, err)
	}
	// Written again, it is a version 3 record three bytes longer: the
	// flags, an empty outlet and no sources.
	if v3 := encodeEvent(nil, got); v3[0] != eventRecordVersion || len(v3) != len(rec)+3 {
		t.Errorf("re-encoded: version %d, %d bytes, want %d and %d", v3[0], len(v3), eventRecordVersion, len(rec)+3)
	}
	bad := encodeEvent(nil, got)
	bad[len(bad)-2] |= extraUnknown // the flags, then the empty outlet
	if _, err := decodeEvent(key, bad); err == nil {
		t.Error("a record with an unknown flag decoded")
	}
}

// Version 2 records decode, with the outlet and sources empty. The bytes
// are what version 2's encoder wrote for fullEvent with a day, a type, an
// actor and a why.
func TestEventCodec_V2(t *testing.T) {
	rec, err := hex.DecodeString("0240437fc1bda5119d4041facd9e83e4262254616c6b73206f6e206120636976696c69616e20657869742066726f6d2052617161020574616c6b730a65766163756174696f6e9681140941722052617171616804636974791568747470733a2f2f6578616d706c652e636f6d2f610341465080809d97919cbcec2914c60103e280a63fec0000000000008280a4e19bf196eb318480e9ece1c298eb313507426174746c6573024953077368656c6c6564f001f801045261716101700164")
	if err != nil {
		t.Fatal(err)
	}
	want := fullEvent()
	want.TimePrecision = geo.TimeDay
	want.Time = time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)
	want.Type, want.Actor1 = "Battles", "IS"
	want.Why = &geo.Why{Trigger: "shelled", Mention: geo.WhyMention{Start: 120, End: 124, Text: "Raqa"}, PlaceReason: "p", DateReason: "d"}
	key := eventKey(want.Time, want.ID)
	got, err := decodeEvent(key, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("v2 record:\n got %+v\nwant %+v", *got, want)
	}
	if v3 := encodeEvent(nil, got); v3[0] != eventRecordVersion || len(v3) != len(rec)+2 {
		t.Errorf("re-encoded: version %d, %d bytes, want %d and %d", v3[0], len(v3), eventRecordVersion, len(rec)+2)
	}
	if _, err := decodeEvent(key, rec[:len(rec)-1]); err == nil {
		t.Error("a cut v2 record decoded")
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
