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
// the record itself omits the ID and the time. Layout, version 2:
//
//	[0]      version
//	[1:9]    lon float64 BE bits   } fixed offsets: a time-index walk tests the
//	[9:17]   lat float64 BE bits   } bbox without decoding the rest
//	then     title, tags, place, source, excerpt, confidence, created, updated
//	         (strings and counts as uvarint length + bytes, times as varint
//	         Unix nanoseconds with 0 for the zero time)
//	then     one byte of flags (extra*), then the fields it says are there:
//	         type, sub-type, actor1, actor2, and why (trigger, mention start,
//	         end and text, place reason, date reason); bits 5-6 are the time
//	         precision. An event without them costs one byte more than in
//	         version 1.
//
// Version 3 adds, at offset 17, the count of Sources as a uvarint (0 for an
// event of one article), so that a merge's lookup passes over a full event
// without decoding it (recordSources); and after version 2's extra fields
// the source's outlet, then, when there are sources, each of them (the
// first included: url, title, published, start, end, outlet, event) and
// the merge's rule and detail. An event of one article without an outlet
// costs two bytes more than in version 2.
//
// Version 1 records end after updated; versions 1 and 2 decode with the
// newer fields empty.
const (
	eventRecordVersion   = 3
	eventRecordVersionV2 = 2
	eventRecordVersionV1 = 1
)

// Flags of a version 2 record's extra fields: bits 0-3 say which of type,
// sub-type, actor1 and actor2 follow, in that order.
const (
	extraWhy            byte = 1 << 4
	extraPrecisionShift      = 5 // 2 bits: an index of precisionCodes
	extraUnknown        byte = 0x80
)

// precisionCodes are the time precisions 1, 2 and 3 of a record's flags.
var precisionCodes = [...]string{"", geo.TimeDay, geo.TimeMonth, geo.TimeYear}

// knownRecord reports whether rec starts like a record this code decodes.
func knownRecord(rec []byte) bool {
	return len(rec) >= 17 && rec[0] >= eventRecordVersionV1 && rec[0] <= eventRecordVersion
}

var errCorrupt = errors.New("store: corrupt event record")

// recordBody returns the fields of a record after its fixed header (the
// version, the point and, from version 3, the count of sources) and that
// count.
func recordBody(rec []byte) (body []byte, sources int, ok bool) {
	if !knownRecord(rec) {
		return nil, 0, false
	}
	if rec[0] < eventRecordVersion {
		return rec[17:], 0, true
	}
	n, k := binary.Uvarint(rec[17:])
	if k <= 0 || n > geo.MaxSources {
		return nil, 0, false
	}
	return rec[17+k:], int(n), true
}

// encodeEvent appends the record of e to dst.
func encodeEvent(dst []byte, e *geo.Event) []byte {
	dst = append(dst, eventRecordVersion)
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(e.Point[0]))
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(e.Point[1]))
	dst = binary.AppendUvarint(dst, uint64(len(e.Sources)))
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
	dst = appendExtra(dst, e)
	return appendSources(dst, e)
}

// appendSources appends the fields of version 3.
func appendSources(dst []byte, e *geo.Event) []byte {
	dst = appendString(dst, e.Source.Outlet)
	if len(e.Sources) == 0 {
		return dst
	}
	for i := range e.Sources {
		s := &e.Sources[i]
		dst = appendString(dst, s.URL)
		dst = appendString(dst, s.Title)
		dst = appendTime(dst, s.Published)
		dst = binary.AppendVarint(dst, int64(s.Start))
		dst = binary.AppendVarint(dst, int64(s.End))
		dst = appendString(dst, s.Outlet)
		dst = appendString(dst, s.Event)
	}
	var m geo.Merge
	if e.Merge != nil {
		m = *e.Merge
	}
	dst = appendString(dst, m.Rule)
	return appendString(dst, m.Detail)
}

// appendExtra appends the flags and fields of version 2.
func appendExtra(dst []byte, e *geo.Event) []byte {
	if e.TimePrecision == "" && e.Type == "" && e.SubType == "" && e.Actor1 == "" && e.Actor2 == "" && e.Why == nil {
		return append(dst, 0) // most events
	}
	var flags byte
	for code, p := range precisionCodes {
		if e.TimePrecision == p {
			flags = byte(code) << extraPrecisionShift
		}
	}
	texts := [...]string{e.Type, e.SubType, e.Actor1, e.Actor2} // in the order of the flags
	for i, s := range texts {
		if s != "" {
			flags |= 1 << i
		}
	}
	if e.Why != nil {
		flags |= extraWhy
	}
	dst = append(dst, flags)
	for _, s := range texts {
		if s != "" {
			dst = appendString(dst, s)
		}
	}
	if w := e.Why; w != nil {
		dst = appendString(dst, w.Trigger)
		dst = binary.AppendVarint(dst, int64(w.Mention.Start))
		dst = binary.AppendVarint(dst, int64(w.Mention.End))
		dst = appendString(dst, w.Mention.Text)
		dst = appendString(dst, w.PlaceReason)
		dst = appendString(dst, w.DateReason)
	}
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
