package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// ogcServer is the real server over a real store and gazetteer in a temp
// bbolt file, listening on 127.0.0.1:0.
type ogcServer struct {
	*server.Server
	store *store.Store
	gaz   *gazetteer.Gazetteer
}

// gazService is the gazetteer as the server takes it (cmd/geonews wires
// the same; ResolvePlace is not used here).
type gazService struct{ *gazetteer.Gazetteer }

func (gazService) ResolvePlace(context.Context, string) (*geo.Place, error) {
	return nil, geo.Errorf(geo.ENOTFOUND, "not used")
}

const ogcToken = "ogc-token"

func newOGCServer(t testing.TB, mod ...func(*server.Config)) *ogcServer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "ogc.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		db.Close()
	})
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	gaz, err := gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Events: st, Places: gazService{gaz}, Token: ogcToken, Version: "test"}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return &ogcServer{s, st, gaz}
}

type ogcReply struct {
	status int
	header http.Header
	body   []byte
}

func (s *ogcServer) get(t testing.TB, path string, hdr ...string) ogcReply {
	t.Helper()
	return s.req(t, "GET", path, hdr...)
}

func (s *ogcServer) req(t testing.TB, method, path string, hdr ...string) ogcReply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
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
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return ogcReply{res.StatusCode, res.Header, b}
}

// matched returns numberMatched of an items request (-1 when absent) and
// the number of features on the page.
func (s *ogcServer) matched(t testing.TB, query string) (matched, returned int, next string) {
	t.Helper()
	r := s.get(t, "/collections/events/items?"+query)
	if r.status != 200 {
		t.Fatalf("items?%s: %d %s", query, r.status, r.body)
	}
	var fc struct {
		NumberMatched *int `json:"numberMatched"`
		Features      []json.RawMessage
		Links         []struct{ Href, Rel string }
	}
	if err := json.Unmarshal(r.body, &fc); err != nil {
		t.Fatal(err)
	}
	matched = -1
	if fc.NumberMatched != nil {
		matched = *fc.NumberMatched
	}
	for _, l := range fc.Links {
		if l.Rel == "next" {
			next = l.Href
		}
	}
	return matched, len(fc.Features), next
}

// exportEvents are events with text that CSV and XML must quote or escape.
func exportEvents() []*geo.Event {
	t0 := time.Date(2017, 10, 11, 10, 0, 0, 0, time.UTC)
	return []*geo.Event{
		{ID: "raqqa", Point: orb.Point{39.0, 35.95}, Time: t0, TimePrecision: geo.TimeDay, Type: "battle", SubType: "armed clash",
			Actor1: "SDF", Actor2: "IS", Tags: []string{"battle", "airstrike"}, Title: `Strikes on Raqa, "again"`,
			Place:   geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: geo.PrecisionCity},
			Source:  geo.Source{URL: "https://example.org/a?x=1&y=2", Title: "AFP"},
			Excerpt: "Air strikes hit Raqa,\nsaid <the> monitor & others.", Confidence: 0.9},
		{ID: "formula", Point: orb.Point{38.35, 36.89}, Time: t0.AddDate(0, -1, 0), TimePrecision: geo.TimeMonth, Tags: []string{"airstrike"},
			Title: "=HYPERLINK(\"http://evil\")", Place: geo.EventPlace{Name: "-Kobani"}, Confidence: 0.5},
		{ID: "paris", Point: orb.Point{2.35, 48.85}, Time: t0.AddDate(-1, 0, 0), Tags: []string{"protest"}, Title: "March in Paris", Confidence: 1},
	}
}

