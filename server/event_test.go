package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// findOnly hides the store's AppendEventFeatures, so that the server takes
// the FindEvents path.
type findOnly struct{ server.EventService }

// TestEventItemsFromRecords checks that items pages written straight from
// the store's records (server.EventFeatureAppender) are the bytes the
// FindEvents path writes, for every kind of filter and page.
func TestEventItemsFromRecords(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "geonews.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*geo.Event
	base := time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)
	for i := range 2500 {
		evs = append(evs, &geo.Event{
			ID:    fmt.Sprintf("e%04d", i),
			Point: orb.Point{float64(i%360) - 179.5, float64(i%170) - 84.5 + float64(i%7)/10},
			Time:  base.Add(time.Duration(i%900) * time.Hour), Title: fmt.Sprintf("Event \"%d\" ü\n", i),
			Tags:  [][]string{{"flood"}, {"protest", "airstrike"}, {}}[i%3],
			Place: geo.EventPlace{ID: int64(i % 5), Name: "Place <" + fmt.Sprint(i%11) + ">", Precision: geo.PrecisionCity},
			Source: geo.Source{URL: "https://example.org/?a=1&b=" + fmt.Sprint(i), Title: "Wire",
				Published: base.Add(time.Duration(i) * time.Minute)},
			Excerpt: "…", Confidence: float64(i%4) / 4,
		})
	}
	if _, err := st.CreateEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC) }
	open := func(svc server.EventService) *server.Server {
		s, err := server.New(server.Config{Events: svc, Token: "t", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Open("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		return s
	}
	fromRecords, fromEvents := open(st), open(findOnly{st})
	get := func(s *server.Server, path string) (string, http.Header) {
		res, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v %s", path, res.StatusCode, err, b)
		}
		return strings.ReplaceAll(string(b), s.URL(), "http://host"), res.Header
	}
	fetched, prevs := 0, 0
	for _, query := range []string{
		"limit=1000", "limit=7&bbox=-20,-30,40,50", "limit=100&bbox=170,-90,-170,90", "bbox=10,10,11,11",
		"limit=50&tags=protest,flood&datetime=2017-10-20T00:00:00Z/2017-11-20T00:00:00Z", "q=place%20%3C3&limit=20",
	} {
		path := "/collections/events/items?" + query
		for page := 0; path != "" && page < 4; page++ {
			got, hdr := get(fromRecords, path)
			fetched++
			want, _ := get(fromEvents, path)
			if got != want {
				t.Fatalf("GET %s from records:\n%.400s\nfrom events:\n%.400s", path, got, want)
			}
			if hdr.Get("Content-Length") == "" || hdr.Get("Content-Type") != "application/geo+json" {
				t.Errorf("GET %s: headers %v", path, hdr)
			}
			// Follow next for a few pages, then prev once.
			rel := "next"
			if page == 2 {
				rel = "prev"
			}
			path = ""
			if i := strings.Index(got, `","rel":"`+rel+`"`); i >= 0 {
				href := got[strings.LastIndex(got[:i], `"href":"`)+len(`"href":"`) : i]
				u, err := url.Parse(href)
				if err != nil {
					t.Fatal(err)
				}
				path = u.RequestURI()
				if rel == "prev" {
					prevs++
				}
			}
		}
	}
	if fetched < 15 || prevs == 0 {
		t.Errorf("compared %d pages, %d of them through prev links", fetched, prevs)
	}
}
