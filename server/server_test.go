package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

const testToken = "s3cret-token"

// testServer is a real Server on 127.0.0.1:0 backed by fakes.
type testServer struct {
	*Server
	events *fakeEvents
	places *fakePlaces
}

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtureEvents spans two sides of the antimeridian, three tags and two years.
func fixtureEvents() []*geo.Event {
	return []*geo.Event{
		{ID: "raqqa", Point: orb.Point{39.0, 35.95}, Time: day("2017-10-11T10:00:00Z"), Tags: []string{"fighting", "civilians"}, Title: "Talks on a civilian exit from Raqa", Place: geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: "city"}, Source: geo.Source{URL: "https://example.org/a", Title: "AFP", Published: day("2017-10-11T09:00:00Z")}, Excerpt: "Talks …", Confidence: 0.9},
		{ID: "kobani", Point: orb.Point{38.35, 36.89}, Time: day("2017-10-10T08:00:00Z"), Tags: []string{"politics"}, Title: "Kurdish officials meet", Place: geo.EventPlace{Name: "Kobani", Precision: "city"}, Confidence: 0.7},
		{ID: "deir", Point: orb.Point{40.14, 35.33}, Time: day("2017-10-09T08:00:00Z"), Tags: []string{"fighting"}, Title: "Shelling near Deir ez-Zor", Place: geo.EventPlace{Name: "Deir ez-Zor"}, Confidence: 0.6},
		{ID: "fiji", Point: orb.Point{179.5, -17.0}, Time: day("2017-09-02T00:00:00Z"), Tags: []string{"storm"}, Title: "Storm east of Fiji", Confidence: 1},
		{ID: "samoa", Point: orb.Point{-179.5, -16.0}, Time: day("2017-09-01T00:00:00Z"), Tags: []string{"storm"}, Title: "Storm west of Samoa", Confidence: 1},
		{ID: "paris", Point: orb.Point{2.35, 48.85}, Time: day("2016-01-01T12:00:00Z"), Tags: []string{"protest"}, Title: "March in Paris", Place: geo.EventPlace{Name: "Paris"}, Confidence: 1},
	}
}

func fixturePlaces() []*geo.Place {
	return []*geo.Place{
		{ID: 163915, Name: "Ar Raqqah", AlternateNames: []string{"Raqqa", "Ar-Raqqah"}, Point: orb.Point{39.00877, 35.95283}, FeatureClass: "P", FeatureCode: "PPLA", Country: "SY", Population: 177636, Source: geo.SourceGeoNames},
		{ID: 170583, Name: "‘Ayn al ‘Arab", AlternateNames: []string{"Kobani", "Kobane"}, Point: orb.Point{38.3614, 36.8908}, FeatureClass: "P", FeatureCode: "PPL", Country: "SY", Population: 44821, Source: geo.SourceGeoNames},
	}
}