// seedExport stores exportEvents and the gazetteer entry they name, with
// its first-level region.
func (s *ogcServer) seedExport(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if err := s.gaz.CreatePlace(ctx, &geo.Place{ID: 163915, Name: "Ar Raqqah", Point: orb.Point{39.00877, 35.95283}, Country: "SY", Admin1: "04",
		FeatureClass: "P", FeatureCode: "PPLA", Source: geo.SourceGeoNames}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.gaz.ImportAdmin1(ctx, strings.NewReader("SY.04\tAr-Raqqah\tAr-Raqqah\t163806\n"), gazetteer.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CreateEvents(ctx, exportEvents()); err != nil {
		t.Fatal(err)
	}
}

func TestExportCSV(t *testing.T) {
	s := newOGCServer(t)
	s.seedExport(t)
	r := s.get(t, "/collections/events/items?f=csv&tags=airstrike")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.body)
	}
	want := []string{"event_id", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
		"country", "iso", "admin1", "location", "latitude", "longitude", "geo_precision", "source", "notes"}
	if got := rows[0][:len(want)]; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("header %v, want ACLED's columns %v first", rows[0], want)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 2 events and the header:\n%s", len(rows), r.body)
	}
	raqqa := rows[1]
	for k, v := range map[string]string{
		"event_id": "raqqa", "event_date": "2017-10-11", "time_precision": "day", "event_type": "battle", "sub_event_type": "armed clash",
		"actor1": "SDF", "actor2": "IS", "country": "Syria", "iso": "SY", "admin1": "Ar-Raqqah", "location": "Ar Raqqah",
		"latitude": "35.95", "longitude": "39", "geo_precision": "city", "source": "https://example.org/a?x=1&y=2",
		"notes": "Air strikes hit Raqa,\nsaid <the> monitor & others.", "title": `Strikes on Raqa, "again"`, "tags": "battle;airstrike",
	} {
		if got := raqqa[col[k]]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	formula := rows[2]
	if got := formula[col["title"]]; got != `'=HYPERLINK("http://evil")` {
		t.Errorf("a formula is not defused: %q", got)
	}
	if got := formula[col["location"]]; got != "'-Kobani" {
		t.Errorf("location %q", got)
	}
	if got := formula[col["time_precision"]] + " " + formula[col["event_date"]]; got != "month 2017-09-01" {
		t.Errorf("month event: %q", got)
	}
	if got := formula[col["country"]]; got != "" {
		t.Errorf("an event with no gazetteer place has country %q", got)
	}
}

func TestExportKML(t *testing.T) {
	s := newOGCServer(t)
	s.seedExport(t)
	r := s.get(t, "/collections/events/items?f=kml")
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.google-earth.kml+xml" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	var doc struct {
		XMLName    xml.Name `xml:"http://www.opengis.net/kml/2.2 kml"`
		Placemarks []struct {
			Name        string `xml:"name"`
			When        string `xml:"TimeStamp>when"`
			Description string `xml:"description"`
			Data        []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value"`
			} `xml:"ExtendedData>Data"`
			Coordinates string `xml:"Point>coordinates"`
		} `xml:"Document>Placemark"`
	}
	dec := xml.NewDecoder(bytes.NewReader(r.body))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not KML: %v\n%s", err, r.body)
	}
	if len(doc.Placemarks) != 3 {
		t.Fatalf("%d placemarks, want 3", len(doc.Placemarks))
	}
	p := doc.Placemarks[0]
	if p.Name != `Strikes on Raqa, "again"` || p.Description != "Air strikes hit Raqa,\nsaid <the> monitor & others." ||
		p.When != "2017-10-11" || p.Coordinates != "39,35.95" {
		t.Errorf("placemark %+v", p)
	}
	found := false
	for _, d := range p.Data {
		if d.Name == "source_url" && d.Value == "https://example.org/a?x=1&y=2" {
			found = true
		}
	}
	if !found {
		t.Errorf("no source_url data: %+v", p.Data)
	}
	if got := doc.Placemarks[1].When + " " + doc.Placemarks[2].When; got != "2017-09 2016-10-11T10:00:00Z" {
		t.Errorf("whens %q", got)
	}
}

