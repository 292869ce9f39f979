package geo

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The event ID rule, one for every store and the geoparser: an ID is
// derived from what the event says, so that reading the same article again,
// through any node and into any backend, yields the same IDs, and stores
// skip them (CreateEvents). A geoparsed event is named by its happening
// (HappeningID); an event entered without an ID by its content (NewEventID).

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewEventID returns the ID an event without one gets: a hash of what the
// event says (source, sentence, time, place, point, title).
func NewEventID(e *Event) string {
	h := sha256.New()
	var buf []byte
	buf = append(buf, e.Source.URL...)
	buf = append(buf, 0)
	buf = strconv.AppendInt(buf, int64(e.Source.Start), 10)
	buf = append(buf, 0)
	buf = strconv.AppendInt(buf, int64(e.Source.End), 10)
	buf = append(buf, 0)
	// The time as a sortable key: nanoseconds with the sign bit flipped.
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.Time.UnixNano())^1<<63)
	buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(e.Point[0]))
	buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(e.Point[1]))
	buf = strconv.AppendInt(buf, e.Place.ID, 10)
	buf = append(buf, 0)
	buf = append(buf, e.Place.Name...)
	buf = append(buf, 0)
	buf = append(buf, e.Title...)
	h.Write(buf)
	return idEncoding.EncodeToString(h.Sum(nil)[:10])
}

// HappeningID returns a geoparsed event's ID: it names the happening
// (source article, type, gazetteer place, day, time precision), not the
// sentence, so that one happening told twice in an article has one ID.
func HappeningID(source, typ string, place int64, t time.Time, prec string) string {
	h := sha256.New()
	h.Write([]byte(source))
	fmt.Fprintf(h, "\x00%s\x00%d\x00%s\x00%s", typ, place, t.Format("2006-01-02"), prec)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
