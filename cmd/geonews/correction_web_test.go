package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// correctionShot is where TestWebCorrection writes its screenshot; the
// README's is made with
//
//	go test ./cmd/geonews -run WebCorrection -correction-screenshot "$PWD/docs/corrections.png"
var correctionShot = flag.String("correction-screenshot", "", "write the screenshot of TestWebCorrection to this `file`")

// TestWebCorrection is the must-show of issue #14's corrections, in a real
// Chromium against a real server with GeoNames' cities500: an article
// about the United States names Springfield, which the geoparser reads as
// the most populous one, in Missouri; the user moves the event to
// Springfield, Illinois, by searching and picking in its popup. A second
// article naming Springfield in the US is then read as Illinois'; undoing
// the rule on the map brings Missouri back for the next article, and the
// event back to where it was.
func TestWebCorrection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gazetteer")
	}
	b := newBrowser(t, 1280, 800)
	s := startServe(t, copyGazetteer(t), nil, "--token", "corr-web")
	s.token = "corr-web"
	ev, place := s.springfieldEvent(t, corrArticle1, false)
	if ev == "" || place != springfieldMO {
		t.Fatalf("article 1: event %q at %d; want one at %d, the wrong Springfield this test corrects", ev, place, springfieldMO)
	}

	b.do(t, chromedp.Navigate(s.url+"/?token=corr-web#map=7/38.5/-91.4"))
	b.wait(t, `window.geonewsReady`, 15*time.Second)
	b.wait(t, `document.querySelectorAll('#map .leaflet-marker-icon.ev').length > 0`, 10*time.Second)
	// recentre shows both Springfields, from the server's answer.
	recentre := func() {
		t.Helper()
		n := renderCount(t, b)
		b.do(t, chromedp.Evaluate[chromedp.Void](`void window.geonews.map.setView([38.5, -91.4], 7, { animate: false }), void window.geonews.reload()`))
		b.waitRender(t, n)
	}
	openPopup := fmt.Sprintf(`(() => {
		const m = window.geonews.clusters.getLayers().find((l) => l.feature && l.feature.id === %q);
		if (!m) return false;
		window.geonews.clusters.zoomToShowLayer(m, () => m.openPopup());
		return true;
	})()`, ev)
	if !eval[bool](t, b, openPopup) {
		t.Fatal("no marker for the event")
	}
	b.wait(t, `document.querySelector('.leaflet-popup .corr-move') !== null`, 5*time.Second)
	if got := eval[string](t, b, `document.querySelector('.leaflet-popup .corr .hint').textContent`); !strings.Contains(got, "Springfield") {
		t.Errorf("popup says %q; want the mention", got)
	}

	// Move…: the search box holds the mention; Find lists candidates.
	b.do(t, chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-move`)))
	b.do(t, chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-form button[type=submit]`)))
	pick := fmt.Sprintf(`.leaflet-popup .corr-cands button[data-place="%d"]`, springfieldIL)
	b.wait(t, fmt.Sprintf(`document.querySelector('%s') !== null`, pick), 10*time.Second)
	if got := eval[string](t, b, fmt.Sprintf(`document.querySelector('%s').textContent`, pick)); !strings.Contains(got, "39.80") {
		t.Errorf("candidate line %q does not tell where it is", got)
	}
	// The picture for the README: the popup's search and its candidates.
	time.Sleep(300 * time.Millisecond)
	shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "corrections.png")
	if *correctionShot != "" {
		out = *correctionShot
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	n := renderCount(t, b)
	b.do(t, chromedp.Click(chromedp.CSS(pick)))
	b.wait(t, `/Learned rule \d+/.test(document.querySelector('#corrections-panel .msg').textContent)`, 10*time.Second)
	b.waitRender(t, n)
	if p := s.eventPlace(t, ev); p != springfieldIL {
		t.Fatalf("after the move in the browser the event is at %d; want %d", p, springfieldIL)
	}
	// The map shows it at its new place.
	at := eval[[]float64](t, b, fmt.Sprintf(`(() => { const m = window.geonews.clusters.getLayers().find((l) => l.feature.id === %q); const p = m.getLatLng(); return [p.lat, p.lng]; })()`, ev))
	if len(at) != 2 || at[0] < 39.7 || at[0] > 39.9 || at[1] < -89.7 || at[1] > -89.6 {
		t.Errorf("the marker is at %v; want Springfield, IL", at)
	}

	// The second article about the US is read the corrected way.
	ev2, place2 := s.springfieldEvent(t, corrArticle2, false)
	if place2 != springfieldIL {
		t.Fatalf("article 2 after the correction: event %q at %d; want %d", ev2, place2, springfieldIL)
	}
	b.do(t, chromedp.Evaluate[chromedp.Void](`window.geonews.reload()`))
	b.wait(t, `document.querySelectorAll('#corrections-list li[data-id]').length === 1`, 5*time.Second)
	if got := eval[string](t, b, `document.querySelector('#corrections-list li').textContent`); !strings.Contains(got, "IL") || !strings.Contains(got, "US") {
		t.Errorf("the panel lists %q", got)
	}
	// Undo on the map: the rule goes, the event returns, the next article
	// reads Springfield as before.
	b.do(t, chromedp.Click(chromedp.CSS(`#corrections-list .corr-undo`)))
	b.wait(t, `/forgotten/.test(document.querySelector('#corrections-panel .msg').textContent)`, 10*time.Second)
	if got := eval[string](t, b, `document.querySelector('#corrections-panel .msg').textContent`); !strings.Contains(got, "back where it was") {
		t.Errorf("undo says %q", got)
	}
	if p := s.eventPlace(t, ev); p != springfieldMO {
		t.Errorf("after undo the event is at %d; want %d", p, springfieldMO)
	}
	if _, p := s.springfieldEvent(t, strings.Replace(corrArticle2, "Tuesday", "Wednesday", 1), false); p != springfieldMO {
		t.Errorf("an article after undo: place %d; want %d", p, springfieldMO)
	}
	b.wait(t, `document.querySelectorAll('#corrections-list li[data-id]').length === 0`, 5*time.Second)

	// A drag: the pin dropped 3 km from Springfield, IL moves the event
	// there (the nearest town within 25 km).
	recentre()
	if !eval[bool](t, b, openPopup) {
		t.Fatal("no marker for the event after undo")
	}
	b.wait(t, `document.querySelector('.leaflet-popup .corr-drag') !== null`, 5*time.Second)
	b.do(t, chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-move`)), chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-drag`)))
	b.wait(t, `document.querySelector('.corr-pin') !== null`, 5*time.Second)
	b.do(t, chromedp.Evaluate[chromedp.Void](`void window.geonews.map.eachLayer((l) => {
		if (l.options && l.options.draggable) { l.setLatLng([39.78, -89.62]); l.fire('dragend'); }
	})`))
	b.wait(t, `document.querySelector('.corr-pin') === null && /Learned rule/.test(document.getElementById('status').textContent + document.querySelector('#corrections-panel .msg').textContent)`, 10*time.Second)
	if p := s.eventPlace(t, ev); p != springfieldIL {
		t.Errorf("after the drag the event is at %d; want %d", p, springfieldIL)
	}

	// Not a place: the country comes from the event's place; the event
	// leaves the map, and Undo in the panel (newest rule first) brings it back.
	recentre()
	if !eval[bool](t, b, openPopup) {
		t.Fatal("no marker for the event after the drag")
	}
	b.wait(t, `document.querySelector('.leaflet-popup .corr-notplace') !== null`, 5*time.Second)
	b.do(t, chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-notplace`)))
	b.wait(t, `(document.querySelector('.leaflet-popup .corr-country') || {}).value === 'US'`, 5*time.Second)
	b.do(t, chromedp.Click(chromedp.CSS(`.leaflet-popup .corr-yes`)))
	b.wait(t, `/Taken off the map/.test(document.querySelector('#corrections-panel .msg').textContent)`, 10*time.Second)
	if p := s.eventPlace(t, ev); p != 0 {
		t.Errorf("an event whose name is no place is still at %d", p)
	}
	b.wait(t, `document.querySelectorAll('#corrections-list li[data-id]').length === 2`, 5*time.Second)
	b.do(t, chromedp.Click(chromedp.CSS(`#corrections-list .corr-undo`)))
	b.wait(t, `/back where it was/.test(document.querySelector('#corrections-panel .msg').textContent)`, 10*time.Second)
	if p := s.eventPlace(t, ev); p != springfieldIL {
		t.Errorf("after undoing not a place the event is at %d; want %d", p, springfieldIL)
	}
	b.checkClean(t)
}