// TestExportRowsMatchNumberMatched: an export has as many rows as the
// items' numberMatched for the same filter, across the store's chunks, and
// numberMatched is there whatever the limit (the store once left it out
// when a small page's plan would have walked over 20,000 entries).
func TestExportRowsMatchNumberMatched(t *testing.T) {
	s := newOGCServer(t)
	ctx := context.Background()
	const n = 2*geo.MaxLimit + 5000 // three chunks
	evs := make([]*geo.Event, n)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range evs {
		tag := "protest"
		if i%3 == 0 {
			tag = "airstrike"
		}
		evs[i] = &geo.Event{ID: "e" + strconv.Itoa(i), Point: orb.Point{30 + float64(i%100)/10, 30 + float64(i%70)/10},
			Time: t0.Add(time.Duration(i) * time.Hour), Tags: []string{tag}, Title: "event " + strconv.Itoa(i), Confidence: 1}
	}
	if _, err := s.store.CreateEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "tags=airstrike", "datetime=2020-03-01/2021-12-31", "bbox=30,30,35,35&datetime=2020-03-01/2021-01-31", "tags=airstrike,protest&bbox=31,31,40,40",
		"q=event+12", "tags=airstrike&limit=500"} {
		t.Run(q, func(t *testing.T) {
			matched, _, _ := s.matched(t, q)
			if matched < 0 {
				t.Fatalf("no numberMatched for %q", q)
			}
			if m, _, _ := s.matched(t, strings.Replace(q, "limit=500", "", 1)+"&limit=1"); m != matched {
				t.Errorf("numberMatched %d with limit=1, %d without", m, matched)
			}
			r := s.get(t, "/collections/events/items?f=csv&"+q)
			rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			if r.status != 200 || err != nil {
				t.Fatalf("%d %v", r.status, err)
			}
			want := matched
			if strings.Contains(q, "limit=500") {
				want = 500 // limit caps an export
			}
			if got := len(rows) - 1; got != want {
				t.Errorf("CSV has %d rows, numberMatched %d", got, matched)
			}
			seen := map[string]bool{}
			for _, row := range rows[1:] {
				if seen[row[0]] {
					t.Fatalf("event %s exported twice", row[0])
				}
				seen[row[0]] = true
			}
		})
	}
}

// TestNumberMatchedRule: numberMatched is the same for a filter whatever
// the limit and cursor, and it is the number of features paging yields.
func TestNumberMatchedRule(t *testing.T) {
	s := newOGCServer(t)
	s.seedExport(t)
	ctx := context.Background()
	var evs []*geo.Event
	for i := range 300 {
		evs = append(evs, &geo.Event{ID: fmt.Sprintf("x%03d", i), Point: orb.Point{float64(i%360) - 179.5, float64(i%170) - 85},
			Time: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 24 * time.Hour), Tags: []string{[]string{"a", "b", "c"}[i%3]}, Title: "x", Confidence: 1})
	}
	if _, err := s.store.CreateEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"", "tags=a", "tags=a,b", "bbox=-20,-40,60,40", "datetime=2019-03-01/2019-06-30", "bbox=-180,-90,0,90&tags=c&datetime=2019-01-01/..",
		"bbox=170,-90,-170,90", "q=raqa", "tags=nomatch"} {
		t.Run(f, func(t *testing.T) {
			first := -2
			for _, limit := range []int{1, 7, 100, 10000} {
				m, _, next := s.matched(t, f+"&limit="+strconv.Itoa(limit))
				if first == -2 {
					first = m
				}
				if m != first {
					t.Errorf("limit=%d: numberMatched %d, with limit=1 %d", limit, m, first)
				}
				if next != "" {
					u, _ := url.Parse(next)
					m2, _, _ := s.matched(t, u.RawQuery)
					if m2 != first {
						t.Errorf("next page of limit=%d: numberMatched %d, want %d", limit, m2, first)
					}
				}
			}
			if first < 0 {
				t.Fatalf("no numberMatched")
			}
			total, query := 0, f+"&limit=13"
			for query != "" {
				_, got, next := s.matched(t, query)
				total += got
				query = ""
				if next != "" {
					u, _ := url.Parse(next)
					query = u.RawQuery
				}
			}
			if total != first {
				t.Errorf("paging yields %d features, numberMatched %d", total, first)
			}
		})
	}
}

// TestMetadataIgnoresUnknownParameters: GDAL's OAPIF:URL?tags=… sends the
// URL's parameters to the metadata endpoints too; items still checks them.
func TestMetadataIgnoresUnknownParameters(t *testing.T) {
	s := newOGCServer(t)
	for _, p := range []string{"/?tags=airstrike", "/conformance?tags=airstrike&x=1", "/api?tags=airstrike", "/collections?tags=airstrike",
		"/collections/events?tags=airstrike&foo=bar", "/collections/places?q=x"} {
		if r := s.get(t, p); r.status != 200 || !json.Valid(r.body) {
			t.Errorf("%s: %d %.200s", p, r.status, r.body)
		}
	}
	for _, p := range []string{"/collections/events/items?foo=1", "/collections/places/items?tags=a", "/collections/events/items?f=xml", "/collections?f=xml"} {
		if r := s.get(t, p); r.status != 400 {
			t.Errorf("%s: %d, want 400", p, r.status)
		}
	}
}

