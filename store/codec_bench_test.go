package store

import (
	"strconv"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// BenchmarkEventCodec measures a record's encoding (every write and
// import) and its decoding, copied and in place (every query).
func BenchmarkEventCodec(b *testing.B) {
	e := &geo.Event{ID: "100001", Point: orb.Point{36.123456, 35.654321}, Time: time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC),
		Tags: []string{"airstrike", "protest"}, Title: "Airstrike reported near the northern outskirts of the city",
		Place:  geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: geo.PrecisionCity},
		Source: geo.Source{URL: "https://example.org/news/" + strconv.Itoa(1), Title: "Wire"}, Confidence: 0.8,
		Created: time.Date(2026, 11, 25, 4, 0, 0, 1, time.UTC), Updated: time.Date(2026, 11, 25, 4, 0, 0, 1, time.UTC)}
	key, rec := eventKey(e.Time, e.ID), encodeEvent(nil, e)
	b.Run("encode", func(b *testing.B) {
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf = encodeEvent(buf[:0], e)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeEvent(key, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("view", func(b *testing.B) {
		var v geo.Event
		for b.Loop() {
			if err := decodeEventView(&v, key, rec, v.Tags); err != nil {
				b.Fatal(err)
			}
		}
	})
}
