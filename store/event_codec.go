package store

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// Event records live in the events bucket under their key (timeKey + id), so
// the record itself omits the ID and the time. Layout, version 1:
//
//	[0]      version
//	[1:9]    lon float64 BE bits   } fixed offsets: a time-index walk tests the
//	[9:17]   lat float64 BE bits   } bbox without decoding the rest
//	then     title, tags, place, source, excerpt, confidence, created, updated
//	         (strings and counts as uvarint length + bytes, times as varint
//	         Unix nanoseconds with 0 for the zero time)
const eventRecordVersion = 1

var errCorrupt = errors.New("store: corrupt event record")

// encodeEvent appends the record of e to dst.
func encodeEvent(dst []byte, e *geo.Event) []byte {
	dst = append(dst, eventRecordVersion)
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(e.Point[0]))
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(e.Point[1]))
	dst = appendString(dst, e.Title)
	dst = binary.AppendUvarint(dst, uint64(len(e.Tags)))
	for _, t := range e.Tags {
		dst = appendString(dst, t)
	}
	dst = binary.AppendVarint(dst, e.Place.ID)
	dst = appendString(dst, e.Place.Name)
	dst = appendString(dst, e.Place.Precision)
	dst = appendString(dst, e.Source.URL)
	dst = appendString(dst, e.Source.Title)
	dst = appendTime(dst, e.Source.Published)
	dst = binary.AppendVarint(dst, int64(e.Source.Start))
	dst = binary.AppendVarint(dst, int64(e.Source.End))
	dst = appendString(dst, e.Excerpt)
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(e.Confidence))
	dst = appendTime(dst, e.Created)
	dst = appendTime(dst, e.Updated)
	return dst
}

// decodeEvent decodes a record stored under key. It copies the bytes it
// keeps, so the event outlives the transaction the record came from.
func decodeEvent(key, rec []byte) (*geo.Event, error) {
	e := new(geo.Event)
	return e, decodeEventInto(e, key, rec)
}

// decodeEventInto is decodeEvent into e: decodeEventView over one copy of
// the key and the record, which the event's strings share (one allocation
// instead of one per field).
func decodeEventInto(e *geo.Event, key, rec []byte) error {
	own := make([]byte, len(key)+len(rec))
	copy(own, key)
	copy(own[len(key):], rec)
	if err := decodeEventView(e, own[:len(key)], own[len(key):], nil); err != nil {
		return err
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	return nil
}

// recordPoint reads the point of a record without decoding the rest.
func recordPoint(rec []byte) orb.Point {
	return orb.Point{
		math.Float64frombits(binary.BigEndian.Uint64(rec[1:9])),
		math.Float64frombits(binary.BigEndian.Uint64(rec[9:17])),
	}
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(dst, 0)
	}
	return binary.AppendVarint(dst, t.UnixNano())
}
