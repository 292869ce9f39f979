package geo

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// decodeFeatureFast decodes the plain shape of an event Feature (what
// gen-events writes) without reflection, ~6x faster than encoding/json. It
// gives up (ok false) on anything else: escapes in strings, place, source
// or why objects, unknown keys, invalid UTF-8, and on any value
// DecodeEventFeature's rules refuse (a non-integer id, a point or a time
// out of range, ids that disagree). DecodeEventFeature then decodes the
// text the general way, so both paths yield the same events and the
// general one owns every error message.
func decodeFeatureFast(data []byte, parse PublishedParser) (e *Event, ok bool) {
	p := fastParser{b: data}
	e = &Event{Confidence: 1}
	var haveType, haveGeom, haveTime bool
	var propID, published string
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
			} else if n, ok := p.number(); ok && isJSONInteger(n) {
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
					if propID, ok = p.str(); !ok {
						propID, ok = p.number()
						ok = ok && isJSONInteger(propID)
					}
				case "title":
					e.Title, ok = p.str()
				case "time":
					var s string
					if s, ok = p.str(); ok {
						t, err := time.Parse(time.RFC3339Nano, s)
						t = t.UTC()
						ok = err == nil && !t.Before(MinTime) && !t.After(MaxTime)
						e.Time, haveTime = t, true
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
				case "place":
					if e.Place.Name, ok = p.str(); ok {
						e.Place.Name = strings.TrimSpace(e.Place.Name)
					} else {
						ok = p.place(&e.Place)
					}
				case "source":
					ok = p.source(&e.Source, &published)
				case "num_sources", "num_articles":
					_, ok = p.number()
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
	if p.i != len(p.b) || !haveType || !haveGeom || !haveTime || ValidatePoint(e.Point) != nil {
		return nil, false
	}
	switch {
	case propID == "":
	case e.ID == "":
		e.ID = propID
	case propID != e.ID:
		return nil, false
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if published != "" {
		t, err := readPublished(published, parse)
		if err != nil {
			return nil, false
		}
		e.Source.Published = t
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

// integer reads a JSON integer that fits an int64.
func (p *fastParser) integer() (int64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(n, 10, 64)
	return i, err == nil
}

// place reads properties.place as an object {id, name, precision}.
func (p *fastParser) place(pl *EventPlace) bool {
	if !p.objectStart() {
		return false
	}
	for first := true; ; first = false {
		key, more := p.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch key {
		case "id":
			pl.ID, ok = p.integer()
		case "name":
			if pl.Name, ok = p.str(); ok {
				pl.Name = strings.TrimSpace(pl.Name)
			}
		case "precision":
			pl.Precision, ok = p.str()
		}
		if !ok {
			return false
		}
	}
	return p.i <= len(p.b)
}

// source reads properties.source, leaving its published time as text for
// the caller's parser.
func (p *fastParser) source(s *Source, published *string) bool {
	if !p.objectStart() {
		return false
	}
	for first := true; ; first = false {
		key, more := p.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch key {
		case "url":
			s.URL, ok = p.str()
		case "title":
			s.Title, ok = p.str()
		case "published":
			*published, ok = p.str()
		case "outlet":
			s.Outlet, ok = p.str()
		case "start", "end":
			var n int64
			if n, ok = p.integer(); ok && n == int64(int(n)) {
				if key == "start" {
					s.Start = int(n)
				} else {
					s.End = int(n)
				}
			}
		}
		if !ok {
			return false
		}
	}
	return p.i <= len(p.b)
}
