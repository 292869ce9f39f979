package server

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// Query parameters each endpoint takes. On items anything else is a 400, as
// OGC API – Features Part 1 asks: a silently ignored typo ("bbbox") would
// return the whole world. The metadata endpoints (landing page,
// conformance, collections, a collection, /api) ignore what they do not
// know (checkMetaParams), because GDAL's OAPIF:URL?param=… passes a
// collection URL's parameters to every request it makes.
var (
	eventItemsParams = []string{"bbox", "datetime", "limit", "tags", "type", "q", "cursor", "f"}
	placeItemsParams = []string{"bbox", "limit", "q", "cursor", "f"}
	itemParams       = []string{"f"}
)

// Limits on filter values, so a query stays cheap to plan.
const (
	maxQLen    = 200
	maxTagsLen = geo.MaxTags
)

// checkParams rejects parameters outside allowed and parameters given twice.
func checkParams(v url.Values, allowed []string) error {
	if err := checkUTF8(v); err != nil {
		return err
	}
	for k, vs := range v {
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			return geo.Errorf(geo.EINVALID, "unknown query parameter %q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return geo.Errorf(geo.EINVALID, "query parameter %q is given %d times", k, len(vs))
		}
	}
	return nil
}

// checkUTF8 refuses a query whose names or values are not valid UTF-8.
func checkUTF8(v url.Values) error {
	for k, vs := range v {
		if !utf8.ValidString(k) {
			return geo.Errorf(geo.EINVALID, "a query parameter's name is not valid UTF-8")
		}
		for _, s := range vs {
			if !utf8.ValidString(s) {
				return geo.Errorf(geo.EINVALID, "query parameter %q is not valid UTF-8", k)
			}
		}
	}
	return nil
}

// checkMetaParams checks the query of a metadata endpoint: every value must
// be valid UTF-8 and f may be given once; other parameters are ignored.
func checkMetaParams(v url.Values) error {
	if err := checkUTF8(v); err != nil {
		return err
	}
	if n := len(v["f"]); n > 1 {
		return geo.Errorf(geo.EINVALID, "query parameter \"f\" is given %d times", n)
	}
	return nil
}

// checkJSONFormat accepts f=json or f=geojson (or no f) on JSON-only endpoints.
func checkJSONFormat(v url.Values) error {
	switch f := v.Get("f"); f {
	case "", "json", "geojson":
		return nil
	default:
		return geo.Errorf(geo.EINVALID, "f=%s is not offered here; use f=json", f)
	}
}

// itemsQuery is the parsed filter of an items request, shared by events and places.
type itemsQuery struct {
	BBox     *geo.BBox
	Interval geo.Interval
	Tags     []string
	Types    []string
	Q        string
	Limit    int
	Cursor   string
}

// parseItemsQuery validates the parameters of a JSON-only request that
// filters events (clusters, tiles).
func parseItemsQuery(c echo.Context, allowed []string) (itemsQuery, error) {
	q, err := parseItemsFilter(c, allowed)
	if err == nil {
		err = checkJSONFormat(c.QueryParams())
	}
	return q, err
}

// parseItemsFilter validates an items request's parameters but f, which
// the handler reads with pickFormat.
func parseItemsFilter(c echo.Context, allowed []string) (itemsQuery, error) {
	v := c.QueryParams()
	q := itemsQuery{Limit: geo.DefaultLimit}
	if err := checkParams(v, allowed); err != nil {
		return q, err
	}
	if s, ok := lookup(v, "bbox"); ok {
		b, err := geo.ParseBBox(s)
		if err != nil {
			return q, err
		}
		q.BBox = &b
	}
	if s, ok := lookup(v, "datetime"); ok {
		iv, err := geo.ParseInterval(fixGDALDates(s))
		if err != nil {
			return q, err
		}
		q.Interval = iv
	}
	if s, ok := lookup(v, "limit"); ok {
		n, err := parseLimit(s)
		if err != nil {
			return q, err
		}
		q.Limit = n
	}
	if s, ok := lookup(v, "tags"); ok {
		tags, err := parseTags(s)
		if err != nil {
			return q, err
		}
		q.Tags = tags
	}
	if s, ok := lookup(v, "type"); ok {
		types, err := parseTypes(s)
		if err != nil {
			return q, err
		}
		q.Types = types
	}
	if s, ok := lookup(v, "q"); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return q, geo.Errorf(geo.EINVALID, "q is empty")
		}
		if err := geo.CheckText("q", s, maxQLen, false); err != nil {
			return q, err
		}
		q.Q = s
	}
	if s, ok := lookup(v, "cursor"); ok {
		if s == "" || len(s) > 1024 {
			return q, geo.Errorf(geo.EINVALID, "cursor is not one this server made; follow the next and prev links")
		}
		q.Cursor = s
	}
	return q, nil
}

