package gazetteer

import (
	"encoding/binary"
	"time"

	"github.com/geonews/geonews/geo"
)

// correctionCodecVersion is the first byte of every encoded correction.
const correctionCodecVersion = 1

// encodeCorrection writes a correction as: version, action, name, country,
// place id, event id, url, from place id, created, before, after. Strings
// and Before are uvarint-length-prefixed; ids and times (Unix nanoseconds,
// 0 for none) are varints. The name key is not stored: it is worked out
// again at load, so that a change of Normalize cannot strand a rule.
func encodeCorrection(c *Correction) []byte {
	b := make([]byte, 0, 64+len(c.Name)+len(c.EventID)+len(c.URL)+len(c.Before))
	b = append(b, correctionCodecVersion)
	b = appendString(b, c.Action)
	b = appendString(b, c.Name)
	b = appendString(b, c.Country)
	b = binary.AppendVarint(b, c.PlaceID)
	b = appendString(b, c.EventID)
	b = appendString(b, c.URL)
	b = binary.AppendVarint(b, c.FromPlaceID)
	b = binary.AppendVarint(b, unixNano(c.Created))
	b = binary.AppendUvarint(b, uint64(len(c.Before)))
	b = append(b, c.Before...)
	b = binary.AppendVarint(b, unixNano(c.After))
	return b
}

// decodeCorrection reads what encodeCorrection wrote, copying out of b.
func decodeCorrection(id int64, b []byte) (*Correction, error) {
	d := decoder{b: b}
	if v := d.byte(); v != correctionCodecVersion {
		return nil, geo.Errorf(geo.EINTERNAL, "correction %d: unknown record version %d", id, v)
	}
	c := &Correction{ID: id}
	c.Action = d.string()
	c.Name = d.string()
	c.Country = d.string()
	c.PlaceID = d.varint()
	c.EventID = d.string()
	c.URL = d.string()
	c.FromPlaceID = d.varint()
	c.Created = fromUnixNano(d.varint())
	if before := d.bytes(); len(before) > 0 {
		c.Before = append([]byte(nil), before...)
	}
	c.After = fromUnixNano(d.varint())
	if d.err || len(d.b) != 0 {
		return nil, geo.Errorf(geo.EINTERNAL, "correction %d: damaged record", id)
	}
	return c, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