func newTestServer(t testing.TB, mod ...func(*Config)) *testServer {
	t.Helper()
	evs, pls := newFakeEvents(), newFakePlaces(fixturePlaces()...)
	if _, err := evs.CreateEvents(t.Context(), fixtureEvents()); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Events: evs, Places: pls, Articles: fakeArticles{pls, evs}, Backup: fakeBackup{},
		Token: testToken, Version: "test", Tiles: "https://tiles.example/{z}/{x}/{y}.png",
		Web: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>geonews map</title>")}, "app.js": {Data: []byte("console.log(1)")}},
		Now: func() time.Time { return day("2026-11-25T04:00:00Z") },
	}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(t.Context()) })
	return &testServer{s, evs, pls}
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; hdr holds header pairs ("Authorization", "Bearer x").
func (ts *testServer) do(t testing.TB, method, path string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

var auth = []string{"Authorization", "Bearer " + testToken}

// fc is a decoded FeatureCollection.
type fc struct {
	Type           string `json:"type"`
	NumberMatched  *int   `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp"`
	Links          []link `json:"links"`
	Features       []struct {
		ID         any            `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func (f fc) ids() []string {
	var ids []string
	for _, ft := range f.Features {
		switch id := ft.ID.(type) {
		case string:
			ids = append(ids, id)
		case float64:
			ids = append(ids, strings.TrimSuffix(strings.TrimSuffix(json.Number(jsonNum(id)).String(), ".0"), ""))
		}
	}
	return ids
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func (f fc) link(rel string) string {
	for _, l := range f.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func (ts *testServer) items(t testing.TB, path string) fc {
	t.Helper()
	r := ts.do(t, "GET", path, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/geo+json"; got != want {
		t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
	}
	var f fc
	if err := json.Unmarshal(r.body, &f); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, r.body)
	}
	if f.Type != "FeatureCollection" || f.NumberReturned != len(f.Features) {
		t.Errorf("GET %s: type %q numberReturned %d with %d features", path, f.Type, f.NumberReturned, len(f.Features))
	}
	return f
}

// checkError checks an error response's status and OGC exception body.
func checkError(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var body errorBody
	if err := json.Unmarshal(r.body, &body); err != nil || body.Description == "" {
		t.Fatalf("error body %q is not {code, description}", r.body)
	}
	if code != "" && body.Code != code {
		t.Errorf("code %q, want %q (%s)", body.Code, code, body.Description)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q", ct)
	}
}

func TestLanding(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		name, path, accept string
		html               bool
	}{
		{"api client", "/", "application/json", false},
		{"f=json beats Accept", "/?f=json", "text/html", false},
		{"browser", "/", "text/html,application/xhtml+xml,*/*;q=0.8", true},

		{"token URL", "/?token=abc", "text/html", true},
		{"page ignores tracking parameters", "/?fbclid=x&token=abc", "text/html", true},
		{"curl", "/", "*/*", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, "GET", tc.path, nil, "Accept", tc.accept)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tc.html {
				if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte("geonews map")) {
					t.Errorf("want the map page, got %s %q", r.header.Get("Content-Type"), r.body)
				}
				return
			}
			m := r.json(t)
			rels := map[string]bool{}
			for _, l := range m["links"].([]any) {
				rels[l.(map[string]any)["rel"].(string)] = true
			}
			for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
				if !rels[rel] {
					t.Errorf("landing page has no %s link", rel)
				}
			}
		})
	}
	checkError(t, ts.do(t, "GET", "/?f=xml", nil), 400, geo.EINVALID)
	// Metadata ignores parameters it does not know (GDAL's OAPIF:URL?x=…).
	if r := ts.do(t, "GET", "/?foo=1", nil); r.status != 200 || r.json(t)["links"] == nil {
		t.Errorf("/?foo=1: %d %s", r.status, r.body)
	}
	// f=html is the landing page as HTML, which links to the map.
	r := ts.do(t, "GET", "/?f=html&foo=1", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || bytes.Contains(r.body, []byte("geonews map")) ||
		!bytes.Contains(r.body, []byte(`href="`+ts.URL()+`/collections"`)) || !bytes.Contains(r.body, []byte(">the map</a>")) {
		t.Errorf("/?f=html: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	// Without a map page, browsers get the HTML landing page.
	bare := newTestServer(t, func(c *Config) { c.Web = nil })
	if r := bare.do(t, "GET", "/", nil, "Accept", "text/html"); r.status != 200 || !bytes.Contains(r.body, []byte("conformance")) || bytes.Contains(r.body, []byte(">the map</a>")) {
		t.Errorf("no web: %d %s", r.status, r.body)
	}
}

func TestWebFiles(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.do(t, "GET", "/app.js", nil); r.status != 200 || string(r.body) != "console.log(1)" {
		t.Errorf("app.js: %d %q", r.status, r.body)
	}
	checkError(t, ts.do(t, "GET", "/nope.js", nil), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "GET", "/../../etc/passwd", nil), 404, geo.ENOTFOUND)
	if r := ts.do(t, "GET", "/config.json", nil); r.status != 200 || r.json(t)["tiles"] != "https://tiles.example/{z}/{x}/{y}.png" {
		t.Errorf("config.json: %d %s", r.status, r.body)
	}
}

func TestConformanceAndHealth(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.do(t, "HEAD", "/collections/events/items?bbox=1,2,3,4", nil); r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Errorf("HEAD: %d %q %v", r.status, r.body, r.header)
	}
	if r := ts.do(t, "HEAD", "/collections/events/items?bbox=1,2,3", nil); r.status != 400 {
		t.Errorf("HEAD with a bad bbox: %d", r.status)
	}
	r := ts.do(t, "GET", "/conformance", nil)
	if r.status != 200 || !bytes.Contains(r.body, []byte("ogcapi-features-1/1.0/conf/geojson")) {
		t.Errorf("conformance: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "GET", "/healthz", nil); r.status != 200 || r.json(t)["status"] != "ok" {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
}

// TestAPIDocument checks that /api is OpenAPI 3.0, declares every items
// parameter the handlers take, and that every documented operation is routed.
func TestAPIDocument(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/api", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/vnd.oai.openapi+json") {
		t.Fatalf("api: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct{ Parameters []struct{ Name, In string } }
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	declared := func(path string) []string {
		var names []string
		for _, p := range doc.Paths[path]["get"].Parameters {
			names = append(names, p.Name)
		}
		slices.Sort(names)
		return names
	}
	for path, want := range map[string][]string{"/collections/events/items": eventItemsParams, "/collections/places/items": placeItemsParams} {
		want = slices.Sorted(slices.Values(want))
		if got := declared(path); !slices.Equal(got, want) {
			t.Errorf("%s declares %v, handlers take %v", path, got, want)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			p := strings.NewReplacer("{collectionId}", "events", "{featureId}", "raqqa").Replace(path)
			if strings.HasPrefix(path, "/collections/places/items/") {
				p = "/collections/places/items/163915"
			}
			r := ts.do(t, strings.ToUpper(method), p, nil, "Accept", "application/json")
			if r.status == 404 && !strings.Contains(string(r.body), "not found") || r.status == 405 {
				t.Errorf("%s %s is documented but answers %d: %s", method, p, r.status, r.body)
			}
		}
	}
}

// TestAPIDocumentRefs checks the document's internal consistency, as an
// OpenAPI validator would: every $ref resolves, every {param} in a path is
// declared on each of its operations, every operation has an operationId
// (unique) and responses.
func TestAPIDocumentRefs(t *testing.T) {
	ts := newTestServer(t)
	var doc map[string]any
	if err := json.Unmarshal(ts.do(t, "GET", "/api", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, found := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !found || !strings.HasPrefix(ref, "#/components/schemas/") {
					t.Errorf("$ref %q does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	ids := map[string]bool{}
	for path, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			op := op.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, id)
			}
			ids[id] = true
			if len(op["responses"].(map[string]any)) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			declared := map[string]bool{}
			for _, p := range op["parameters"].([]any) {
				p := p.(map[string]any)
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
					if p["required"] != true {
						t.Errorf("%s %s: path parameter %v not required", method, path, p["name"])
					}
				}
			}
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
					t.Errorf("%s %s: path parameter %s undeclared", method, path, seg)
				}
			}
		}
	}
}

func TestCollections(t *testing.T) {
	ts := newTestServer(t)
	m := ts.do(t, "GET", "/collections", nil).json(t)
	var ids []string
	for _, c := range m["collections"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	if !slices.Equal(ids, []string{"events", "places"}) {
		t.Errorf("collections %v", ids)
	}
	if r := ts.do(t, "GET", "/collections/events", nil); r.status != 200 || r.json(t)["id"] != "events" {
		t.Errorf("events: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "GET", "/collections/nope", nil), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "GET", "/collections/nope/items", nil), 404, geo.ENOTFOUND)
	// Without a gazetteer there is no places collection.
	np := newTestServer(t, func(c *Config) { c.Places = nil })
	checkError(t, np.do(t, "GET", "/collections/places/items", nil), 404, geo.ENOTFOUND)
}

func TestEventItems(t *testing.T) {
	ts := newTestServer(t)
	all := []string{"raqqa", "kobani", "deir", "fiji", "samoa", "paris"}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"all, newest first", "", all},
		{"bbox syria", "bbox=35,32,43,38", []string{"raqqa", "kobani", "deir"}},
		{"bbox six numbers", "bbox=35,32,-100,43,38,100", []string{"raqqa", "kobani", "deir"}},
		{"bbox across antimeridian", "bbox=179,-20,-179,-10", []string{"fiji", "samoa"}},
		{"bbox west of it only", "bbox=179,-20,180,-10", []string{"fiji"}},
		{"bbox empty sea", "bbox=-40,-40,-30,-30", nil},
		{"datetime instant", "datetime=2017-10-11T10:00:00Z", []string{"raqqa"}},
		{"datetime day", "datetime=2017-10-10", []string{"kobani"}},
		{"datetime closed", "datetime=2017-10-09T00:00:00Z/2017-10-10T23:59:59Z", []string{"kobani", "deir"}},
		{"datetime open start", "datetime=../2017-01-01T00:00:00Z", []string{"paris"}},
		{"datetime open end", "datetime=2017-10-10T00:00:00Z/..", []string{"raqqa", "kobani"}},
		{"datetime as GDAL sends dates", "datetime=2017-10-10T%2F..", []string{"raqqa", "kobani"}},
		{"tags one", "tags=storm", []string{"fiji", "samoa"}},
		{"tags any of", "tags=politics,protest", []string{"kobani", "paris"}},
		{"tags case and spaces", "tags=%20Fighting%20", []string{"raqqa", "deir"}},
		{"q title", "q=storm", []string{"fiji", "samoa"}},
		{"q place name", "q=raqqah", []string{"raqqa"}},
		{"limit", "limit=2", []string{"raqqa", "kobani"}},
		{"combined", "bbox=35,32,43,38&datetime=2017-10-01/2017-10-31&tags=fighting&q=deir&limit=5", []string{"deir"}},
		{"f=json", "f=json", all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ts.items(t, "/collections/events/items?"+tc.query)
			if got := f.ids(); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
			if f.NumberMatched == nil {
				t.Errorf("numberMatched missing")
			}
			if _, err := time.Parse(time.RFC3339, f.TimeStamp); err != nil {
				t.Errorf("timeStamp %q", f.TimeStamp)
			}
			if f.link("self") == "" {
				t.Errorf("no self link")
			}
		})
	}
	// The handler hands the store exactly the parsed filter.
	ts.items(t, "/collections/events/items?bbox=1,2,3,4&datetime=2017-10-11&tags=A,b&q=x&limit=7")
	got := ts.events.last
	if got.BBox == nil || *got.BBox != (geo.BBox{West: 1, South: 2, East: 3, North: 4}) || got.Limit != 7 || !slices.Equal(got.Tags, []string{"a", "b"}) || got.Q != "x" ||
		!got.Interval.Start.Equal(day("2017-10-11T00:00:00Z")) {
		t.Errorf("filter %+v", got)
	}
	for q, want := range map[string]int{"": geo.DefaultLimit, "limit=1": 1, "limit=10000": 10000, "limit=10001": 10000, "limit=99999999999999999999999": 10000} {
		ts.items(t, "/collections/events/items?"+q)
		if ts.events.last.Limit != want {
			t.Errorf("%q: limit %d, want %d", q, ts.events.last.Limit, want)
		}
	}
}

func TestEventProperties(t *testing.T) {
	ts := newTestServer(t)
	f := ts.items(t, "/collections/events/items?q=exit")
	if len(f.Features) != 1 {
		t.Fatalf("%d features", len(f.Features))
	}
	ft := f.Features[0]
	if g := ft.Geometry; g["type"] != "Point" || !slices.Equal(toFloats(g["coordinates"]), []float64{39, 35.95}) {
		t.Errorf("geometry %v", g)
	}
	p := ft.Properties
	for k, want := range map[string]any{"title": "Talks on a civilian exit from Raqa", "time": "2017-10-11T10:00:00Z", "excerpt": "Talks …", "confidence": 0.9} {
		if p[k] != want {
			t.Errorf("%s = %v, want %v", k, p[k], want)
		}
	}
	if place := p["place"].(map[string]any); place["id"] != 163915.0 || place["name"] != "Ar Raqqah" || place["precision"] != "city" {
		t.Errorf("place %v", place)
	}
	if src := p["source"].(map[string]any); src["url"] != "https://example.org/a" || src["published"] != "2017-10-11T09:00:00Z" {
		t.Errorf("source %v", src)
	}
	if tags := p["tags"].([]any); len(tags) != 2 {
		t.Errorf("tags %v", tags)
	}
}

func toFloats(v any) []float64 {
	var fs []float64
	for _, x := range v.([]any) {
		fs = append(fs, x.(float64))
	}
	return fs
}

// TestPaging follows next links to the end and prev links back, and checks
// that every paging link repeats the filters.
func TestPaging(t *testing.T) {
	ts := newTestServer(t)
	path := "/collections/events/items?bbox=-180,-90,180,90&tags=storm,fighting,politics,civilians&datetime=2017-01-01/..&q=%20&limit=2"
	path = strings.Replace(path, "&q=%20", "", 1)
	var got []string
	var pages []fc
	for path != "" && len(pages) < 10 {
		f := ts.items(t, path)
		pages = append(pages, f)
		got = append(got, f.ids()...)
		next := f.link("next")
		if next != "" {
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			for k, want := range map[string]string{"bbox": "-180,-90,180,90", "tags": "storm,fighting,politics,civilians", "datetime": "2017-01-01T00:00:00Z/..", "limit": "2"} {
				if q.Get(k) != want {
					t.Errorf("next link %s=%q, want %q", k, q.Get(k), want)
				}
			}
			next = u.RequestURI()
		}
		path = next
	}
	if want := []string{"raqqa", "kobani", "deir", "fiji", "samoa"}; !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
	if next := pages[0].link("next"); !strings.Contains(next, "bbox=-180,-90,180,90&") || !strings.Contains(next, "tags=storm,fighting,politics,civilians") {
		t.Errorf("next link %q escapes its commas", next)
	}
	if len(pages) != 3 || pages[0].link("prev") != "" || pages[1].link("prev") == "" {
		t.Fatalf("%d pages; prev links %q %q", len(pages), pages[0].link("prev"), pages[1].link("prev"))
	}
	u, _ := url.Parse(pages[2].link("prev"))
	if back := ts.items(t, u.RequestURI()); !slices.Equal(back.ids(), []string{"deir", "fiji"}) {
		t.Errorf("prev page %v", back.ids())
	}
	checkError(t, ts.do(t, "GET", "/collections/events/items?cursor=garbage", nil), 400, geo.EINVALID)
}

func TestNumberMatchedOmitted(t *testing.T) {
	ts := newTestServer(t)
	ts.events.matched = false
	r := ts.do(t, "GET", "/collections/events/items", nil)
	if bytes.Contains(r.body, []byte("numberMatched")) {
		t.Errorf("numberMatched present when the store says -1")
	}
}

// TestBadParameters is the fuzz-ish table: every malformed parameter is a
// 400 with a JSON body, never a 5xx.
func TestBadParameters(t *testing.T) {
	ts := newTestServer(t)
	for _, q := range []string{
		"bbox=", "bbox=1,2,3", "bbox=1,2,3,4,5", "bbox=1,2,3,4,5,6,7", "bbox=a,b,c,d", "bbox=NaN,0,1,1", "bbox=0,0,Inf,1",
		"bbox=0,-91,1,1", "bbox=0,0,1,91", "bbox=-181,0,1,1", "bbox=0,0,181,1", "bbox=0,10,1,5", "bbox=1e400,0,1,1", "bbox=,,,",
		"bbox=0x10,0,1,1%00", "datetime=", "datetime=yesterday", "datetime=2017-13-01", "datetime=../..", "datetime=/",
		"datetime=2017-10-11/2017-10-01", "datetime=a/b/c", "datetime=2017-10-11T25:00:00Z", "datetime=1507700000",
		"limit=", "limit=0", "limit=-1", "limit=abc", "limit=1.5", "limit=-99999999999999999999999", "limit=1e3",
		"tags=", "tags=,,,", "tags=" + strings.Repeat("x", 65), "tags=" + manyTags(40),
		"q=", "q=%20", "q=" + strings.Repeat("x", 201), "q=%ff", "f=xml", "f=HTML", "cursor=", "cursor=" + strings.Repeat("x", 2000),
		"bbbox=1,2,3,4", "limit=1&limit=2", "token=abc", "filter=title='x'", "crs=EPSG:4326",
	} {
		t.Run(q, func(t *testing.T) {
			checkError(t, ts.do(t, "GET", "/collections/events/items?"+q, nil), 400, geo.EINVALID)
		})
	}
	for _, q := range []string{"datetime=2017-10-11", "tags=a", "foo=1"} {
		checkError(t, ts.do(t, "GET", "/collections/places/items?"+q, nil), 400, geo.EINVALID)
	}
	for _, p := range []string{"/conformance?f=xml", "/api?f=html", "/collections?f=csv", "/collections/events?f=json&f=html", "/collections/places/items?f=csv",
		"/collections/events/items/raqqa?bbox=1,2,3,4", "/collections/events/items/raqqa?f=kml", "/collections/events/items?f=csv&limit=0"} {
		checkError(t, ts.do(t, "GET", p, nil), 400, geo.EINVALID)
	}
}

func TestEventItem(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/collections/events/items/raqqa", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["id"] != "raqqa" || m["type"] != "Feature" {
		t.Errorf("feature %v", m)
	}
	links := m["links"].([]any)
	if self := links[0].(map[string]any); self["rel"] != "self" || !strings.HasSuffix(self["href"].(string), "/collections/events/items/raqqa") {
		t.Errorf("links %v", links)
	}
	checkError(t, ts.do(t, "GET", "/collections/events/items/nope", nil), 404, geo.ENOTFOUND)

	// Ids round-trip through their Location, whatever they hold.
	for _, id := range []string{"a b", "a/b", "é%x", "q?x#y"} {
		j, _ := json.Marshal(id)
		r := ts.do(t, "POST", "/collections/events/items", `{"type":"Feature","id":`+string(j)+`,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, auth...)
		if r.status != 201 {
			t.Fatalf("%q: %d %s", id, r.status, r.body)
		}
		loc := strings.TrimPrefix(r.header.Get("Location"), ts.URL())
		if r := ts.do(t, "GET", loc, nil); r.status != 200 || r.json(t)["id"] != id {
			t.Errorf("GET %s: %d %s", loc, r.status, r.body)
		}
		if r := ts.do(t, "DELETE", loc, nil, auth...); r.status != 204 {
			t.Errorf("DELETE %s: %d %s", loc, r.status, r.body)
		}
	}
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t)
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"none", nil, 401, geo.EUNAUTHORIZED},
		{"not bearer", []string{"Authorization", "Basic " + testToken}, 401, geo.EUNAUTHORIZED},
		{"wrong", []string{"Authorization", "Bearer nope"}, 403, geo.EFORBIDDEN},
		{"prefix", []string{"Authorization", "Bearer " + testToken[:5]}, 403, geo.EFORBIDDEN},
		{"longer", []string{"Authorization", "Bearer " + testToken + "x"}, 403, geo.EFORBIDDEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, req := range [][2]string{{"POST", "/collections/events/items"}, {"PUT", "/collections/events/items/raqqa"}, {"DELETE", "/collections/events/items/raqqa"},
				{"POST", "/collections/places/items"}, {"PUT", "/collections/places/items/163915"}, {"DELETE", "/collections/places/items/163915"},
				{"POST", "/articles"}, {"GET", "/backup"}} {
				r := ts.do(t, req[0], req[1], body, tc.hdr...)
				checkError(t, r, tc.status, tc.code)
				if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s: no WWW-Authenticate", req[0], req[1])
				}
			}
		})
	}
	if r := ts.do(t, "POST", "/collections/events/items", body, "Authorization", "bearer "+testToken); r.status != 201 {
		t.Errorf("lower-case scheme: %d %s", r.status, r.body)
	}
}

