package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// readBody reads a request body of at most limit bytes after checking that
// its media type is one of types. Going over the limit is a 413 (through
// *http.MaxBytesError in handleError); a wrong media type is a 415.
func readBody(c echo.Context, limit int64, types ...string) ([]byte, string, error) {
	req := c.Request()
	ct := req.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !contains(types, mt) {
		return nil, "", geo.Errorf(geo.EUNSUPPORTED, "Content-Type %q is not accepted here; send %s", ct, strings.Join(types, " or "))
	}
	if req.ContentLength > limit {
		return nil, "", &http.MaxBytesError{Limit: limit}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", err
		}
		return nil, "", geo.Errorf(geo.EINVALID, "reading the request body failed: %v", err)
	}
	// encoding/json would turn invalid bytes into U+FFFD and store them.
	if !utf8.Valid(body) {
		return nil, "", geo.Errorf(geo.EINVALID, "body is not valid UTF-8")
	}
	return body, mt, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// jsonTypes are the media types a Feature may be posted as.
var jsonTypes = []string{"application/geo+json", "application/json"}

// geojsonIn is a posted Feature or FeatureCollection. Other top-level
// members (bbox, links, numberMatched…) are GeoJSON "foreign members" and
// are ignored, so that what a GET returns can be PUT back unchanged.
type geojsonIn struct {
	Type       string            `json:"type"`
	ID         json.RawMessage   `json:"id"`
	Geometry   json.RawMessage   `json:"geometry"`
	Properties json.RawMessage   `json:"properties"`
	Features   []json.RawMessage `json:"features"`
}

// decodeJSON unmarshals data into v, strictly if asked (unknown fields are
// an error), and words failures for the client in the API's terms: what is
// the member's path in the API ("body", "properties"), never a Go type.
func decodeJSON(data []byte, v any, strict bool, what string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err, what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return geo.Errorf(geo.EINVALID, "%s has data after its end", what)
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
		return geo.Errorf(geo.EINVALID, "%s is not valid JSON at byte %d: %s", what, se.Offset, se.Error())
	case errors.As(err, &te):
		path := what
		if te.Field != "" {
			path += "." + te.Field
		}
		return geo.Errorf(geo.EINVALID, "%s: expected %s, got %s", path, jsonKind(te.Type, path), jsonValue(te.Value))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return geo.Errorf(geo.EINVALID, "%s ends before its JSON is complete", what)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return geo.Errorf(geo.EINVALID, "%s has an unknown property %s", what, name)
	}
	return geo.Errorf(geo.EINVALID, "%s is not valid JSON", what)
}