// TestPlacesExtent: the places collection declares the gazetteer's box,
// and a place added over HTTP widens it at once.
func TestPlacesExtent(t *testing.T) {
	s := newOGCServer(t)
	s.seedExport(t)
	extent := func() []float64 {
		var info struct {
			Extent struct{ Spatial struct{ BBox [][]float64 } }
		}
		r := s.get(t, "/collections/places")
		if err := json.Unmarshal(r.body, &info); err != nil || r.status != 200 || len(info.Extent.Spatial.BBox) != 1 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		return info.Extent.Spatial.BBox[0]
	}
	if got := fmt.Sprint(extent()); got != "[39.00877 35.95283 39.00877 35.95283]" {
		t.Errorf("extent %s", got)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/collections/places/items", strings.NewReader(
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-70.5,-33.4]},"properties":{"name":"Santiago test","kind":"city","country":"CL"}}`))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+ogcToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("post place: %v %v", err, res.Status)
	}
	res.Body.Close()
	if got := fmt.Sprint(extent()); got != "[-70.5 -33.4 39.00877 35.95283]" {
		t.Errorf("extent after a new place %s", got)
	}
}

// TestHTMLPages: every OGC resource has a page for browsers, linked to the
// others, escaping what users wrote, under the page's CSP.
func TestHTMLPages(t *testing.T) {
	s := newOGCServer(t)
	s.seedExport(t)
	if _, err := s.store.CreateEvents(context.Background(), []*geo.Event{{ID: "xss", Point: orb.Point{1, 1}, Time: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC),
		Tags: []string{}, Title: `<script>alert(1)</script>`, Confidence: 1}}); err != nil {
		t.Fatal(err)
	}
	browser := []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/?f=html", []string{`href="` + s.URL() + `/collections"`, `href="` + s.URL() + `/conformance"`}},
		{"/conformance", []string{"ogcapi-features-1/1.0/conf/core"}},
		{"/collections", []string{`href="` + s.URL() + `/collections/events?f=html"`, `href="` + s.URL() + `/collections/places?f=html"`}},
		{"/collections/events?tags=x", []string{`/collections/events/items?f=html"`, `/collections/events/items?f=csv"`, "Extent"}},
		{"/collections/places", []string{"west 39.00877", "GeoNames"}},
		{"/collections/events/items?limit=2", []string{`rel="next"`, "11 Oct 2017", "Ar Raqqah", `/collections/events/items/raqqa?f=html"`, "f=csv", "GeoNames"}},
		{"/collections/events/items?tags=airstrike", []string{"2 matching", "Sep 2017"}},
		{"/collections/events/items/raqqa", []string{"Strikes on Raqa, &#34;again&#34;", `href="https://example.org/a?x=1&amp;y=2"`, "SDF", "11 Oct 2017 <small>(day)"}},
		{"/collections/events/items/paris", []string{"11 Oct 2016 10:00 UTC"}},
		{"/collections/places/items", []string{"Ar Raqqah", "PPLA"}},
		{"/collections/places/items/163915", []string{"Ar Raqqah", "SY"}},
		{"/collections/events/items?datetime=2018-01-01", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := s.get(t, tc.path, browser...)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q", csp)
			}
			if !strings.Contains(r.header.Get("Vary"), "Accept") {
				t.Errorf("no Vary: Accept")
			}
			for _, w := range tc.want {
				if !bytes.Contains(r.body, []byte(w)) {
					t.Errorf("no %q in\n%s", w, r.body)
				}
			}
			if bytes.Contains(r.body, []byte("<script")) {
				t.Errorf("a script tag in the page")
			}
			// GDAL and scripts still get JSON.
			if r := s.get(t, tc.path, "Accept", "application/geo+json, application/json"); tc.path != "/?f=html" && (r.status != 200 || !json.Valid(r.body)) {
				t.Errorf("JSON: %d %.100s", r.status, r.body)
			}
		})
	}
	if r := s.get(t, "/ogc.css"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("ogc.css: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := s.get(t, "/ogc.js"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Errorf("ogc.js: %d %s", r.status, r.header.Get("Content-Type"))
	}

	// With the map page's Leaflet at hand, items pages get a map of the
	// page's features; tiles bring their attribution.
	web := fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}, "vendor/leaflet/leaflet.js": {Data: []byte("")}}
	m := newOGCServer(t, func(c *server.Config) { c.Web = web; c.Tiles = "https://tile.example/{z}/{x}/{y}.png" })
	r := m.get(t, "/collections/events/items?tags=airstrike&f=html")
	for _, w := range []string{`<div id="ogc-map" data-features="` + m.URL() + `/collections/events/items?f=json&amp;limit=100&amp;tags=airstrike"`,
		`data-tiles="https://tile.example/{z}/{x}/{y}.png"`, `<script src="` + m.URL() + `/ogc.js">`, "OpenStreetMap"} {
		if !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("map page: no %q in\n%s", w, r.body)
		}
	}
	if r := m.get(t, "/collections?f=html"); bytes.Contains(r.body, []byte("<script")) {
		t.Errorf("a page without a map runs a script")
	}
}

