package feeds_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/internal/newstest"
)

// fixtureServer serves the feeds of testdata and the faults a feed server
// can have, counting requests by path and answering conditional GETs.
type fixtureServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	agents   map[string]string
	files    map[string][]byte // path → body, changeable between polls
}

func newFixtureServer(t *testing.T) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{requests: map[string]int{}, agents: map[string]string{}, files: map[string][]byte{}}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "latin1.xml", "malformed.xml", "page.html", "summary.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		fs.files["/"+name] = b
	}
	// The same Latin-1 bytes without a declaration, the charset in the header.
	fs.files["/cp1252.xml"] = bytes.Replace(fs.files["/latin1.xml"], []byte(` encoding="ISO-8859-1"`), nil, 1)
	b, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	fs.files["/article/1"] = b
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fixtureServer) count(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[path]
}

func (fs *fixtureServer) agent(path string) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.agents[path]
}

func (fs *fixtureServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.requests[r.URL.Path]++
	fs.agents[r.URL.Path] = r.Header.Get("User-Agent")
	body, ok := fs.files[r.URL.Path]
	fs.mu.Unlock()
	switch r.URL.Path {
	case "/loop":
		http.Redirect(w, r, "/loop?n="+fmt.Sprint(len(r.URL.RawQuery)), http.StatusFound)
		return
	case "/moved":
		http.Redirect(w, r, "/rss.xml", http.StatusMovedPermanently)
		return
	case "/error":
		http.Error(w, "upstream broke", http.StatusBadGateway)
		return
	case "/huge":
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>`))
		chunk := bytes.Repeat([]byte("<item><title>x</title><description>padding</description></item>"), 1000)
		for range 1000 { // ~60 MB unless the client stops reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case "/slow":
		w.Header().Set("Content-Type", "application/rss+xml")
		for _, c := range []byte(`<?xml version="1.0"?><rss version="2.0"><channel>`) {
			if _, err := w.Write([]byte{c}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				return
			}
		}
		return
	case "/invalid-utf8":
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bad \xff\xfe bytes</title></channel></rss>"))
		return
	case "/binary":
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"))
		return
	case "/binary-untyped": // Go's server sniffs application/octet-stream
		w.Write([]byte("\x00\x01\x02\x03\xfe\xff binary"))
		return
	case "/gzip.xml":
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		zw := gzip.NewWriter(w)
		zw.Write(fs.files["/atom.xml"])
		zw.Close()
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	body = bytes.ReplaceAll(body, []byte("{{base}}"), []byte("http://"+r.Host))
	etag := fmt.Sprintf(`"%x"`, len(body))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	switch filepath.Ext(r.URL.Path) {
	case ".json":
		w.Header().Set("Content-Type", "application/feed+json")
	case ".html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case "": // an article page, its charset in a meta tag
		w.Header().Set("Content-Type", "text/html")
	case ".xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		if r.URL.Path == "/cp1252.xml" {
			w.Header().Set("Content-Type", "text/xml; charset=windows-1252")
		}
	}
	w.Write(body)
}

// testFetch is a fetcher's limits scaled down for tests.
var testFetch = feeds.FetchOptions{ConnectTimeout: time.Second, Timeout: 2 * time.Second, MaxBody: 1 << 20}

// mustPoller returns a poller on a fresh test DB, closed when the test ends.
func mustPoller(t *testing.T) (*feeds.Poller, *newstest.Env) {
	t.Helper()
	env := newstest.MustOpen(t)
	s, err := feeds.Open(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	p := feeds.NewPoller(s, env.Ingest, feeds.PollerOptions{Workers: 3, Fetch: testFetch})
	t.Cleanup(p.Close)
	return p, env
}

// mustFeed follows url and returns the feed's ID.
func mustFeed(t *testing.T, p *feeds.Poller, url string) int64 {
	t.Helper()
	f := &feeds.Feed{URL: url}
	if err := p.CreateFeed(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// refusedURL is an address nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/feed.xml"
}
