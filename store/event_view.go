package store

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"

	"github.com/geonews/geonews/geo"
)

// decodeEventView decodes a record (the layout of event_codec.go, versions 1 to 3)
// without copying: e's strings point into key and rec, so e is valid only
// while they are (inside the transaction they come from), and tags is
// reused for e.Tags. The items endpoint encodes each event at once
// (AppendEventFeatures), so a page of 1000 costs no allocation per event;
// decodeEventInto gives it a copy to point into.
func decodeEventView(e *geo.Event, key, rec []byte, tags []string) error {
	body, nSources, ok := recordBody(rec)
	if len(key) <= timeKeyLen || !ok {
		return errCorrupt
	}
	r := viewReader{b: body}
	*e = geo.Event{
		ID:    view(key[timeKeyLen:]),
		Time:  time.Unix(0, int64(binary.BigEndian.Uint64(key)^1<<63)).UTC(),
		Point: recordPoint(rec),
	}
	e.Title = r.string()
	n := r.uvarint()
	if n > geo.MaxTags {
		return errCorrupt
	}
	e.Tags = tags[:0]
	for range n {
		e.Tags = append(e.Tags, r.string())
	}
	e.Place.ID = r.varint()
	e.Place.Name = r.string()
	e.Place.Precision = r.string()
	e.Source.URL = r.string()
	e.Source.Title = r.string()
	e.Source.Published = r.time()
	e.Source.Start = int(r.varint())
	e.Source.End = int(r.varint())
	e.Excerpt = r.string()
	e.Confidence = math.Float64frombits(r.uint64())
	e.Created = r.time()
	e.Updated = r.time()
	if rec[0] >= eventRecordVersionV2 {
		if flags := r.byte(); flags != 0 { // most events: none, and no call
			r.extra(e, flags)
		}
	}
	if rec[0] >= eventRecordVersion {
		e.Source.Outlet = r.string()
		if nSources != 0 { // most events: one article
			r.sources(e, nSources)
		}
	}
	if r.err {
		return errCorrupt
	}
	return nil
}

// extra reads the fields of version 2 that flags say are there into e. A
// why is the one allocation of a view; geoparsed events have one, others not.
func (r *viewReader) extra(e *geo.Event, flags byte) {
	if flags&extraUnknown != 0 {
		r.err = true
		return
	}
	e.TimePrecision = precisionCodes[flags>>extraPrecisionShift&3]
	for i, s := range [...]*string{&e.Type, &e.SubType, &e.Actor1, &e.Actor2} { // appendExtra's order
		if flags&(1<<i) != 0 {
			*s = r.string()
		}
	}
	if flags&extraWhy != 0 {
		w := &geo.Why{Trigger: r.string()}
		w.Mention.Start = int(r.varint())
		w.Mention.End = int(r.varint())
		w.Mention.Text = r.string()
		w.PlaceReason = r.string()
		w.DateReason = r.string()
		e.Why = w
	}
}

// sources reads the n sources and the merge of a version 3 record into e.
func (r *viewReader) sources(e *geo.Event, n int) {
	e.Sources = make([]geo.Source, n)
	for i := range e.Sources {
		s := &e.Sources[i]
		s.URL = r.string()
		s.Title = r.string()
		s.Published = r.time()
		s.Start = int(r.varint())
		s.End = int(r.varint())
		s.Outlet = r.string()
		s.Event = r.string()
	}
	e.Merge = &geo.Merge{Rule: r.string(), Detail: r.string()}
}

// view returns b as a string without copying; b must not change while
// the string is in use (bbolt's pages do not, within a transaction).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// viewReader reads a record's variable part in place; the first failure
// sticks in err.
type viewReader struct {
	b   []byte
	err bool
}

func (r *viewReader) uvarint() uint64 {
	if len(r.b) > 0 && r.b[0] < 0x80 { // most lengths and counts
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *viewReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *viewReader) byte() byte {
	if len(r.b) == 0 {
		r.err = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *viewReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.err, r.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *viewReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return ""
	}
	s := view(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *viewReader) time() time.Time {
	ns := r.varint()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