func TestCreateEvent(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "POST", "/collections/events/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[36.2,37.2,100]},
		"properties":{"title":" Clashes in Aleppo ","time":"2017-10-12T06:00:00+02:00","tags":["Fighting","fighting"],"source":{"url":"https://x.test","published":"2017-10-12"},"confidence":0.5}}`, auth...)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	id, _ := m["id"].(string)
	if id == "" || r.header.Get("Location") != ts.URL()+"/collections/events/items/"+id {
		t.Errorf("id %q Location %q", id, r.header.Get("Location"))
	}
	e := ts.events.events[id]
	if e.Title != "Clashes in Aleppo" || !e.Time.Equal(day("2017-10-12T04:00:00Z")) || !slices.Equal(e.Tags, []string{"fighting"}) || e.Confidence != 0.5 ||
		e.Point != (orb.Point{36.2, 37.2}) || !e.Source.Published.Equal(day("2017-10-12T00:00:00Z")) {
		t.Errorf("stored %+v", e)
	}
	if got := ts.items(t, "/collections/events/items?q=aleppo").ids(); !slices.Equal(got, []string{id}) {
		t.Errorf("not findable: %v", got)
	}
	// A name instead of a geometry is resolved through the gazetteer.
	for _, place := range []string{`"Raqqa"`, `{"name":"raqqa"}`, `{"id":163915}`} {
		r = ts.do(t, "POST", "/collections/events/items", `{"type":"Feature","geometry":null,"properties":{"title":"Exit talks","time":"2017-10-11T00:00:00Z","place":`+place+`}}`, auth...)
		if r.status != 201 {
			t.Fatalf("place %s: %d %s", place, r.status, r.body)
		}
		e = ts.events.events[r.json(t)["id"].(string)]
		if e.Point != (orb.Point{39.00877, 35.95283}) || e.Place != (geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: "city"}) {
			t.Errorf("place %s: located %+v %+v", place, e.Point, e.Place)
		}
	}
	// An explicit id that exists is a conflict.
	r = ts.do(t, "POST", "/collections/events/items", `{"type":"Feature","id":"raqqa","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, auth...)
	checkError(t, r, 409, geo.ECONFLICT)
	// A FeatureCollection is stored whole.
	r = ts.do(t, "POST", "/collections/events/items", `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"b1","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"one","time":"2020-01-01T00:00:00Z"}},
		{"type":"Feature","id":"b2","geometry":null,"properties":{"title":"two","time":"2020-01-01T00:00:00Z","place":"Kobani"}}]}`, auth...)
	if r.status != 201 || r.json(t)["numberCreated"] != 2.0 {
		t.Fatalf("collection: %d %s", r.status, r.body)
	}
	// …or not at all.
	before := len(ts.events.events)
	r = ts.do(t, "POST", "/collections/events/items", `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"c1","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"one","time":"2020-01-01T00:00:00Z"}},
		{"type":"Feature","id":"c2","geometry":null,"properties":{"title":"two","time":"2020-01-01T00:00:00Z","place":"Atlantis"}}]}`, auth...)
	checkError(t, r, 400, geo.EINVALID)
	if !strings.Contains(string(r.body), "features[1]:") || len(ts.events.events) != before {
		t.Errorf("partial batch: %s, %d events", r.body, len(ts.events.events)-before)
	}
}

