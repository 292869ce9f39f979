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

// decodeEventInto is decodeEvent into e. Its strings share one copy of the
// record, one allocation instead of one per field.
func decodeEventInto(e *geo.Event, key, rec []byte) error {
	t, id, err := splitEventKey(key)
	if err != nil {
		return err
	}
	if len(rec) < 17 || rec[0] != eventRecordVersion {
		return errCorrupt
	}
	d := decoder{s: string(rec[17:])}
	*e = geo.Event{ID: id, Time: t, Point: recordPoint(rec)}
	e.Title = d.string()
	if n := d.uvarint(); n > 0 && n <= geo.MaxTags {
		e.Tags = make([]string, n)
		for i := range e.Tags {
			e.Tags[i] = d.string()
		}
	} else if n > geo.MaxTags {
		return errCorrupt
	} else {
		e.Tags = []string{}
	}
	e.Place.ID = d.varint()
	e.Place.Name = d.string()
	e.Place.Precision = d.string()
	e.Source.URL = d.string()
	e.Source.Title = d.string()
	e.Source.Published = d.time()
	e.Source.Start = int(d.varint())
	e.Source.End = int(d.varint())
	e.Excerpt = d.string()
	e.Confidence = math.Float64frombits(d.uint64())
	e.Created = d.time()
	e.Updated = d.time()
	if d.err {
		return errCorrupt
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

// decoder reads a record's variable part from a string copy of it; the
// first failure sticks in err so that callers check once at the end.
type decoder struct {
	s   string
	err bool
}

func (d *decoder) fail() { d.err, d.s = true, "" }

func (d *decoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		b := d.s[i]
		v |= uint64(b&0x7F) << (7 * i)
		if b < 0x80 {
			d.s = d.s[i+1:]
			return v
		}
	}
	d.fail()
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.s) < 8 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint64([]byte(d.s[:8]))
	d.s = d.s[8:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail()
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) time() time.Time {
	ns := d.varint()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
