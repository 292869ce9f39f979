package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// shotsDir is where the map tests keep their screenshots; the ones in
// docs/ are made with
//
//	go test ./cmd/geonews -run 'WebWorld100k' -shots "$PWD/docs"
var shotsDir = flag.String("shots", "", "write the screenshots of the map tests to this `dir`")

// shoot saves a PNG of the page as name in -shots, else in a temporary dir.
func shoot(t *testing.T, b *browser, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 10_000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is %d bytes", name, len(png))
	}
	dir := *shotsDir
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// legendJS reads the legend: the count of each type, and whether it is ticked.
const legendJS = `[...document.querySelectorAll('#legend li')].map(li => ({
	type: li.dataset.type, on: li.querySelector('input').checked,
	n: parseInt(li.querySelector('.n').textContent.replace(/,/g, ''), 10) }))`

type legendRow struct {
	Type string `json:"type"`
	On   bool   `json:"on"`
	N    int    `json:"n"`
}

// tickedSum is the sum of the ticked types' counts.
func tickedSum(rows []legendRow) (sum int, counts map[string]int) {
	counts = map[string]int{}
	for _, r := range rows {
		counts[r.Type] = r.N
		if r.On {
			sum += r.N
		}
	}
	return sum, counts
}

// TestWebWorld100k is issue 14's must-show on 100k events in a world view
// (tiles off): the legend counts each type and they add up to the events
// on the map; the list holds the newest; unticking a type changes the map
// and the counts; brushing the timeline to one month filters the map and
// the list to it, and the API's numberMatched for that filter is the
// count shown; no console error, no request off 127.0.0.1.
func TestWebWorld100k(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100k events")
	}
	b, s := worldView100k(t)
	firstRender(t, b, s)
	b.wait(t, `geonews.timeline.buckets() > 0 && document.querySelectorAll('#legend li').length >= 19 && document.querySelectorAll('#list li').length > 0`, 20*time.Second)
	time.Sleep(300 * time.Millisecond)

	world := eval[int](t, b, shownMarkers)
	t.Run("legend adds up", func(t *testing.T) {
		rows := eval[[]legendRow](t, b, legendJS)
		sum, counts := tickedSum(rows)
		if !eval[bool](t, b, `window.geonewsShown.aggregated`) {
			t.Error("a world view of 100k events is not drawn from the server's clusters")
		}
		if sum != world || world < 90_000 {
			t.Errorf("legend counts add up to %d; the map shows %d events", sum, world)
		}
		for _, typ := range seedTypes {
			if counts[typ] < 1000 {
				t.Errorf("legend counts %d of %s", counts[typ], typ)
			}
		}
		// Clusters are donuts of their type mix, not coloured by count.
		if n := eval[int](t, b, `document.querySelectorAll('#map .marker-cluster svg.donut').length`); n == 0 {
			t.Error("no donut clusters")
		}
		if n := eval[int](t, b, `document.querySelectorAll('#map .marker-cluster-small, #map .marker-cluster-medium, #map .marker-cluster-large').length`); n != 0 {
			t.Errorf("%d clusters coloured by count", n)
		}
		if got := eval[string](t, b, `document.getElementById('timeline-step').textContent`); got != "per month" {
			t.Errorf("timeline %q over ten years", got)
		}
	})

	b.do(t, chromedp.Evaluate[chromedp.Void](`void (document.getElementById('panel').scrollTop = 0)`))
	shoot(t, b, "map-world-100k.png")

	t.Run("list", func(t *testing.T) {
		ids := eval[[]string](t, b, `[...document.querySelectorAll('#list li')].map(li => li.dataset.id)`)
		p := s.items(t, shownQuery(t, b)+"&limit=50")
		if len(ids) != 50 || len(p.Features) != 50 || ids[0] != fmt.Sprint(p.Features[0].ID) || ids[49] != fmt.Sprint(p.Features[49].ID) {
			t.Fatalf("list %d items from %v; the API's newest %d", len(ids), ids[:min(len(ids), 1)], len(p.Features))
		}
		if got := eval[string](t, b, `document.getElementById('list-count').textContent`); !strings.Contains(got, "50 of") {
			t.Errorf("list count %q", got)
		}
		b.do(t, chromedp.Click(chromedp.ID("list-more")))
		b.wait(t, `document.querySelectorAll('#list li').length === 100`, 10*time.Second)
	})

	t.Run("untick a type", func(t *testing.T) {
		before := eval[[]legendRow](t, b, legendJS)
		_, counts := tickedSum(before)
		n := renderCount(t, b)
		b.do(t, chromedp.Click(chromedp.ID("type-protest")))
		b.waitRender(t, n)
		q := shownQuery(t, b)
		v, _ := url.ParseQuery(q)
		if ty := v.Get("type"); ty == "" || strings.Contains(","+ty+",", ",protest,") {
			t.Fatalf("query %q: the type filter should leave out protest", q)
		}
		shown := eval[int](t, b, shownMarkers)
		if want := world - counts["protest"]; shown != want {
			t.Errorf("without protests the map shows %d; want %d - %d = %d", shown, world, counts["protest"], want)
		}
		rows := eval[[]legendRow](t, b, legendJS)
		sum, after := tickedSum(rows)
		if sum != shown || after["protest"] != counts["protest"] {
			t.Errorf("legend: ticked sum %d, map %d; protest %d (was %d)", sum, shown, after["protest"], counts["protest"])
		}
		for _, r := range rows {
			if r.Type == "protest" && r.On {
				t.Error("protest still ticked")
			}
		}
		if h := eval[string](t, b, `location.hash`); !strings.Contains(h, "hide=protest") {
			t.Errorf("hash %q lacks the filter", h)
		}
	})

	t.Run("brush a month", func(t *testing.T) {
		y := eval[float64](t, b, `geonews.timeline.clientY()`)
		x0 := eval[float64](t, b, `geonews.timeline.clientX('2018-06-01')`) + 1
		x1 := eval[float64](t, b, `geonews.timeline.clientX('2018-06-20')`)
		n := renderCount(t, b)
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		left := func(p *input.DispatchMouseEventParams) { p.Button, p.ClickCount = input.MouseButtonLeft, 1 }
		err := chromedp.Do(ctx,
			chromedp.MouseEvent(chromedp.MouseMoved, x0, y),
			chromedp.MouseEvent(chromedp.MousePressed, x0, y, left),
			chromedp.MouseEvent(chromedp.MouseMoved, (x0+x1)/2, y, left),
			chromedp.MouseEvent(chromedp.MouseMoved, x1, y, left),
			chromedp.MouseEvent(chromedp.MouseReleased, x1, y, left))
		if err != nil {
			t.Fatal(err)
		}
		b.waitRender(t, n)
		b.wait(t, `document.querySelectorAll('#list li').length > 0`, 10*time.Second)
		q := shownQuery(t, b)
		v, _ := url.ParseQuery(q)
		if got, want := v.Get("datetime"), "2018-06-01/2018-06-30"; got != want {
			t.Fatalf("brushing June 2018 set datetime=%q, want %q", got, want)
		}
		shown := eval[int](t, b, shownMarkers)
		sum, _ := tickedSum(eval[[]legendRow](t, b, legendJS))
		p := s.items(t, q+"&limit=10000")
		if p.NumberMatched == nil || *p.NumberMatched != shown || sum != shown || len(p.Features) != shown || shown < 400 {
			t.Errorf("June 2018 without protests: map %d, legend %d; API numberMatched %v, %d features", shown, sum, p.NumberMatched, len(p.Features))
		}
		times := eval[[]string](t, b, `[...document.querySelectorAll('#list li time, #list li .m')].map(e => e.textContent)`)
		for _, m := range times {
			if !strings.Contains(m, "Jun 2018") {
				t.Errorf("list item %q is not of June 2018", m)
			}
		}
		if h := eval[string](t, b, `location.hash`); !strings.Contains(h, "from=2018-06-01") || !strings.Contains(h, "to=2018-06-30") {
			t.Errorf("hash %q lacks the window", h)
		}
		if got := eval[string](t, b, `document.getElementById('window-label').textContent`); got != "1 Jun 2018 – 30 Jun 2018" {
			t.Errorf("window label %q", got)
		}
		// The exports are of the same filter.
		href := eval[string](t, b, `document.getElementById('export-geojson').href`)
		if !strings.Contains(href, "datetime=2018-06-01") || !strings.Contains(href, "f=json") || !strings.Contains(href, "type=") {
			t.Errorf("GeoJSON export %s", href)
		}
		r := s.do(t, "GET", strings.TrimPrefix(href, s.url), "")
		if r.status != 200 || strings.Count(string(r.body), `"type":"Feature",`) != shown {
			t.Errorf("export: %d, %d features for %d shown", r.status, strings.Count(string(r.body), `"type":"Feature",`), shown)
		}
	})
	shoot(t, b, "map-month.png")

	t.Run("list click", func(t *testing.T) {
		// A region-precise event opens at region zoom, not 100 m.
		b.do(t, chromedp.Evaluate[chromedp.Void](`void [...document.querySelectorAll('#list li')].find(li => /Place/.test(li.textContent)).querySelector('button').click()`))
		b.wait(t, `document.querySelector('.leaflet-popup-content h3')`, 10*time.Second)
		prec := eval[string](t, b, `[...document.querySelectorAll('.leaflet-popup-content dd')].map(e => e.textContent).find(s => /\((town or city|region|country)\)/.test(s)) || ''`)
		want := map[string]int{"(town or city)": 11, "(region)": 7, "(country)": 5}
		z := eval[int](t, b, `geonews.map.getZoom()`)
		ok := false
		for k, wz := range want {
			ok = ok || strings.HasSuffix(prec, k) && z == wz
		}
		if !ok {
			t.Errorf("list click: place %q at zoom %d", prec, z)
		}
		// Dates at their precision: no time of day for a day, month or year.
		when := eval[string](t, b, `document.querySelector('.leaflet-popup-content time').textContent`)
		if strings.Contains(when, "00:00") {
			t.Errorf("popup date %q", when)
		}
		b.do(t, chromedp.Evaluate[chromedp.Void](`void geonews.map.closePopup()`))
	})
	b.checkClean(t)
}
