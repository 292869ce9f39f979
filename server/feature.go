package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/labstack/echo/v4"
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

	raw []byte // the Feature's own text
}

// decodeJSON is geo.DecodeJSON, which words failures in the API's terms
// ("properties.title: expected a string, got a number"), and calls a body
// that should be a GeoJSON object one.
func decodeJSON(data []byte, v any, strict bool, what string) error {
	err := geo.DecodeJSON(data, v, strict, what)
	if _, ok := v.(*geojsonIn); ok && err != nil {
		msg := geo.ErrorMessage(err)
		if rest, ok := strings.CutPrefix(msg, what+": expected an object, "); ok {
			return geo.Errorf(geo.EINVALID, "%s: expected a GeoJSON Feature object, %s", what, rest)
		}
	}
	return err
}

// parseFeatures reads a Feature or a FeatureCollection (many) into raw features.
func parseFeatures(body []byte) (feats []geojsonIn, many bool, err error) {
	var in geojsonIn
	if err := decodeJSON(body, &in, false, "body"); err != nil {
		return nil, false, err
	}
	switch in.Type {
	case "Feature":
		in.raw = body
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
			out[i].raw = raw
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

// eventIn is a decoded event before its place is resolved.
type eventIn struct {
	Event    *geo.Event
	HasPoint bool
	PlaceID  int64 // the posted place.id, 0 if none
}

// decodeEvent turns a posted Feature into an event by the rules events
// import shares (geo.DecodeEventFeature). The geometry may be null when
// properties.place names a place (a string, or an object with a name or an
// id) for the gazetteer to locate; source.published may be in any form an
// article's date may (geoparse.PublishedTime).
func decodeEvent(f geojsonIn) (*eventIn, error) {
	e, located, err := geo.DecodeEventFeature(f.raw, geoparse.PublishedTime)
	if err != nil {
		return nil, err
	}
	return &eventIn{Event: e, HasPoint: located, PlaceID: e.Place.ID}, nil
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
	id, err := geo.ParseFeatureID(f.ID, "id")
	if err != nil {
		return nil, err
	}
	p := &geo.Place{Source: geo.SourceUser}
	if id != "" {
		if p.ID, err = parsePlaceID(id); err != nil {
			return nil, err
		}
	}
	pt, ok, err := geo.ParsePoint(f.Geometry)
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
