package store

import (
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// Keys of every event bucket end with the event key: an 8-byte time key and
// the event ID. Big-endian with the sign bit flipped, the time key sorts as
// bytes in time order, before and after 1970 alike, so a cursor walking any
// bucket backwards yields newest first, ties broken by ID.
const timeKeyLen = 8

// Times the store accepts: the range of int64 Unix nanoseconds, with
// margin (geo.MinTime, geo.MaxTime); maxEventTime is the first refused.
var (
	minEventTime = geo.MinTime
	maxEventTime = geo.MaxTime.Add(time.Nanosecond)
)

func timeKey(t time.Time) uint64 { return uint64(t.UnixNano()) ^ 1<<63 }

func appendTimeKey(dst []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(dst, timeKey(t))
}

// eventKey returns the key of an event: time key + ID.
func eventKey(t time.Time, id string) []byte {
	return append(appendTimeKey(make([]byte, 0, timeKeyLen+len(id)), t), id...)
}

// splitEventKey returns the time and ID of an event key.
func splitEventKey(k []byte) (time.Time, string, error) {
	if len(k) <= timeKeyLen {
		return time.Time{}, "", errCorrupt
	}
	ns := int64(binary.BigEndian.Uint64(k) ^ 1<<63)
	return time.Unix(0, ns).UTC(), string(k[timeKeyLen:]), nil
}

// Index values hold the event's point as two int32 of 1e-7 degrees (1 cm),
// 8 bytes instead of 16. The rounding is why bbox tests on index values
// have a third answer, "too close to the edge to tell", that falls back to
// the exact point in the record.
const e7 = 1e7

func encodePointE7(dst []byte, p orb.Point) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(math.Round(p[0]*e7))))
	return binary.BigEndian.AppendUint32(dst, uint32(int32(math.Round(p[1]*e7))))
}

func decodePointE7(v []byte) (orb.Point, bool) {
	if len(v) != 8 {
		return orb.Point{}, false
	}
	return orb.Point{
		float64(int32(binary.BigEndian.Uint32(v[:4]))) / e7,
		float64(int32(binary.BigEndian.Uint32(v[4:]))) / e7,
	}, true
}

// cellPrefix is the key prefix of one cell in the cell index: level byte +
// cell ID big-endian.
func cellPrefix(dst []byte, c geo.Cell) []byte {
	dst = append(dst, byte(c.Level))
	return binary.BigEndian.AppendUint32(dst, c.ID)
}

const cellPrefixLen = 5

// tagPrefix is the key prefix of one tag in the tag index: the tag and a NUL
// byte (tags cannot contain NUL, geo.Event.Validate rejects it), so that no
// tag's keys interleave with those of a tag it is a prefix of.
func tagPrefix(dst []byte, tag string) []byte {
	dst = append(dst, tag...)
	return append(dst, 0)
}

// Statistics keys in the stats bucket; values are uint64 big-endian unless
// said otherwise.
const (
	statTotal  = "n" // number of events
	statExtent = "x" // bounds of every point ever stored: 4 float64
	statCell   = 'c' // 'c' + level + cell ID: events in that cell
	statTag    = 't' // 't' + tag: events with that tag
	// Tag-set histograms, for clusters with a tag filter (see
	// setLevels): 'h' + level + cell ID → (uvarint set ID, uvarint
	// count)... by set ID, the events in the cell per set of tags. The
	// sets are numbered by 's' + set → set ID (uint32) and 'S' + set ID →
	// set, where a set is its tags, sorted, NUL-separated; "N" holds the
	// next ID; "H" marks a store whose histograms cover every event (one
	// created empty since they exist).
	statSetCell = 'h'
	statSetID   = 's'
	statSetName = 'S'
	statSetNext = "N"
	statSetsAll = "H"
)

// setLevels are the levels of the tag-set histograms. Coarse ones only: a
// cell holds at most one entry per distinct set, which saturates there
// (1-3 tags of 12 make 298 sets), so reading them costs about the same at
// 1M and 10M events; finer views walk the index, whose cost then is small.
var setLevels = []int{2, 4, 6, 8}

func setCellKey(c geo.Cell) []byte { return cellPrefix([]byte{statSetCell}, c) }

// appendTagSet appends the set of tags: sorted, NUL-separated. tags must be
// distinct (geo.Event.Validate makes them so) and short; it sorts a copy.
func appendTagSet(dst []byte, tags []string) []byte {
	var buf [8]string
	sorted := append(buf[:0], tags...)
	slices.Sort(sorted)
	for i, t := range sorted {
		if i > 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, t...)
	}
	return dst
}

// histogram is a decoded tag-set histogram: counts by set ID.
type histogram map[uint32]int64

func decodeHistogram(v []byte, h histogram) error {
	return eachHistogram(v, func(id uint32, n int64) { h[id] += n })
}

// eachHistogram calls fn with each set ID and count of an encoded histogram.
func eachHistogram(v []byte, fn func(id uint32, n int64)) error {
	for len(v) > 0 {
		id, k := binary.Uvarint(v)
		if k <= 0 {
			return errCorrupt
		}
		n, j := binary.Uvarint(v[k:])
		if j <= 0 {
			return errCorrupt
		}
		fn(uint32(id), int64(n))
		v = v[k+j:]
	}
	return nil
}

func encodeHistogram(h histogram) []byte {
	ids := make([]uint32, 0, len(h))
	for id, n := range h {
		if n > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var v []byte
	for _, id := range ids {
		v = binary.AppendUvarint(v, uint64(id))
		v = binary.AppendUvarint(v, uint64(h[id]))
	}
	return v
}

func cellStatKey(c geo.Cell) []byte { return cellPrefix([]byte{statCell}, c) }

func tagStatKey(tag string) []byte { return append([]byte{statTag}, tag...) }

func decodeCount(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func encodeCount(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func encodeExtent(b orb.Bound) []byte {
	var v []byte
	for _, f := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		v = binary.BigEndian.AppendUint64(v, math.Float64bits(f))
	}
	return v
}

func decodeExtent(v []byte) (orb.Bound, bool) {
	if len(v) != 32 {
		return orb.Bound{}, false
	}
	f := func(i int) float64 { return math.Float64frombits(binary.BigEndian.Uint64(v[8*i:])) }
	return orb.Bound{Min: orb.Point{f(0), f(1)}, Max: orb.Point{f(2), f(3)}}, true
}
