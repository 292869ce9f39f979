package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// linkHosts returns the href of every link in a JSON body, and the Location.
func linkHosts(t *testing.T, r response) []string {
	t.Helper()
	var doc struct {
		Links []link `json:"links"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	var hrefs []string
	for _, l := range doc.Links {
		hrefs = append(hrefs, l.Href)
	}
	if loc := r.header.Get("Location"); loc != "" {
		hrefs = append(hrefs, loc)
	}
	return hrefs
}

// TestLinksIgnoreHost: a client's Host and X-Forwarded-* never reach a
// link or a Location, unless the server trusts a proxy, and then only as a
// plain http(s) scheme and host.
func TestLinksIgnoreHost(t *testing.T) {
	evil := []string{"Host", "evil.example", "X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "evil.example"}
	post := `{"type":"Feature","id":"n1","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z"}}`
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		hdr  []string
		want string // "" for the listening address
	}{
		{"listen address", nil, evil, ""},
		{"base URL", func(c *Config) { c.BaseURL = "https://news.example.org/" }, evil, "https://news.example.org/"},
		{"trusted proxy", func(c *Config) { c.TrustProxy = true },
			[]string{"Host", "internal:8080", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "news.example.org, other"}, "https://news.example.org/"},
		{"trusted proxy, bad scheme", func(c *Config) { c.TrustProxy, c.BaseURL = true, "https://base.example" }, evil, "https://base.example/"},
		{"trusted proxy, bad host", func(c *Config) { c.TrustProxy, c.BaseURL = true, "https://base.example" },
			[]string{"X-Forwarded-Host", "evil.example/<script>"}, "https://base.example/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*Config)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			ts := newTestServer(t, mods...)
			want := tc.want
			if want == "" {
				want = ts.URL() + "/"
			}
			hrefs := linkHosts(t, ts.do(t, "GET", "/collections/events/items?limit=1", nil, tc.hdr...))
			r := ts.do(t, "POST", "/collections/events/items", post, append(append([]string{}, auth...), tc.hdr...)...)
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			hrefs = append(hrefs, linkHosts(t, r)...)
			hrefs = append(hrefs, linkHosts(t, ts.do(t, "GET", "/?f=json", nil, tc.hdr...))...)
			if len(hrefs) < 4 {
				t.Fatalf("only %d links", len(hrefs))
			}
			for _, h := range hrefs {
				if !strings.HasPrefix(h, want) {
					t.Errorf("link %q does not start with %q", h, want)
				}
			}
		})
	}
	if _, err := New(Config{Token: "x", BaseURL: "javascript://evil"}); err == nil {
		t.Error("a javascript: base URL was accepted")
	}
}

// TestSecurityHeaders: the page may run only its own scripts, load images
// from the tile host, and not be framed; every answer says how to cache it.
func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	page := ts.do(t, "GET", "/", nil, "Accept", "text/html")
	csp := page.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "img-src 'self' data: blob: https://tiles.example", "frame-ancestors 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("page CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("page CSP allows unsafe sources: %q", csp)
	}
	for _, tc := range []struct {
		name, method, path, body, cache string
		hdr                             []string
	}{
		{"page", "GET", "/", "", "no-cache", []string{"Accept", "text/html"}},
		{"items", "GET", "/collections/events/items", "", "no-cache", nil},
		{"an error", "GET", "/collections/events/items?bbox=x", "", "no-store", nil},
		{"a 404", "GET", "/nothing", "", "no-store", nil},
		{"a write", "DELETE", "/collections/events/items/paris", "", "no-store", auth},
		{"a backup", "GET", "/backup", "", "no-store", auth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, tc.method, tc.path, nil, tc.hdr...)
			h := r.header
			if got := h.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"} {
				if got := h.Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("CSP %q lets other sites frame it", h.Get("Content-Security-Policy"))
			}
		})
	}
}

func TestTileOrigin(t *testing.T) {
	for tmpl, want := range map[string]string{
		"https://tile.openstreetmap.org/{z}/{x}/{y}.png": "https://tile.openstreetmap.org",
		"https://{s}.tile.example.org/{z}/{x}/{y}.png":   "https://*.tile.example.org",
		"http://127.0.0.1:8123/{z}/{x}/{y}.png":          "http://127.0.0.1:8123",
		"":                                               "",
		"javascript:alert(1)":                            "",
		"https://tiles.example/x.png?key=abc'; script-src *;": "https://tiles.example",
	} {
		if got := tileOrigin(tmpl); got != want {
			t.Errorf("tileOrigin(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

// TestRedactSecrets: a secret in the query is not logged, whatever its
// parameter is called.
func TestRedactSecrets(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	ts := newTestServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)) })
	params := []string{"token", "access_token", "api_key", "apikey", "key", "password", "passwd", "secret", "client_secret", "auth", "Authorization", "X-Amz-Signature", "sig", "session_id", "jwt"}
	for _, p := range params {
		ts.do(t, "GET", "/?"+p+"=hunter2-"+p+"&f=json", nil)
	}
	ts.do(t, "GET", "/collections/events/items?bbox=1,2,3,4&limit=5", nil)
	mu.Lock()
	defer mu.Unlock()
	log := logs.String()
	if strings.Contains(log, "hunter2") {
		t.Errorf("a secret was logged:\n%s", log)
	}
	if got := strings.Count(log, "REDACTED"); got != len(params) {
		t.Errorf("%d REDACTED in the log, want %d", got, len(params))
	}
	if !strings.Contains(log, `query="bbox=1,2,3,4&limit=5"`) {
		t.Errorf("an ordinary query is not logged as sent:\n%s", log)
	}
}
