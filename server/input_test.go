package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/ingest"
)

// TestInputRules holds the cases issue 15 found accepted: each is a JSON
// 400 whose description names the field, and nothing is stored.
func TestInputRules(t *testing.T) {
	ts := newTestServer(t)
	event := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"time":"2020-01-01T00:00:00Z",` + props + `}}`
	}
	place := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{` + props + `}}`
	}
	long := strings.Repeat("a", 900_000)
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"long source title", "POST", "/collections/events/items", event(`"title":"x","source":{"title":"` + long + `"}`), "properties.source.title"},
		{"long title", "POST", "/collections/events/items", event(`"title":"` + long + `"`), "properties.title"},
		{"long excerpt", "POST", "/collections/events/items", event(`"title":"x","excerpt":"` + long + `"`), "properties.excerpt"},
		{"long url", "POST", "/collections/events/items", event(`"title":"x","source":{"url":"https://example.org/` + long + `"}`), "properties.source.url"},
		{"javascript url", "POST", "/collections/events/items", event(`"title":"x","source":{"url":"javascript:alert(1)"}`), "properties.source.url"},
		{"data url", "POST", "/collections/events/items", event(`"title":"x","source":{"url":"data:text/html,<b>x</b>"}`), "properties.source.url"},
		{"relative url", "POST", "/collections/events/items", event(`"title":"x","source":{"url":"/a/b"}`), "properties.source.url"},
		{"title with NUL", "POST", "/collections/events/items", event(`"title":"a\u0000b"`), "properties.title"},
		{"title with bidi override", "POST", "/collections/events/items", event(`"title":"a\u202eb"`), "properties.title"},
		{"event place of marks", "POST", "/collections/events/items", event(`"title":"x","place":{"name":"\u0301\u0302"}`), "properties.place.name"},
		{"tag with newline", "POST", "/collections/events/items", event(`"title":"x","tags":["a\nb"]`), "properties.tags"},
		{"year 1", "POST", "/collections/events/items", event(`"title":"x","time":"0001-01-01T00:00:00Z"`), "properties.time"},
		{"year 9999", "POST", "/collections/events/items", event(`"title":"x","time":"9999-01-01T00:00:00Z"`), "properties.time"},
		{"long place name", "POST", "/collections/places/items", place(`"name":"` + long + `"`), "properties.name"},
		{"name of combining marks", "POST", "/collections/places/items", place(`"name":"\u0301\u0301\u0301"`), "properties.name"},
		{"name of zero-width spaces", "POST", "/collections/places/items", place(`"name":"\u200b\u200b"`), "properties.name"},
		{"name with NUL", "POST", "/collections/places/items", place(`"name":"Ra\u0000qa"`), "properties.name"},
		{"name with newline", "POST", "/collections/places/items", place(`"name":"Ra\nqa"`), "properties.name"},
		{"name with bidi override", "POST", "/collections/places/items", place(`"name":"\u202eaqaR"`), "properties.name"},
		{"name with bidi isolate", "POST", "/collections/places/items", place(`"name":"Raqa\u2066"`), "properties.name"},
		{"alternate name of digits", "POST", "/collections/places/items", place(`"name":"Raqa","alternate_names":["123"]`), "properties.alternate_names"},
		{"feature code ZZZZ", "POST", "/collections/places/items", place(`"name":"Raqa","feature_class":"P","feature_code":"ZZZZ"`), "properties.feature_code"},
		{"feature code of another class", "POST", "/collections/places/items", place(`"name":"Raqa","feature_class":"H","feature_code":"PPL"`), "properties.feature_code"},
		{"feature class Q", "POST", "/collections/places/items", place(`"name":"Raqa","feature_class":"Q"`), "properties.feature_class"},
		{"body an array", "POST", "/collections/places/items", `[1]`, "body: expected a GeoJSON Feature object"},
		{"hex bbox", "GET", "/collections/events/items?bbox=0x1p3,0,10,10", "", "bbox"},
		{"underscore bbox", "GET", "/collections/events/items?bbox=1_0,0,10,10", "", "bbox"},
		{"inf bbox", "GET", "/collections/events/items?bbox=-inf,0,10,10", "", "bbox"},
		{"nan bbox", "GET", "/collections/events/items?bbox=nan,0,10,10", "", "bbox"},
		{"invalid utf-8 tags", "GET", "/collections/events/items?tags=%FF%FE", "", "tags"},
		{"invalid utf-8 q", "GET", "/collections/places/items?q=%C3", "", "q"},
		{"q with bidi", "GET", "/collections/events/items?q=%E2%80%AE", "", "q"},
		{"malformed escape", "GET", "/collections/events/items?bbox=%ZZ", "", "query string"},
		{"semicolon", "GET", "/collections/events/items?limit=1;bbox=0,0,1,1", "", "query string"},
		{"article url", "POST", "/articles?dry_run=1", `{"text":"Kobani.","url":"javascript:alert(1)"}`, "url"},
		{"body not UTF-8", "POST", "/collections/events/items", event(`"title":"a` + "\xff" + `b"`), "UTF-8"},
		{"published year 1", "POST", "/collections/events/items", event(`"title":"x","source":{"published":"0001-01-01T00:00:00Z"}`), "properties.source.published"},
		{"hex zoom", "GET", "/collections/events/clusters?zoom=0x1p1", "", "zoom"},
		{"article title", "POST", "/articles?dry_run=1", `{"text":"Kobani.","title":"a\u0007"}`, "title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, places := len(ts.events.events), len(ts.places.places)
			hdr := []string{}
			if tc.method != "GET" {
				hdr = append(hdr, auth...)
				if strings.HasPrefix(tc.path, "/articles") {
					hdr = append(hdr, "Content-Type", "application/json")
				}
			}
			r := ts.do(t, tc.method, tc.path, tc.body, hdr...)
			checkError(t, r, http.StatusBadRequest, geo.EINVALID)
			if d := r.json(t)["description"].(string); !strings.Contains(d, tc.field) || strings.Contains(d, "Go") || strings.Contains(d, "server.") {
				t.Errorf("description %q does not name %q", d, tc.field)
			}
			if len(ts.events.events) != before || len(ts.places.places) != places {
				t.Error("something was stored")
			}
		})
	}
}

