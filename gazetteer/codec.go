package gazetteer

import (
	"encoding/binary"
	"math"

	"github.com/geonews/geonews/geo"
)

// placeCodecVersion is the first byte of every encoded place.
const placeCodecVersion = 1

// encodePlace writes a place as: version, name, ascii name, alternate names,
// lon, lat, feature class, feature code, country, admin1, population, source.
// Strings are uvarint-length-prefixed; the point is two float64s.
func encodePlace(p *geo.Place) []byte {
	n := 32 + len(p.Name) + len(p.ASCIIName) + len(p.FeatureClass) + len(p.FeatureCode) +
		len(p.Country) + len(p.Admin1) + len(p.Source)
	for _, a := range p.AlternateNames {
		n += len(a) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, placeCodecVersion)
	b = appendString(b, p.Name)
	b = appendString(b, p.ASCIIName)
	b = binary.AppendUvarint(b, uint64(len(p.AlternateNames)))
	for _, a := range p.AlternateNames {
		b = appendString(b, a)
	}
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.Point[0]))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.Point[1]))
	b = appendString(b, p.FeatureClass)
	b = appendString(b, p.FeatureCode)
	b = appendString(b, p.Country)
	b = appendString(b, p.Admin1)
	b = binary.AppendVarint(b, p.Population)
	b = appendString(b, p.Source)
	return b
}

// decodePlace reads what encodePlace wrote, copying every string out of b
// (b may be bbolt memory that dies with its transaction).
func decodePlace(id int64, b []byte) (*geo.Place, error) { return decodePlaceAlts(id, b, true) }

// decodePlaceAlts is decodePlace that leaves AlternateNames nil unless alts:
// a place's alternate names are most of its record and a ranking caller
// never reads them.
func decodePlaceAlts(id int64, b []byte, alts bool) (*geo.Place, error) {
	d := decoder{b: b}
	if v := d.byte(); v != placeCodecVersion {
		return nil, geo.Errorf(geo.EINTERNAL, "place %d: unknown record version %d", id, v)
	}
	p := &geo.Place{ID: id}
	p.Name = d.string()
	p.ASCIIName = d.string()
	if n := d.uvarint(); n > 0 && n <= uint64(len(b)) {
		if alts {
			p.AlternateNames = make([]string, n)
		}
		for i := 0; i < int(n); i++ {
			if alts {
				p.AlternateNames[i] = d.string()
			} else {
				d.bytes()
			}
		}
	}
	p.Point[0] = math.Float64frombits(d.uint64())
	p.Point[1] = math.Float64frombits(d.uint64())
	p.FeatureClass = d.string()
	p.FeatureCode = d.string()
	p.Country = d.string()
	p.Admin1 = d.string()
	p.Population = d.varint()
	p.Source = d.string()
	if d.err {
		return nil, geo.Errorf(geo.EINTERNAL, "place %d: truncated record", id)
	}
	return p, nil
}

// entry is one row of the name index: a key that names a place, with enough
// of the place to rank it without decoding the whole record.
type entry struct {
	ID         int64
	Form       string // the stored name that produced the key
	FormKind   byte   // formName, formASCII or formAlternate
	Lon, Lat   float32
	Population int64
	Class      string
	Code       string
	Country    string
	Admin1     string
}

// Which of a place's names produced an index key; lower is better.
const (
	formName byte = iota
	formASCII
	formAlternate
)

func encodeEntry(e *entry) []byte { return appendEntry(nil, e) }

// appendEntry writes an entry as: form kind, then the fields of the place
// (appendEntryPlace), then the form.
func appendEntry(b []byte, e *entry) []byte {
	b = append(b, e.FormKind)
	b = appendEntryPlace(b, e)
	return appendString(b, e.Form)
}

// appendEntryPlace writes the part of an entry that every entry of one place
// shares: lon, lat, population, feature class and code, country, admin1.
func appendEntryPlace(b []byte, e *entry) []byte {
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(e.Lon))
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(e.Lat))
	b = binary.AppendVarint(b, e.Population)
	b = appendString(b, e.Class)
	b = appendString(b, e.Code)
	b = appendString(b, e.Country)
	return appendString(b, e.Admin1)
}

// entryView is an index entry whose text fields point into b (bbolt memory,
// valid for the transaction): ranking candidates allocates nothing.
type entryView struct {
	ID                                 int64
	FormKind                           byte
	Lon, Lat                           float32
	Population                         int64
	Class, Code, Country, Admin1, Form []byte
}

func viewEntry(id int64, b []byte) (entryView, bool) {
	d := decoder{b: b}
	v := entryView{ID: id}
	v.FormKind = d.byte()
	v.Lon = math.Float32frombits(d.uint32())
	v.Lat = math.Float32frombits(d.uint32())
	v.Population = d.varint()
	v.Class = d.bytes()
	v.Code = d.bytes()
	v.Country = d.bytes()
	v.Admin1 = d.bytes()
	v.Form = d.bytes()
	return v, !d.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// itob encodes an id as 8 big-endian bytes so that keys sort by id.
func itob(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func btoi(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

// decoder reads the fields appendString and binary.Append* wrote; it records
// a truncation instead of panicking, so a damaged record is an error.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uint32() uint32 {
	if len(d.b) < 4 {
		d.err = true
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err = true
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