func TestCORS(t *testing.T) {
	s := newOGCServer(t, func(c *server.Config) { c.CORSOrigins = []string{"https://App.example.org:443/"} })
	preflight := func(origin, method, headers string) ogcReply {
		return s.req(t, "OPTIONS", "/collections/events/items", "Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers)
	}
	r := preflight("https://app.example.org", "POST", "authorization,content-type")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "DELETE") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Errorf("allowed origin's preflight: %d %v", r.status, r.header)
	}
	r = preflight("https://evil.example", "DELETE", "authorization")
	if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin's write preflight: %d %v", r.status, r.header)
	}
	r = preflight("https://evil.example", "GET", "if-none-match")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "*" || strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("read preflight: %d %v", r.status, r.header)
	}
	if r := s.get(t, "/collections", "Origin", "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("reads are not open: %v", r.header)
	}
	r = s.req(t, "DELETE", "/collections/events/items/nope", "Origin", "https://app.example.org", "Authorization", "Bearer "+ogcToken)
	if r.status != 404 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.org" {
		t.Errorf("allowed origin's write: %d %v", r.status, r.header)
	}
	r = s.req(t, "DELETE", "/collections/events/items/nope", "Origin", "https://evil.example", "Authorization", "Bearer "+ogcToken)
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin's write readable: %v", r.header)
	}
	if _, err := server.New(server.Config{Token: "x", CORSOrigins: []string{"app.example.org"}}); err == nil {
		t.Errorf("an origin without a scheme is taken")
	}
}

// TestRedoclyLint runs Redocly's recommended ruleset on the served /api.
// The only problem it may report is the missing licence, which is the
// project's to choose.
func TestRedoclyLint(t *testing.T) {
	bin, err := filepath.Abs("../node_modules/.bin/redocly")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("../node_modules"); err != nil {
		t.Skip("node_modules is absent (make setup installs @redocly/cli)")
	}
	s := newOGCServer(t)
	r := s.get(t, "/api?f=json&gdal=passes-this")
	if r.status != 200 {
		t.Fatalf("/api: %d %s", r.status, r.body)
	}
	doc := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(doc, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "lint", "--format=json", doc)
	cmd.Dir = t.TempDir() // no redocly.yaml: the recommended ruleset
	// No telemetry, update check or notice: the test stays on loopback.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SDK_TELEMETRY=off", "DO_NOT_TRACK=1",
		"REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "REDOCLY_SUPPRESS_NOTIFICATIONS=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("redocly lint: %v (%v)\n%s\n%s", err, runErr, stdout.String(), stderr.String())
	}
	for _, p := range out.Problems {
		t.Errorf("%s %s: %s", p.Severity, p.RuleID, p.Message)
	}
	if runErr != nil {
		t.Errorf("redocly lint failed: %v\n%s", runErr, stderr.String())
	}
	t.Logf("redocly lint: %d problems (%s)", len(out.Problems), strings.TrimSpace(stdout.String()[:min(200, stdout.Len())]))
}