// TestInputNormalised: a name typed decomposed is stored composed (NFC), and
// a datetime at the zero time is applied, not dropped.
func TestInputNormalised(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do(t, "POST", "/collections/places/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"Ame\u0301lie","feature_class":"P","feature_code":"PPLX"}}`, auth...)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := r.json(t)["properties"].(map[string]any)["name"]; got != "Am\u00e9lie" {
		t.Errorf("stored name %q, want NFC", got)
	}
	for _, dt := range []string{"0001-01-01T00:00:00Z", "0001-01-01", "9999-12-31T00:00:00Z", "../0001-01-01T00:00:00Z"} {
		if got := ts.items(t, "/collections/events/items?datetime="+dt); len(got.Features) != 0 {
			t.Errorf("datetime=%s: %d events; the filter was dropped", dt, len(got.Features))
		}
	}
	if all := ts.items(t, "/collections/events/items?datetime=0001-01-01T00:00:00Z/.."); len(all.Features) != len(fixtureEvents()) {
		t.Errorf("datetime=0001-01-01T00:00:00Z/..: %d events, want all %d", len(all.Features), len(fixtureEvents()))
	}
}

// slowArticles parses until its context ends, as the geoparser does on a
// text too dense to finish.
type slowArticles struct{}

func (slowArticles) Ingest(ctx context.Context, a ingest.Article, dryRun bool) (*ingest.Result, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// gone reports when its Ingest's context ended.
type goneArticles struct{ ended chan error }

func (g goneArticles) Ingest(ctx context.Context, a ingest.Article, dryRun bool) (*ingest.Result, error) {
	<-ctx.Done()
	g.ended <- ctx.Err()
	return nil, ctx.Err()
}

// TestArticleClientGone: when the client that posted an article hangs up,
// the geoparse's context ends at once (the geoparser checks it as it goes:
// geoparse's TestParseStops), not when the article's time is up. (Issue 15:
// after a client left at 3 s, the server burned 32 more CPU-seconds.)
func TestArticleClientGone(t *testing.T) {
	g := goneArticles{make(chan error, 1)}
	ts := newTestServer(t, func(c *Config) { c.Articles, c.ArticleTimeout = g, time.Hour })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/articles?dry_run=1", strings.NewReader("Kobani."))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Authorization", auth[1])
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // the request is in the handler
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the request was answered before the client left")
	}
	select {
	case err := <-g.ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the geoparse ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second): // a hang detector, not a speed claim
		t.Fatal("the geoparse went on after the client left")
	}
}

// TestArticleTimeout: an article that takes longer than ArticleTimeout to
// read is a 413 once the deadline passes, not a request that runs on.
func TestArticleTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Articles, c.ArticleTimeout = slowArticles{}, 100*time.Millisecond })
	start := time.Now()
	r := ts.do(t, "POST", "/articles?dry_run=1", "Kobani.", append(auth, "Content-Type", "text/plain")...)
	checkError(t, r, http.StatusRequestEntityTooLarge, geo.ETOOLARGE)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the answer took %v", d)
	}
}