func TestCreateEventErrors(t *testing.T) {
	ts := newTestServer(t)
	pt := `"geometry":{"type":"Point","coordinates":[1,2]}`
	for _, tc := range []struct {
		name, body, contains string
	}{
		{"not json", `{"type":`, "JSON is complete"},
		{"not json at all", `{"type":x}`, "not valid JSON at byte"},
		{"array", `[]`, "body: expected a GeoJSON Feature object, got an array"},
		{"title a number", `{"type":"Feature",` + pt + `,"properties":{"title":5,"time":"2020-01-01T00:00:00Z"}}`, "properties.title: expected a string, got a number"},
		{"trailing data", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}} {}`, "after its end"},
		{"wrong type", `{"type":"Point","coordinates":[1,2]}`, "want Feature"},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, "no features"},
		{"polygon", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, "Points"},
		{"one coordinate", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, "2 coordinates"},
		{"latitude", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,91]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, "latitude"},
		{"no properties", `{"type":"Feature",` + pt + `}`, "properties"},
		{"no time", `{"type":"Feature",` + pt + `,"properties":{"title":"x"}}`, "time is missing"},
		{"bad time", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"yesterday"}}`, "RFC 3339"},
		{"no title", `{"type":"Feature",` + pt + `,"properties":{"time":"2020-01-01T00:00:00Z"}}`, "title"},
		{"unknown property", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","colour":"red"}}`, "colour"},
		{"tags not strings", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","tags":[1]}}`, "tags"},
		{"confidence", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","confidence":2}}`, "confidence"},
		{"precision", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","place":{"name":"a","precision":"galaxy"}}}`, "precision"},
		{"bad id", `{"type":"Feature","id":{},` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, "id"},
		{"no geometry no place", `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`, "properties.place"},
		{"unknown place", `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","place":"Atlantis"}}`, `Atlantis\" is not in the gazetteer`},
		{"unknown place id", `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","place":{"id":5}}}`, "place id 5"},
		{"too many tags", `{"type":"Feature",` + pt + `,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","tags":["` + strings.Repeat(`a","`, 40) + `b"]}}`, "tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, "POST", "/collections/events/items", tc.body, auth...)
			checkError(t, r, 400, geo.EINVALID)
			if !strings.Contains(string(r.body), tc.contains) {
				t.Errorf("message %s does not mention %q", r.body, tc.contains)
			}
		})
	}
	feature := `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/xml", "", "garbage/"} {
		checkError(t, ts.do(t, "POST", "/collections/events/items", feature, append(auth, "Content-Type", ct)...), 415, geo.EUNSUPPORTED)
	}
	if r := ts.do(t, "POST", "/collections/events/items", feature, append(auth, "Content-Type", "application/json; charset=utf-8")...); r.status != 201 {
		t.Errorf("application/json: %d %s", r.status, r.body)
	}
	big := `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"` + strings.Repeat("x", MaxFeatureBody) + `","time":"2020-01-01T00:00:00Z"}}`
	checkError(t, ts.do(t, "POST", "/collections/events/items", big, auth...), 413, geo.ETOOLARGE)
	// Chunked (no Content-Length) bodies hit the same limit.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ts.URL()+"/collections/events/items", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Errorf("chunked big body: %d", res.StatusCode)
	}
}

func TestReplaceAndDeleteEvent(t *testing.T) {
	ts := newTestServer(t)
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[39.1,35.9]},"properties":{"title":"Exit agreed","time":"2017-10-14T00:00:00Z","tags":["civilians"]}}`
	r := ts.do(t, "PUT", "/collections/events/items/raqqa", body, auth...)
	if r.status != 200 || r.json(t)["properties"].(map[string]any)["title"] != "Exit agreed" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if e := ts.events.events["raqqa"]; e.Title != "Exit agreed" || e.Point != (orb.Point{39.1, 35.9}) {
		t.Errorf("stored %+v", e)
	}
	checkError(t, ts.do(t, "PUT", "/collections/events/items/nope", body, auth...), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "PUT", "/collections/events/items/raqqa", strings.Replace(body, `"Feature",`, `"Feature","id":"other",`, 1), auth...), 400, geo.EINVALID)
	checkError(t, ts.do(t, "PUT", "/collections/events/items/raqqa", `{"type":"FeatureCollection","features":[`+body+`,`+body+`]}`, auth...), 400, geo.EINVALID)
	if r := ts.do(t, "DELETE", "/collections/events/items/raqqa", nil, auth...); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "GET", "/collections/events/items/raqqa", nil), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "DELETE", "/collections/events/items/raqqa", nil, auth...), 404, geo.ENOTFOUND)
}