// fixGDALDates reads GDAL's way of forwarding a date-only -where literal
// (GDAL 3.6 sends time >= '2017-10-10' as datetime=2017-10-10T/..): a date
// followed by a bare T is taken as midnight UTC, the instant GDAL meant.
func fixGDALDates(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		if len(p) == len("2006-01-02T") && p[len(p)-1] == 'T' {
			parts[i] = p + "00:00:00Z"
		}
	}
	return strings.Join(parts, "/")
}

// pathParam returns a path parameter decoded. Echo matches on the raw path
// when it holds escapes that decoding would lose (an id with "%2F"), and
// then hands the parameter over still escaped.
func pathParam(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// lookup returns a parameter's value and whether it was given at all, so
// that "bbox=" is an error rather than no filter.
func lookup(v url.Values, key string) (string, bool) {
	vs, ok := v[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// parseLimit reads a page size: a positive integer, clamped to geo.MaxLimit
// (OGC API – Features lets a server lower a too large limit rather than fail).
func parseLimit(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		return geo.MaxLimit, nil
	}
	if err != nil {
		return 0, geo.Errorf(geo.EINVALID, "limit %q is not an integer", s)
	}
	if n < 1 {
		return 0, geo.Errorf(geo.EINVALID, "limit %d is below 1", n)
	}
	return min(n, geo.MaxLimit), nil
}

// parseTags reads a comma list of tags, normalised as geo.Event.Validate
// normalises stored tags (trimmed, lower case).
func parseTags(s string) ([]string, error) {
	var tags []string
	seen := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if err := geo.CheckTag("tags", t); err != nil {
			return nil, err
		}
		seen[t] = true
		tags = append(tags, t)
	}
	if len(tags) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "tags is empty; give a comma-separated list")
	}
	if len(tags) > maxTagsLen {
		return nil, geo.Errorf(geo.EINVALID, "tags lists %d tags; at most %d", len(tags), maxTagsLen)
	}
	return tags, nil
}

// parseTypes reads a comma list of event types (the ontology's, or any a
// client stored), trimmed as geo.Event.Validate trims a stored type.
func parseTypes(s string) ([]string, error) {
	var types []string
	seen := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		if err := geo.CheckText("type", t, geo.MaxTypeLen, false); err != nil {
			return nil, err
		}
		seen[t] = true
		types = append(types, t)
	}
	if len(types) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "type is empty; give a comma-separated list")
	}
	if len(types) > maxTagsLen {
		return nil, geo.Errorf(geo.EINVALID, "type lists %d types; at most %d", len(types), maxTagsLen)
	}
	return types, nil
}

// encode writes query parameters for a link. Commas stay as they are:
// they are legal in a query and bbox=1,2,3,4 reads better than 1%2C2….
func encode(v url.Values) string { return strings.ReplaceAll(v.Encode(), "%2C", ",") }

// query rebuilds the request's filter as URL parameters, for paging links
// that repeat every filter.
func (q itemsQuery) query(cursor string) url.Values {
	v := q.filter()
	v.Set("limit", strconv.Itoa(q.Limit))
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v
}

// filter is the request's filter alone as URL parameters (no paging), for
// export links.
func (q itemsQuery) filter() url.Values {
	v := url.Values{}
	if q.BBox != nil {
		v.Set("bbox", q.BBox.String())
	}
	if !q.Interval.IsZero() {
		v.Set("datetime", q.Interval.String())
	}
	if len(q.Tags) > 0 {
		v.Set("tags", strings.Join(q.Tags, ","))
	}
	if len(q.Types) > 0 {
		v.Set("type", strings.Join(q.Types, ","))
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return v
}

// exportLimit reads limit for an export: 0 (every match) when absent, else
// the number given, not lowered to the pages' maximum.
func exportLimit(v url.Values) (int, error) {
	s, ok := lookup(v, "limit")
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, nil
	}
	if err != nil || n < 1 {
		return parseLimit(s) // its error
	}
	return n, nil
}
