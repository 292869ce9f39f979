package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/newstest"
)

// testRSS is an invented one-item feed.
const testRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>
<item><title>Strikes</title><link>https://wire.example/1?utm_source=rss</link><pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate>
<description>Air strikes hit Raqa on Tuesday, killing four people, local officials said.</description></item></channel></rss>`

// TestFeeds runs the feed endpoints on a real poller and DB, against a
// local feed server.
func TestFeeds(t *testing.T) {
	env := newstest.MustOpen(t)
	fstore, err := feeds.Open(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	poller := feeds.NewPoller(fstore, env.Ingest, feeds.PollerOptions{})
	t.Cleanup(poller.Close)
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(testRSS))
	}))
	t.Cleanup(outlet.Close)
	ts := newTestServer(t, func(c *Config) { c.Feeds = poller })
	jsonAuth := append(auth, "Content-Type", "application/json")

	if r := ts.do(t, "GET", "/feeds", nil); r.status != 200 || string(r.body) != "{\"feeds\":[]}\n" {
		t.Fatalf("no feeds: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "POST", "/feeds", map[string]string{"url": outlet.URL}, "Content-Type", "application/json"), 401, geo.EUNAUTHORIZED)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"file URL", map[string]string{"url": "file:///etc/passwd"}, 400, geo.EINVALID},
		{"a path", map[string]string{"url": "/var/lib/geonews/geonews.db"}, 400, geo.EINVALID},
		{"no URL", map[string]string{"title": "x"}, 400, geo.EINVALID},
		{"bad interval", map[string]string{"url": outlet.URL, "interval": "often"}, 400, geo.EINVALID},
		{"short interval", map[string]string{"url": outlet.URL, "interval": "1s"}, 400, geo.EINVALID},
		{"unknown field", map[string]string{"url": outlet.URL, "color": "red"}, 400, geo.EINVALID},
		{"not JSON", "url=x", 400, geo.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkError(t, ts.do(t, "POST", "/feeds", tc.body, jsonAuth...), tc.status, tc.code)
		})
	}

	r := ts.do(t, "POST", "/feeds", map[string]string{"url": outlet.URL + "/rss", "interval": "15m", "title": "Wire"}, jsonAuth...)
	created := r.json(t)
	if r.status != 201 || created["id"] != 1.0 || created["interval_seconds"] != 900.0 || r.header.Get("Location") != "/feeds/1" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "POST", "/feeds", map[string]string{"url": outlet.URL + "/rss"}, jsonAuth...), 409, geo.ECONFLICT)

	checkError(t, ts.do(t, "POST", "/feeds/1/poll", nil), 401, geo.EUNAUTHORIZED)
	r = ts.do(t, "POST", "/feeds/1/poll", nil, auth...)
	st, _ := r.json(t)["status"].(map[string]any)
	if r.status != 200 || st["articles"] != 1.0 || st["events"] == 0.0 || st["http_status"] != 200.0 || st["last_error"] != "" {
		t.Fatalf("poll: %d %s", r.status, r.body)
	}
	if n, _ := env.Store.CountEvents(t.Context()); n == 0 {
		t.Error("polling stored no events")
	}
	r = ts.do(t, "GET", "/feeds", nil)
	list, _ := r.json(t)["feeds"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["status"].(map[string]any)["last_poll"] == nil {
		t.Errorf("list: %s", r.body)
	}

	r = ts.do(t, "GET", "/feeds.opml", nil)
	if back, err := feeds.ReadOPML(bytes.NewReader(r.body)); r.status != 200 || err != nil || len(back) != 1 || back[0].URL != outlet.URL+"/rss" || back[0].Title != "Wire" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/x-opml") {
		t.Errorf("OPML: %d %v %s", r.status, err, r.body)
	}

	checkError(t, ts.do(t, "POST", "/feeds/x/poll", nil, auth...), 400, geo.EINVALID)
	checkError(t, ts.do(t, "POST", "/feeds/9/poll", nil, auth...), 404, geo.ENOTFOUND)
	checkError(t, ts.do(t, "DELETE", "/feeds/1", nil), 401, geo.EUNAUTHORIZED)
	if r := ts.do(t, "DELETE", "/feeds/1", nil, auth...); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	checkError(t, ts.do(t, "DELETE", "/feeds/1", nil, auth...), 404, geo.ENOTFOUND)

	none := newTestServer(t)
	checkError(t, none.do(t, "GET", "/feeds", nil), 503, geo.EUNAVAILABLE)
}