// jsonKind names what a Go type is decoded from, as JSON calls it.
func jsonKind(t reflect.Type, path string) string {
	if t == reflect.TypeFor[geojsonIn]() {
		return "a GeoJSON Feature object"
	}
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
		return jsonKind(t.Elem(), path)
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

// parseFeatures reads a Feature or a FeatureCollection (many) into raw features.
func parseFeatures(body []byte) (feats []geojsonIn, many bool, err error) {
	var in geojsonIn
	if err := decodeJSON(body, &in, false, "body"); err != nil {
		return nil, false, err
	}
	switch in.Type {
	case "Feature":
		return []geojsonIn{in}, false, nil
	case "FeatureCollection":
		out := make([]geojsonIn, len(in.Features))
		for i, raw := range in.Features {
			if err := decodeJSON(raw, &out[i], false, "features["+strconv.Itoa(i)+"]"); err != nil {
				return nil, true, err
			}
			if out[i].Type != "Feature" {
				return nil, true, geo.Errorf(geo.EINVALID, "features[%d].type is %q; want Feature", i, out[i].Type)
			}
		}
		if len(out) == 0 {
			return nil, true, geo.Errorf(geo.EINVALID, "features is empty: the FeatureCollection has no features")
		}
		return out, true, nil
	}
	return nil, false, geo.Errorf(geo.EINVALID, "type is %q; want Feature or FeatureCollection", in.Type)
}

// isNull reports whether a raw JSON member is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// parseID reads a feature id, a JSON string or integer, as a string; "" if absent.
func parseID(raw json.RawMessage) (string, error) {
	if isNull(raw) {
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
	return "", geo.Errorf(geo.EINVALID, "id must be a string or an integer")
}

// parsePoint reads a GeoJSON Point geometry; ok is false for a null geometry.
func parsePoint(raw json.RawMessage) (p orb.Point, ok bool, err error) {
	if isNull(raw) {
		return p, false, nil
	}
	var g struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	}
	if err := decodeJSON(raw, &g, false, "geometry"); err != nil {
		return p, false, err
	}
	if g.Type != "Point" {
		return p, false, geo.Errorf(geo.EINVALID, "geometry.type %q is not supported; events and places are Points", g.Type)
	}
	if n := len(g.Coordinates); n != 2 && n != 3 {
		return p, false, geo.Errorf(geo.EINVALID, "geometry.coordinates: a Point has 2 coordinates [lon, lat], got %d", n)
	}
	p = orb.Point{g.Coordinates[0], g.Coordinates[1]}
	if err := geo.ValidatePoint(p); err != nil {
		return p, false, geo.Errorf(geo.EINVALID, "geometry.coordinates: %s", geo.ErrorMessage(err))
	}
	return p, true, nil
}

type placeRefIn struct {
	ID        *int64 `json:"id"`
	Name      string `json:"name"`
	Precision string `json:"precision"`
}

// eventIn is a decoded event before its place is resolved.
type eventIn struct {
	Event    *geo.Event
	HasPoint bool
	PlaceID  int64 // the posted place.id, 0 if none
}

// decodeEvent turns a posted Feature into an event. The geometry may be
// null when properties.place names a place (a string, or an object with a
// name or an id) for the gazetteer to locate.
func decodeEvent(f geojsonIn) (*eventIn, error) {
	id, err := parseID(f.ID)
	if err != nil {
		return nil, err
	}
	pt, hasPoint, err := parsePoint(f.Geometry)
	if err != nil {
		return nil, err
	}
	if isNull(f.Properties) {
		return nil, geo.Errorf(geo.EINVALID, "properties is missing: an event needs a title and a time")
	}
	// The properties a GET writes, so that a fetched event can be PUT back;
	// source.published in any form an import takes.
	var p geo.EventProperties
	if err := decodeJSON(f.Properties, &p, true, "properties"); err != nil {
		return nil, err
	}
	e, err := p.Event(geoparse.PublishedTime)
	if err != nil {
		return nil, err
	}
	e.ID, e.Point = id, pt
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if p.Time == "" {
		return nil, geo.Errorf(geo.EINVALID, "properties.time is missing (RFC 3339, e.g. 2017-10-11T12:00:00Z)")
	}
	if e.Time, err = parseTimestamp(p.Time, "properties.time"); err != nil {
		return nil, err
	}
	in := &eventIn{Event: e, HasPoint: hasPoint}
	if !isNull(p.Place) {
		var name string
		if json.Unmarshal(p.Place, &name) == nil {
			e.Place.Name = strings.TrimSpace(name)
		} else {
			var ref placeRefIn
			if err := decodeJSON(p.Place, &ref, true, "properties.place"); err != nil {
				return nil, err
			}
			e.Place = geo.EventPlace{Name: strings.TrimSpace(ref.Name), Precision: ref.Precision}
			if ref.ID != nil {
				e.Place.ID, in.PlaceID = *ref.ID, *ref.ID
			}
		}
	}
	if !hasPoint && e.Place.Name == "" && in.PlaceID == 0 {
		return nil, geo.Errorf(geo.EINVALID, "an event needs a Point geometry, or a null geometry and properties.place naming a place in the gazetteer")
	}
	return in, nil
}

// parseTimestamp reads an RFC 3339 timestamp (or a bare date, taken as
// midnight UTC) into UTC, within the years events may have: the zero time
// (0001-01-01) would otherwise read as "no time" and be dropped.
func parseTimestamp(s, what string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err == nil {
		t = t.UTC()
		if t.Before(geo.MinTime) || t.After(geo.MaxTime) {
			return time.Time{}, geo.Errorf(geo.EINVALID, "%s %s is outside the years 1700 to 2199", what, s)
		}
		return t, nil
	}
	return time.Time{}, geo.Errorf(geo.EINVALID, "%s %q is not RFC 3339 (e.g. 2017-10-11T12:00:00Z)", what, s)
}

// placePropsIn are the properties a posted place may carry. kind is the
// plain word the map's form offers (geo.Kinds); source is accepted so that
// a fetched place can be PUT back, but entries written over HTTP are always
// "user" entries, which imports never overwrite.
type placePropsIn struct {
	Name           string   `json:"name"`
	AlternateNames []string `json:"alternate_names"`
	Country        string   `json:"country"`
	Admin1         string   `json:"admin1"`
	Kind           string   `json:"kind"`
	FeatureClass   string   `json:"feature_class"`
	FeatureCode    string   `json:"feature_code"`
	Population     int64    `json:"population"`
	Source         string   `json:"source"`
}

// decodePlace turns a posted Feature into a gazetteer entry.
func decodePlace(f geojsonIn) (*geo.Place, error) {
	id, err := parseID(f.ID)
	if err != nil {
		return nil, err
	}
	p := &geo.Place{Source: geo.SourceUser}
	if id != "" {
		if p.ID, err = parsePlaceID(id); err != nil {
			return nil, err
		}
	}
	pt, ok, err := parsePoint(f.Geometry)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, geo.Errorf(geo.EINVALID, "geometry is missing: a place needs a Point")
	}
	p.Point = pt
	if isNull(f.Properties) {
		return nil, geo.Errorf(geo.EINVALID, "properties is missing: a place needs at least a name")
	}
	var in placePropsIn
	if err := decodeJSON(f.Properties, &in, true, "properties"); err != nil {
		return nil, err
	}
	p.Name, p.AlternateNames, p.Country, p.Admin1 = in.Name, in.AlternateNames, in.Country, in.Admin1
	p.FeatureClass, p.FeatureCode, p.Population = in.FeatureClass, in.FeatureCode, in.Population
	if in.Kind != "" {
		k, ok := geo.Kinds[strings.ToLower(strings.TrimSpace(in.Kind))]
		if !ok {
			return nil, geo.Errorf(geo.EINVALID, "properties.kind %q is not one of %s", in.Kind, strings.Join(geo.KindNames(), ", "))
		}
		p.FeatureClass, p.FeatureCode = k[0], k[1]
	}
	if p.FeatureClass == "" && p.FeatureCode != "" {
		// Precision depends on the class: recover it from the code where a kind uses it.
		for _, k := range geo.Kinds {
			if k[1] == p.FeatureCode {
				p.FeatureClass = k[0]
				break
			}
		}
	}
	return p, p.Validate()
}

// parsePlaceID reads a gazetteer id from a path or a feature id.
func parsePlaceID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, geo.Errorf(geo.EINVALID, "place id %q is not a positive integer", s)
	}
	return n, nil
}