func TestPlaces(t *testing.T) {
	ts := newTestServer(t)
	f := ts.items(t, "/collections/places/items?q=Kobane")
	if got := f.ids(); !slices.Equal(got, []string{"170583"}) {
		t.Fatalf("q=Kobane: %v", got)
	}
	p := f.Features[0].Properties
	if p["name"] != "‘Ayn al ‘Arab" || p["country"] != "SY" || p["feature_code"] != "PPL" || p["population"] != 44821.0 || p["source"] != "geonames" || len(p["alternate_names"].([]any)) != 2 {
		t.Errorf("properties %v", p)
	}
	ts.items(t, "/collections/places/items?bbox=38,35,40,37&limit=5&q=raqqa")
	if l := ts.places.last; l.BBox == nil || l.Limit != 5 || l.Q != "raqqa" {
		t.Errorf("filter %+v", l)
	}
	if r := ts.do(t, "GET", "/collections/places/items/163915", nil); r.status != 200 || r.json(t)["id"] != 163915.0 {
		t.Errorf("item: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "GET", "/collections/places/items/1", nil), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "GET", "/collections/places/items/abc", nil), 404, geo.ENOTFOUND)

	// A new entry is usable at once, for events located by name.
	r := ts.do(t, "POST", "/collections/places/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.5,35.5]},
		"properties":{"name":"Raqa Camp","alternate_names":["Ain Issa camp"],"kind":"camp","country":"sy"}}`, auth...)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	id := int64(m["id"].(float64))
	props := m["properties"].(map[string]any)
	if props["source"] != "user" || props["feature_code"] != "CMP" || props["country"] != "SY" || r.header.Get("Location") == "" {
		t.Errorf("created %v", m)
	}
	r = ts.do(t, "POST", "/collections/events/items", `{"type":"Feature","geometry":null,"properties":{"title":"Arrivals","time":"2017-10-12T00:00:00Z","place":"Ain Issa camp"}}`, auth...)
	if r.status != 201 || ts.events.events[r.json(t)["id"].(string)].Place.ID != id {
		t.Errorf("event at new place: %d %s", r.status, r.body)
	}
	path := "/collections/places/items/" + jsonNum(float64(id))
	r = ts.do(t, "PUT", path, `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.6,35.6]},"properties":{"name":"Ain Issa","feature_code":"CMP","source":"geonames"}}`, auth...)
	if r.status != 200 || ts.places.places[id].Name != "Ain Issa" || ts.places.places[id].Source != "user" || ts.places.places[id].FeatureClass != "S" {
		t.Errorf("replace: %d %s %+v", r.status, r.body, ts.places.places[id])
	}
	for _, tc := range []struct{ name, body string }{
		{"no name", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`},
		{"no geometry", `{"type":"Feature","geometry":null,"properties":{"name":"x"}}`},
		{"bad kind", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x","kind":"spaceport"}}`},
		{"bad country", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x","country":"Syria"}}`},
		{"unknown property", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x","elevation":3}}`},
		{"negative population", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x","population":-1}}`},
		{"bad id", `{"type":"Feature","id":"abc","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x"}}`},
		{"collection", `{"type":"FeatureCollection","features":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkError(t, ts.do(t, "POST", "/collections/places/items", tc.body, auth...), 400, geo.EINVALID)
		})
	}
	checkError(t, ts.do(t, "POST", "/collections/places/items", `{"type":"Feature","id":163915,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x"}}`, auth...), 409, geo.ECONFLICT)
	checkError(t, ts.do(t, "PUT", "/collections/places/items/163915", `{"type":"Feature","id":5,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x"}}`, auth...), 400, geo.EINVALID)
	checkError(t, ts.do(t, "PUT", "/collections/places/items/5", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"x"}}`, auth...), 404, geo.ENOTFOUND)
	if r := ts.do(t, "DELETE", path, nil, auth...); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "DELETE", path, nil, auth...), 404, geo.ENOTFOUND)
}

func TestArticles(t *testing.T) {
	ts := newTestServer(t)
	article := map[string]string{"title": "Exit talks", "url": "https://example.org/raqa", "published": "2017-10-11T09:00:00Z",
		"text": "Talks in Kobani on an exit from Ar Raqqah, not Atlantis."}
	before := len(ts.events.events)
	r := ts.do(t, "POST", "/articles?dry_run=1", article, append(auth, "Content-Type", "application/json")...)
	if r.status != 200 {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	var f fc
	json.Unmarshal(r.body, &f)
	if len(f.Features) != 2 || len(ts.events.events) != before {
		t.Errorf("dry run: %d features, stored %d", len(f.Features), len(ts.events.events)-before)
	}
	var withMentions struct {
		DryRun   bool `json:"dryRun"`
		Mentions []struct {
			Text   string
			Reason string
			Place  *struct {
				ID          int64
				Coordinates []float64
			}
		}
	}
	json.Unmarshal(r.body, &withMentions)
	if ms := withMentions.Mentions; !withMentions.DryRun || len(ms) != 3 || ms[1].Text != "Atlantis" || ms[1].Place != nil || ms[0].Place == nil || ms[0].Place.ID != 163915 ||
		!slices.Equal(ms[0].Place.Coordinates, []float64{39.00877, 35.95283}) || ms[0].Reason == "" {
		t.Errorf("mentions %+v", withMentions)
	}
	r = ts.do(t, "POST", "/articles", article, append(auth, "Content-Type", "application/json")...)
	if r.status != 201 || r.json(t)["numberCreated"] != 2.0 || len(ts.events.events) != before+2 {
		t.Fatalf("store: %d %s", r.status, r.body)
	}
	json.Unmarshal(r.body, &f)
	for _, ft := range f.Features {
		if id, _ := ft.ID.(string); id == "" || ts.events.events[id] == nil {
			t.Errorf("returned id %v not stored", ft.ID)
		}
	}
	if r := ts.do(t, "POST", "/articles?dry_run=true", "Fighting in Kobani.", append(auth, "Content-Type", "text/plain; charset=utf-8")...); r.status != 200 || !bytes.Contains(r.body, []byte("170583")) || bytes.Contains(r.body, []byte(`"id":""`)) {
		t.Errorf("text/plain: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name, query, body, ct string
		status                int
	}{
		{"empty text", "", `{"text":"  "}`, "application/json", 400},
		{"no text", "", `{"title":"x"}`, "application/json", 400},
		{"unknown field", "", `{"text":"x","author":"y"}`, "application/json", 400},
		{"bad published", "", `{"text":"x","published":"last week"}`, "application/json", 400},
		{"bad dry_run", "?dry_run=maybe", `{"text":"x"}`, "application/json", 400},
		{"unknown param", "?force=1", `{"text":"x"}`, "application/json", 400},
		{"invalid utf-8", "", "\xff\xfe", "text/plain", 400},
		{"geojson", "", `{"text":"x"}`, "application/geo+json", 415},
		{"too large", "", `{"text":"` + strings.Repeat("x", MaxArticleBody) + `"}`, "application/json", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkError(t, ts.do(t, "POST", "/articles"+tc.query, tc.body, append(auth, "Content-Type", tc.ct)...), tc.status, "")
		})
	}
	// A feature-sized limit does not apply to articles: 200 KiB of text
	// written as \u escapes is a 1.2 MiB body.
	var esc strings.Builder
	for _, r := range "Kobani. " {
		fmt.Fprintf(&esc, `\u%04x`, r)
	}
	long := `{"text":"` + strings.Repeat(esc.String(), 200<<10/8) + `"}`
	if r := ts.do(t, "POST", "/articles?dry_run=1", long, append(auth, "Content-Type", "application/json")...); r.status != 200 || len(long) <= MaxFeatureBody {
		t.Errorf("%d KiB article: %d", len(long)>>10, r.status)
	}
	// A longer text is refused at once, before any geoparsing.
	r = ts.do(t, "POST", "/articles?dry_run=1", strings.Repeat("Kobani ", MaxArticleText/7+1), append(auth, "Content-Type", "text/plain")...)
	checkError(t, r, 413, geo.ETOOLARGE)
	if !strings.Contains(string(r.body), "split the article") {
		t.Errorf("413 without advice: %s", r.body)
	}
}

func TestBackup(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/backup", nil, auth...)
	if r.status != 200 || string(r.body) != "BOLTDB-COPY" || r.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "geonews-20261125T040000Z.db") {
		t.Errorf("%d %q %v", r.status, r.body, r.header)
	}
	checkError(t, ts.do(t, "GET", "/backup?x=1", nil, auth...), 400, geo.EINVALID)
	if got, want := r.header.Get("Content-Length"), "11"; got != want {
		t.Errorf("Content-Length %q, want %q", got, want)
	}
}

// TestBackupStalledClient: a client that stops reading is cut off after
// BackupStall, and the copy is freed.
func TestBackupStalledClient(t *testing.T) {
	closed := make(chan struct{})
	// 64 MB: more than the loopback socket buffers hold.
	ts := newTestServer(t, func(c *Config) {
		c.Backup, c.BackupStall = fakeBackup{repeat: 64 << 20 / 11, closed: closed}, 200*time.Millisecond
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", testToken)
	if _, err := conn.Read(make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case <-closed:
		t.Logf("stalled client cut off after %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("a client that reads nothing still holds the backup after 10 s")
	}
}

// TestErrors covers Echo's own errors and unexpected ones: all in the JSON
// shape, and no internal detail in a 500.
func TestErrors(t *testing.T) {
	ts := newTestServer(t)
	checkError(t, ts.do(t, "GET", "/collections/events/items/raqqa/extra", nil), 404, geo.ENOTFOUND)
	r := ts.do(t, "PATCH", "/collections/events/items/raqqa", "{}", auth...)
	checkError(t, r, 405, "method_not_allowed")
	if !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Errorf("405 without Allow: %v", r.header)
	}
	checkError(t, ts.do(t, "POST", "/collections", "{}", auth...), 405, "")

	ts.events.err = errors.New("bolt: disk on fire at /var/secret/path")
	r = ts.do(t, "GET", "/collections/events/items", nil)
	checkError(t, r, 500, geo.EINTERNAL)
	if bytes.Contains(r.body, []byte("secret")) || !bytes.Contains(r.body, []byte("internal error")) {
		t.Errorf("500 leaks details: %s", r.body)
	}
	ts.events.err = geo.Errorf(geo.EUNAVAILABLE, "database busy")
	checkError(t, ts.do(t, "GET", "/collections/events/items", nil), 503, geo.EUNAVAILABLE)
	ts.events.err = nil

	none := newTestServer(t, func(c *Config) { c.Events, c.Articles, c.Backup = nil, nil, nil })
	checkError(t, none.do(t, "GET", "/collections/events/items", nil), 503, geo.EUNAVAILABLE)
	checkError(t, none.do(t, "GET", "/backup", nil, auth...), 503, geo.EUNAVAILABLE)
	checkError(t, none.do(t, "POST", "/articles", `{"text":"x"}`, append(auth, "Content-Type", "application/json")...), 503, geo.EUNAVAILABLE)

	if _, err := New(Config{}); err == nil {
		t.Error("New without a token succeeded")
	}
	if got := ErrorStatus("made_up"); got != 500 {
		t.Errorf("unknown code → %d", got)
	}
}

func TestHeaders(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "GET", "/collections/events/items", nil, "Origin", "https://elsewhere.example")
	if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", r.header)
	}
	r = ts.do(t, "DELETE", "/collections/events/items/raqqa", nil, auth...)
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS on a write")
	}
}

// TestNoServerErrorsForClientInput throws odd requests at every route: none
// may answer 5xx.
func TestNoServerErrorsForClientInput(t *testing.T) {
	ts := newTestServer(t)
	paths := []string{"/", "/api", "/conformance", "/collections", "/collections/events", "/collections/places", "/collections/events/items",
		"/collections/places/items", "/collections/events/items/raqqa", "/collections/places/items/163915", "/articles", "/backup",
		"/collections/%00", "/collections/events/items/%ff%fe", "/collections/places/items/-1", "/collections/places/items/99999999999999999999999"}
	queries := []string{"", "?bbox=%00", "?limit=%ff", "?datetime=%", "?tags=%e2%80", "?q=%00%00", "?f=", "?cursor=%ff"}
	bodies := []string{"", "null", "{}", "[]", `{"type":"Feature"}`, `{"type":"Feature","geometry":{},"properties":null}`, `{"type":"FeatureCollection","features":[null]}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,0]},"properties":{}}`, "\x00\xff", `{"text":null}`, `{"type":"Feature","properties":{"place":[]}}`,
		`{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","place":{"id":-1}}}`}
	for _, p := range paths {
		for _, q := range queries {
			for _, m := range []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"} {
				bs := []string{""}
				if m == "POST" || m == "PUT" {
					bs = bodies
				}
				for _, b := range bs {
					for _, ct := range []string{"application/json", "text/plain"} {
						r := ts.do(t, m, p+q, b, append(auth, "Content-Type", ct)...)
						if r.status >= 500 {
							t.Errorf("%s %s%s %q: %d %s", m, p, q, b, r.status, r.body)
						}
					}
				}
			}
		}
	}
}

func manyTags(n int) string {
	var tags []string
	for i := range n {
		tags = append(tags, "t"+jsonNum(float64(i)))
	}
	return strings.Join(tags, ",")
}

// extentEvents adds EventExtenter to the fake.
type extentEvents struct{ *fakeEvents }

func (extentEvents) EventExtent(ctx context.Context) (geo.BBox, geo.Interval, bool, error) {
	return geo.BBox{West: -179.5, South: -17, East: 179.5, North: 48.85}, geo.Interval{Start: day("2016-01-01T12:00:00Z")}, true, nil
}

func TestCollectionExtent(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.do(t, "GET", "/collections/events", nil); bytes.Contains(r.body, []byte(`"extent"`)) {
		t.Errorf("extent without an EventExtenter: %s", r.body)
	}
	ex := newTestServer(t, func(c *Config) { c.Events = extentEvents{newFakeEvents()} })
	var info struct {
		Extent struct {
			Spatial  struct{ BBox [][]float64 }
			Temporal struct{ Interval [][]*string }
		}
	}
	r := ex.do(t, "GET", "/collections/events", nil)
	if err := json.Unmarshal(r.body, &info); err != nil {
		t.Fatal(err)
	}
	if b := info.Extent.Spatial.BBox; len(b) != 1 || !slices.Equal(b[0], []float64{-179.5, -17, 179.5, 48.85}) {
		t.Errorf("bbox %v", b)
	}
	if iv := info.Extent.Temporal.Interval; len(iv) != 1 || iv[0][0] == nil || *iv[0][0] != "2016-01-01T12:00:00Z" || iv[0][1] != nil {
		t.Errorf("interval %v", iv)
	}
}

// panicEvents panics on every read, as a bug would.
type panicEvents struct{ *fakeEvents }

func (panicEvents) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	panic("index out of range at /secret/path")
}

func TestPanicAndRequestLog(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	ts := newTestServer(t, func(c *Config) {
		c.Events = panicEvents{newFakeEvents()}
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	r := ts.do(t, "GET", "/collections/events/items?bbox=1,2,3,4", nil)
	checkError(t, r, 500, geo.EINTERNAL)
	if bytes.Contains(r.body, []byte("secret")) {
		t.Errorf("panic details reach the client: %s", r.body)
	}
	ts.do(t, "GET", "/?token=hunter2", nil)
	mu.Lock()
	defer mu.Unlock()
	log := logs.String()
	for _, want := range []string{"/secret/path", "status=500", "duration=", `query="bbox=1,2,3,4"`, "token=REDACTED"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "hunter2") {
		t.Errorf("token logged:\n%s", log)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestLargePage checks a page that is streamed in several writes.
func TestLargePage(t *testing.T) {
	ts := newTestServer(t)
	var evs []*geo.Event
	for i := range 3000 {
		evs = append(evs, &geo.Event{Point: orb.Point{float64(i%360) - 179.5, float64(i%170) - 85}, Time: day("2020-01-01T00:00:00Z").Add(time.Duration(i) * time.Second),
			Title: strings.Repeat("long title ", 10), Tags: []string{"bulk"}, Confidence: 1})
	}
	if _, err := ts.events.CreateEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	f := ts.items(t, "/collections/events/items?tags=bulk&limit=5000")
	if len(f.Features) != 3000 || *f.NumberMatched != 3000 || f.link("next") != "" {
		t.Errorf("%d features, matched %v", len(f.Features), *f.NumberMatched)
	}
}

// blockingEvents waits for the client to give up.
type blockingEvents struct{ *fakeEvents }

func (blockingEvents) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestClientGone(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	ts := newTestServer(t, func(c *Config) {
		c.Events = blockingEvents{newFakeEvents()}
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL()+"/collections/events/items", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request did not time out")
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		log := logs.String()
		mu.Unlock()
		if strings.Contains(log, "status=499") {
			if strings.Contains(log, "level=ERROR") {
				t.Errorf("a client hanging up is logged as an error:\n%s", log)
			}
			return
		}
	}
	t.Errorf("no status=499 request log")
}
