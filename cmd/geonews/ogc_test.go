package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// e2eAirstrikes are events tagged airstrike, among the e2e events that are not.
const e2eAirstrikes = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"strike1","geometry":{"type":"Point","coordinates":[39.01,35.96]},"properties":{"title":"Air strikes on Raqa, \"heavy\"","time":"2017-10-12T00:00:00Z","time_precision":"day","type":"explosion","sub_type":"air strike","actor1":"coalition","tags":["explosion","airstrike"],"place":{"name":"Ar Raqqah","precision":"city"},"excerpt":"Strikes hit Raqa, the monitor said.","confidence":0.8}},
{"type":"Feature","id":"strike2","geometry":{"type":"Point","coordinates":[40.14,35.33]},"properties":{"title":"Strike near Deir ez-Zor","time":"2017-09-01T00:00:00Z","time_precision":"month","tags":["airstrike"],"confidence":0.6}},
{"type":"Feature","id":"strike3","geometry":{"type":"Point","coordinates":[36.2,33.5]},"properties":{"title":"Strike <near> Damascus & more","time":"2017-01-01T00:00:00Z","time_precision":"year","tags":["airstrike","civilians"],"confidence":0.5}}]}`

var featureCount = regexp.MustCompile(`Feature Count: (\d+)`)

// TestServeOGCExports is the must-show over the real binary: GDAL
// reads a filtered collection through OAPIF:URL?tags=…, and the CSV, KML
// and GeoJSON exports of that filter have numberMatched rows, as GDAL's
// feature count has.
func TestServeOGCExports(t *testing.T) {
	s := startServe(t, filepath.Join(t.TempDir(), "ogc.db"), nil, "--token", "ogc-token")
	s.token = "ogc-token"
	s.ingest(t)
	if r := s.write(t, "POST", "/collections/events/items", e2eAirstrikes); r.status != 201 {
		t.Fatalf("airstrikes: %d %s", r.status, r.body)
	}
	p := s.items(t, "tags=airstrike")
	if p.NumberMatched == nil || *p.NumberMatched != 3 || len(p.Features) != 3 {
		t.Fatalf("tags=airstrike: numberMatched %v, %d features", p.NumberMatched, len(p.Features))
	}
	matched := *p.NumberMatched

	r := s.do(t, "GET", "/collections/events/items?tags=airstrike&f=csv", "")
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if r.status != 200 || err != nil {
		t.Fatalf("CSV: %d %v %s", r.status, err, r.body)
	}
	if len(rows)-1 != matched || rows[0][0] != "event_id" || rows[1][0] != "strike1" || rows[1][3] != "explosion" {
		t.Errorf("CSV rows %v, numberMatched %d", rows, matched)
	}

	r = s.do(t, "GET", "/collections/events/items?tags=airstrike&f=kml", "")
	var kml struct {
		Placemarks []struct {
			Name string `xml:"name"`
		} `xml:"Document>Placemark"`
	}
	if err := xml.Unmarshal(r.body, &kml); r.status != 200 || err != nil {
		t.Fatalf("KML: %d %v %s", r.status, err, r.body)
	}
	if len(kml.Placemarks) != matched || kml.Placemarks[2].Name != "Strike <near> Damascus & more" {
		t.Errorf("KML placemarks %+v, numberMatched %d", kml.Placemarks, matched)
	}

	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (gdal-bin; make setup installs it)")
	}
	// GDAL sends the URL's parameters to /collections/events and /api as
	// well as to the items: metadata must take them, items must apply them.
	out := gdal(t, "ogrinfo", "-ro", "OAPIF:"+s.url+"/collections/events?tags=airstrike", "-al", "-so")
	if m := featureCount.FindStringSubmatch(out); m == nil || m[1] != strconv.Itoa(matched) {
		t.Errorf("ogrinfo OAPIF:…/collections/events?tags=airstrike:\n%s", out)
	}
	out = gdal(t, "ogr2ogr", "-f", "CSV", "/vsistdout/", "OAPIF:"+s.url+"/collections/events?tags=airstrike")
	if rows, err := csv.NewReader(strings.NewReader(out)).ReadAll(); err != nil || len(rows)-1 != matched {
		t.Errorf("ogr2ogr of the filtered collection: %v\n%s", err, out)
	}
	if strings.Contains(s.log.String(), "status=400") {
		t.Errorf("GDAL got a 400:\n%s", s.log.String())
	}
}

// TestServeFullGazetteer runs ogrinfo -al -so against the full gazetteer,
// as make setup builds it into the default database: the places
// layer's extent comes from the collection and its count from
// numberMatched, so GDAL reads one page instead of paging through 204k
// places. The time is logged, not asserted (BenchmarkOgrinfoFullGazetteer).
func TestServeFullGazetteer(t *testing.T) {
	s, n := serveFullGazetteer(t)
	start := time.Now()
	out := gdal(t, "ogrinfo", "-ro", "OAPIF:"+s.url, "-al", "-so")
	took := time.Since(start)
	places := layerInfo(t, out, "places")
	if m := featureCount.FindStringSubmatch(places); m == nil || m[1] != strconv.Itoa(n) {
		t.Errorf("places feature count, want %d:\n%s", n, places)
	}
	if !regexp.MustCompile(`Extent: \(-1[0-9]{2}\.\d+, -[0-9]{2}\.\d+\) - \(1[0-9]{2}\.\d+, [0-9]{2}\.\d+\)`).MatchString(places) {
		t.Errorf("no world extent:\n%s", places)
	}
	if got := strings.Count(s.log.String(), "path=/collections/places/items "); got > 4 {
		t.Errorf("GDAL read %d pages of places; the extent and count should spare it the paging", got)
	}
	t.Logf("ogrinfo -al -so with %d places: %v", n, took)
}

// serveFullGazetteer serves a copy of the gazetteer make setup builds
// (GeoNames' cities500, as the web tests use) and returns the server and
// its number of places; it skips without ogrinfo or the full data.
func serveFullGazetteer(tb testing.TB) (*served, int) {
	tb.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		tb.Skip("ogrinfo not installed (gdal-bin; make setup installs it)")
	}
	if _, err := os.Stat(citiesFile); err != nil {
		tb.Skip("no GeoNames cities500 (make setup fetches it)")
	}
	s := startServe(tb, copyGazetteer(tb), nil, "--token", "full")
	r := s.do(tb, "GET", "/collections/places/items?limit=1", "")
	var page struct{ NumberMatched int }
	if err := json.Unmarshal(r.body, &page); err != nil || page.NumberMatched < 100000 {
		tb.Fatalf("the gazetteer has %d places (%v); want the full one", page.NumberMatched, err)
	}
	return s, page.NumberMatched
}

// BenchmarkOgrinfoFullGazetteer times `ogrinfo OAPIF:URL -al -so` on the
// full gazetteer, the issue's < 2 s target (it took 11 s and 20,560
// requests before the places collection had an extent). The first pass
// includes the server's one walk of the places for the extent.
func BenchmarkOgrinfoFullGazetteer(b *testing.B) {
	s, _ := serveFullGazetteer(b)
	for b.Loop() {
		gdal(b, "ogrinfo", "-ro", "OAPIF:"+s.url, "-al", "-so")
	}
}

// TestOGCPagesInBrowser opens the OGC HTML pages in headless Chromium:
// the items page draws its features on the offline basemap with the
// embedded Leaflet, popups show titles as text, links lead on, and nothing
// leaves 127.0.0.1 or logs an error.
func TestOGCPagesInBrowser(t *testing.T) {
	b := newBrowser(t, 1200, 900)
	s := startServe(t, filepath.Join(t.TempDir(), "pages.db"), nil, "--token", "pages-token")
	s.token = "pages-token"
	s.ingest(t)
	if r := s.write(t, "POST", "/collections/events/items", e2eAirstrikes); r.status != 201 {
		t.Fatalf("airstrikes: %d %s", r.status, r.body)
	}
	poll := func(expr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s: %v\nproblems: %v\nmap: %s", expr, err, b.problemList(),
				eval[string](t, b, `JSON.stringify((document.getElementById('ogc-map')||{}).dataset||null)`))
		}
	}
	b.do(t, chromedp.Navigate(s.url+"/collections/events/items?tags=airstrike"))
	poll(`document.getElementById('ogc-map') && document.getElementById('ogc-map').dataset.features_drawn === '3'`)
	poll(`document.querySelectorAll('#ogc-map path.leaflet-interactive').length === 3`)
	poll(`document.querySelectorAll('#ogc-map .leaflet-overlay-pane path').length > 100`) // the country outlines
	if got := eval[int](t, b, `document.querySelectorAll('table tbody tr').length`); got != 3 {
		t.Errorf("%d table rows, want 3", got)
	}
	// Each marker's popup holds its title as text, linked to the item's page.
	var popups []string
	for i := range 3 {
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#ogc-map path.leaflet-interactive')[`+strconv.Itoa(i)+`].dispatchEvent(new MouseEvent('click', {bubbles: true}))`))
		poll(`document.querySelector('.leaflet-popup-content a') !== null`)
		popups = append(popups, eval[string](t, b, `document.querySelector('.leaflet-popup-content').innerHTML`))
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('.leaflet-popup-close-button').click()`))
		poll(`document.querySelector('.leaflet-popup-content') === null`)
	}
	all := strings.Join(popups, "\n")
	if !strings.Contains(all, `/collections/events/items/strike3?f=html">Strike &lt;near&gt; Damascus &amp; more</a>`) || strings.Contains(all, "<near>") {
		t.Errorf("popups:\n%s", all)
	}
	// From the table to an item, and up to the collections.
	b.do(t, chromedp.Navigate(s.url+"/collections/events/items/strike3"))
	poll(`document.querySelector('h1') && document.querySelector('h1').textContent === 'Strike <near> Damascus & more'`)
	b.do(t, chromedp.Navigate(s.url+"/collections"))
	poll(`document.querySelectorAll('section.collection').length === 2`)
	b.do(t, chromedp.Navigate(s.url+"/?f=html"))
	poll(`[...document.querySelectorAll('a')].some(a => a.textContent === 'the map')`)
	b.checkClean(t)
}
