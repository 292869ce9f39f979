package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// DecodeEventFeature reads one GeoJSON Feature into an Event by the rules
// every writer of events shares: POST and PUT /collections/events/items
// and `geonews events import` call it, so that a feature one accepts the
// other accepts, and one refuses with the same message.
//
//   - The Feature is a JSON object of valid UTF-8 with "type":"Feature";
//     other top-level members (bbox, links…) are GeoJSON foreign members
//     and are ignored.
//   - id is a string or an integer. properties.id, which GIS tools and
//     gen-events write, is the id of a feature without one and must equal
//     the id of a feature with one.
//   - geometry is a Point [lon, lat] (a third coordinate, the altitude, is
//     dropped) inside -180..180 and -90..90, or null when properties.place
//     names a place or gives its id (located false: the caller locates it
//     in a gazetteer, or refuses).
//   - properties are those AppendFeature writes, each of its JSON type; an
//     unknown property, also inside place, source or why, is an error that
//     names it. num_sources, num_articles, sources and merge, which the
//     store manages, are read and ignored so that what a GET returns can
//     be PUT back.
//   - properties.time is RFC 3339, or a date (midnight UTC), in the years
//     1700 to 2199; properties.source.published is read with published
//     (nil: RFC 3339 only).
//   - properties.place is a name or an object {id, name, precision}.
//   - A missing confidence is 1 (the writer vouched for it); missing tags
//     are none.
//
// Errors are EINVALID and name the member as the GeoJSON has it
// ("properties.title: expected a string, got a number"). The event is not
// validated: call Validate (or ValidateEvent) before storing it. The plain
// shape gen-events and bulk exports write is read by a hand-written parser
// (decodeFeatureFast) that gives up, to the general path below, on anything
// it does not know to be valid by these same rules.
func DecodeEventFeature(data []byte, published PublishedParser) (e *Event, located bool, err error) {
	if e, ok := decodeFeatureFast(data, published); ok {
		return e, true, nil
	}
	// encoding/json would turn invalid bytes into U+FFFD and store them.
	if !utf8.Valid(data) {
		return nil, false, Errorf(EINVALID, "feature is not valid UTF-8")
	}
	var f struct {
		Type       *string         `json:"type"`
		ID         json.RawMessage `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := DecodeJSON(data, &f, false, "feature"); err != nil {
		return nil, false, err
	}
	switch {
	case f.Type == nil:
		return nil, false, Errorf(EINVALID, "type is missing; want Feature")
	case *f.Type != "Feature":
		return nil, false, Errorf(EINVALID, "type is %q; want Feature", *f.Type)
	}
	id, err := ParseFeatureID(f.ID, "id")
	if err != nil {
		return nil, false, err
	}
	pt, located, err := ParsePoint(f.Geometry)
	if err != nil {
		return nil, false, err
	}
	if isNullJSON(f.Properties) {
		return nil, false, Errorf(EINVALID, "properties is missing: an event needs a title and a time")
	}
	var p eventProperties
	if err := DecodeJSON(f.Properties, &p, true, "properties"); err != nil {
		return nil, false, err
	}
	if e, err = p.event(published); err != nil {
		return nil, false, err
	}
	e.Point = pt
	pid, err := ParseFeatureID(p.ID, "properties.id")
	switch {
	case err != nil:
		return nil, false, err
	case id == "":
		id = pid
	case pid != "" && pid != id:
		return nil, false, Errorf(EINVALID, "properties.id %q differs from the feature id %q", pid, id)
	}
	e.ID = id
	if p.Time == "" {
		return nil, false, Errorf(EINVALID, "properties.time is missing (RFC 3339, e.g. 2017-10-11T12:00:00Z)")
	}
	if e.Time, err = parseTimestamp(p.Time, "properties.time"); err != nil {
		return nil, false, err
	}
	if !isNullJSON(p.Place) {
		var name string
		if json.Unmarshal(p.Place, &name) == nil {
			e.Place.Name = strings.TrimSpace(name)
		} else {
			var ref struct {
				ID        *int64 `json:"id"`
				Name      string `json:"name"`
				Precision string `json:"precision"`
			}
			if err := DecodeJSON(p.Place, &ref, true, "properties.place"); err != nil {
				return nil, false, err
			}
			e.Place = EventPlace{Name: strings.TrimSpace(ref.Name), Precision: ref.Precision}
			if ref.ID != nil {
				e.Place.ID = *ref.ID
			}
		}
	}
	if !located && e.Place.Name == "" && e.Place.ID == 0 {
		return nil, false, Errorf(EINVALID, "an event needs a Point geometry, or a null geometry and properties.place naming a place in the gazetteer")
	}
	return e, located, nil
}

// DecodeFeature reads one GeoJSON Feature with a Point geometry into an
// Event by DecodeEventFeature's rules, with properties.source.published in
// RFC 3339 (DecodeFeatureWith takes other forms). The event is not
// validated: call Validate before storing it.
func DecodeFeature(data []byte) (*Event, error) {
	return DecodeFeatureWith(data, nil)
}

// PublishedParser reads a publication time in the forms a caller accepts
// (geoparse.ParsePublished: any common form), and errs on anything else.
type PublishedParser func(s string) (time.Time, error)

// DecodeFeatureWith is DecodeFeature reading properties.source.published
// with published; nil reads RFC 3339 only. A feature without a Point (one
// that only names its place) is an error: there is no gazetteer here to
// locate it.
func DecodeFeatureWith(data []byte, published PublishedParser) (*Event, error) {
	e, located, err := DecodeEventFeature(data, published)
	if err != nil {
		return nil, err
	}
	if !located {
		return nil, Errorf(EINVALID, "geometry is null: an imported event needs a Point geometry (only POST /collections/events/items locates an event by properties.place)")
	}
	return e, nil
}

// eventProperties are the properties of an event Feature as they are read:
// what AppendFeature writes, with the place and properties.id left raw and
// the times as text.
type eventProperties struct {
	ID            json.RawMessage   `json:"id"`
	Title         string            `json:"title"`
	Time          string            `json:"time"`
	TimePrecision string            `json:"time_precision"`
	Type          string            `json:"type"`
	SubType       string            `json:"sub_type"`
	Tags          []string          `json:"tags"`
	Actor1        string            `json:"actor1"`
	Actor2        string            `json:"actor2"`
	Place         json.RawMessage   `json:"place"`
	Source        *sourceProperties `json:"source"`
	Excerpt       string            `json:"excerpt"`
	Confidence    *float64          `json:"confidence"`
	Why           *Why              `json:"why"`
	// What the store manages (merged sources and their counts) is read
	// and ignored, so that what a GET returns can be PUT back unchanged.
	NumSources  json.RawMessage `json:"num_sources"`
	NumArticles json.RawMessage `json:"num_articles"`
	Sources     json.RawMessage `json:"sources"`
	Merge       json.RawMessage `json:"merge"`
}

// sourceProperties is properties.source as read: its published time may
// be in any form the caller's PublishedParser reads.
type sourceProperties struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Published string `json:"published"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Outlet    string `json:"outlet"`
}

// event returns an event with every property but id, time and place.
func (p *eventProperties) event(published PublishedParser) (*Event, error) {
	e := &Event{
		TimePrecision: p.TimePrecision,
		Type:          p.Type,
		SubType:       p.SubType,
		Tags:          p.Tags,
		Actor1:        p.Actor1,
		Actor2:        p.Actor2,
		Title:         p.Title,
		Excerpt:       p.Excerpt,
		Why:           p.Why,
		Confidence:    1,
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if p.Confidence != nil {
		e.Confidence = *p.Confidence
	}
	if s := p.Source; s != nil {
		e.Source = Source{URL: s.URL, Title: s.Title, Start: s.Start, End: s.End, Outlet: s.Outlet}
		if s.Published != "" {
			t, err := readPublished(s.Published, published)
			if err != nil {
				return nil, err
			}
			e.Source.Published = t
		}
	}
	return e, nil
}

// ParseFeatureID reads a feature id (of an event or a place), a JSON
// string or an integer, as a string; "" if absent or null. what names the
// member in the error.
func ParseFeatureID(raw json.RawMessage, what string) (string, error) {
	if isNullJSON(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := n.Int64(); err == nil {
			return n.String(), nil
		}
	}
	return "", Errorf(EINVALID, "%s must be a string or an integer", what)
}

// readPoint reads a GeoJSON Point geometry; ok is false for a null geometry.
func ParsePoint(raw json.RawMessage) (p orb.Point, ok bool, err error) {
	if isNullJSON(raw) {
		return p, false, nil
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := DecodeJSON(raw, &g, false, "geometry"); err != nil {
		return p, false, err
	}
	if g.Type != "Point" {
		return p, false, Errorf(EINVALID, "geometry.type %q is not supported; events and places are Points", g.Type)
	}
	var c []float64
	if isNullJSON(g.Coordinates) {
		return p, false, Errorf(EINVALID, "geometry.coordinates is missing: a Point has 2 coordinates [lon, lat]")
	}
	if err := DecodeJSON(g.Coordinates, &c, false, "geometry.coordinates"); err != nil {
		return p, false, err
	}
	if n := len(c); n != 2 && n != 3 {
		return p, false, Errorf(EINVALID, "geometry.coordinates: a Point has 2 coordinates [lon, lat], got %d", n)
	}
	p = orb.Point{c[0], c[1]}
	if err := ValidatePoint(p); err != nil {
		return p, false, Errorf(EINVALID, "geometry.coordinates: %s", ErrorMessage(err))
	}
	return p, true, nil
}

// parseTimestamp reads an RFC 3339 timestamp (or a bare date, taken as
// midnight UTC) into UTC, within the years events may have: the zero time
// (0001-01-01) would otherwise read as "no time" and be dropped. what
// names the value in the error.
func parseTimestamp(s, what string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err == nil {
		t = t.UTC()
		if t.Before(MinTime) || t.After(MaxTime) {
			return time.Time{}, Errorf(EINVALID, "%s %s is outside the years 1700 to 2199", what, s)
		}
		return t, nil
	}
	return time.Time{}, Errorf(EINVALID, "%s %q is not RFC 3339 (e.g. 2017-10-11T12:00:00Z)", what, s)
}

// isNullJSON reports whether a raw JSON member is absent or null.
func isNullJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// DecodeJSON unmarshals data, one JSON value, into v, strictly if asked
// (an unknown member, at any depth, is an error), and words failures for
// the client in the terms of the JSON it sent: what is the value's path
// ("body", "properties"), never a Go type.
func DecodeJSON(data []byte, v any, strict bool, what string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err, what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EINVALID, "%s has data after its end", what)
	}
	return nil
}

// jsonError turns an encoding/json error into a message about the JSON the
// client sent.
func jsonError(err error, what string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return Errorf(EINVALID, "%s is not valid JSON at byte %d: %s", what, se.Offset, se.Error())
	case errors.As(err, &te):
		path := what
		if te.Field != "" {
			path += "." + te.Field
		}
		return Errorf(EINVALID, "%s: expected %s, got %s", path, jsonKind(te.Type), jsonValue(te.Value))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(EINVALID, "%s ends before its JSON is complete", what)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return Errorf(EINVALID, "%s has an unknown property %s", what, name)
	}
	return Errorf(EINVALID, "%s is not valid JSON", what)
}

// jsonKind names what a Go type is decoded from, as JSON calls it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		if t.Elem().Kind() == reflect.Float64 {
			return "an array of numbers"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another kind of value"
}

// jsonValue names the kind of JSON value encoding/json reports in an
// UnmarshalTypeError ("array", "number 1.5", "string").
func jsonValue(v string) string {
	switch {
	case v == "array" || v == "object":
		return "an " + v
	case strings.HasPrefix(v, "number"):
		return "a " + v
	}
	return "a " + v
}

// isJSONInteger reports whether a JSON number is an integer that fits an
// int64, as ParseFeatureID takes it.
func isJSONInteger(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}
