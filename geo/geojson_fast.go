package geo

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// decodeFeatureFast decodes the plain shape of an event Feature (what
// AppendFeature and gen-events write) without reflection, ~6x faster than
// encoding/json. It gives up (ok false) on anything else: escapes in strings,
// place, source or why objects, unknown keys, invalid UTF-8. DecodeFeature then
// decodes the text the slow way, so both paths yield the same events and
// the slow one owns every error message.
func decodeFeatureFast(data []byte) (e *Event, ok bool) {
	p := fastParser{b: data}
	e = &Event{Confidence: 1}
	var haveType, haveGeom, haveTime bool
	if !p.objectStart() {
		return nil, false
	}
	for first := true; ; first = false {
		key, more := p.nextKey(first)
		if !more {
			break
		}
		switch key {
		case "type":
			if s, ok := p.str(); !ok || s != "Feature" {
				return nil, false
			}
			haveType = true
		case "id":
			if s, ok := p.str(); ok {
				e.ID = s
			} else if n, ok := p.number(); ok {
				e.ID = n
			} else {
				return nil, false
			}
		case "geometry":
			if !p.point(e) {
				return nil, false
			}
			haveGeom = true
		case "properties":
			if !p.objectStart() {
				return nil, false
			}
			for first := true; ; first = false {
				key, more := p.nextKey(first)
				if !more {
					break
				}
				var ok bool
				switch key {
				case "id":
					if _, ok = p.str(); !ok {
						_, ok = p.number()
					}
				case "title":
					e.Title, ok = p.str()
				case "time":
					var s string
					if s, ok = p.str(); ok {
						t, err := time.Parse(time.RFC3339Nano, s)
						ok = err == nil
						e.Time, haveTime = t.UTC(), true
					}
				case "tags":
					e.Tags, ok = p.strings()
				case "excerpt":
					e.Excerpt, ok = p.str()
				case "time_precision":
					e.TimePrecision, ok = p.str()
				case "type":
					e.Type, ok = p.str()
				case "sub_type":
					e.SubType, ok = p.str()
				case "actor1":
					e.Actor1, ok = p.str()
				case "actor2":
					e.Actor2, ok = p.str()
				case "why":
					ok = p.null() // an object takes the slow path
				case "confidence":
					var n string
					if n, ok = p.number(); ok {
						e.Confidence, ok = parseFloat(n)
					}
				}
				if !ok {
					return nil, false
				}
			}
		default:
			return nil, false
		}
	}
	p.space()
	if p.i != len(p.b) || !haveType || !haveGeom || !haveTime {
		return nil, false
	}
	return e, true
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// fastParser reads the JSON subset decodeFeatureFast accepts; every method
// reports failure instead of erring, and the caller falls back.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *fastParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) objectStart() bool { return p.byte('{') }

// nextKey reads `"key":` after '{' (first) or ','; more is false at '}'.
func (p *fastParser) nextKey(first bool) (key string, more bool) {
	if p.byte('}') {
		return "", false
	}
	if !first && !p.byte(',') {
		p.i = len(p.b) + 1 // poison: the final length check fails
		return "", false
	}
	k, ok := p.str()
	if !ok || !p.byte(':') {
		p.i = len(p.b) + 1
		return "", false
	}
	return k, true
}

// str reads a string without escapes or control characters.
func (p *fastParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start, ascii := p.i, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return "", false
}

// null reads the literal null.
func (p *fastParser) null() bool {
	p.space()
	if p.i+4 <= len(p.b) && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// number reads a JSON number and returns its text.
func (p *fastParser) number() (string, bool) {
	p.space()
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", false
	}
	s := string(p.b[start:p.i])
	if !isJSONNumber(s) {
		return "", false
	}
	return s, true
}

// isJSONNumber reports whether s has the syntax of a JSON number, which is
// stricter than strconv's (no "+1", "01", "1." or ".5").
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	if n := digits(); n == 0 || n > 1 && s[start] == '0' {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

func (p *fastParser) strings() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	out := []string{}
	if p.byte(']') {
		return out, true
	}
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if p.byte(']') {
			return out, true
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

// point reads {"type":"Point","coordinates":[lon,lat]} in either key order.
func (p *fastParser) point(e *Event) bool {
	if !p.objectStart() {
		return false
	}
	var isPoint, haveCoords bool
	for first := true; ; first = false {
		key, more := p.nextKey(first)
		if !more {
			break
		}
		switch key {
		case "type":
			s, ok := p.str()
			if !ok || s != "Point" {
				return false
			}
			isPoint = true
		case "coordinates":
			if !p.byte('[') {
				return false
			}
			var c [2]float64
			for j := range c {
				if j > 0 && !p.byte(',') {
					return false
				}
				n, ok := p.number()
				if !ok {
					return false
				}
				if c[j], ok = parseFloat(n); !ok {
					return false
				}
			}
			if !p.byte(']') {
				return false // a third coordinate: let encoding/json decide
			}
			e.Point, haveCoords = orb.Point{c[0], c[1]}, true
		default:
			return false
		}
	}
	return isPoint && haveCoords && p.i <= len(p.b)
}
