package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

// syncBuffer is a log sink the server goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a `geonews serve` running in-process through Run, as main runs it.
type served struct {
	t      testing.TB
	url    string
	token  string
	db     string
	log    *syncBuffer
	cancel context.CancelFunc
	exit   chan int
}

var servingURL = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// startServe runs `geonews serve --addr 127.0.0.1:0 --db TMP ARGS…` and
// waits until it listens. env holds environment variables.
func startServe(t testing.TB, db string, env map[string]string, args ...string) *served {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{t: t, db: db, log: logs, cancel: cancel, exit: make(chan int, 1)}
	e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs,
		Getenv: func(k string) string { return env[k] },
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	go func() {
		s.exit <- Run(ctx, e, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--tiles", "off"}, args...))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingURL.FindStringSubmatch(logs.String()); m != nil {
			s.url = m[1]
			break
		}
		select {
		case code := <-s.exit:
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop sends the equivalent of SIGTERM and returns the exit code.
func (s *served) stop() int {
	s.cancel()
	select {
	case code := <-s.exit:
		s.exit <- code
		return code
	case <-time.After(20 * time.Second):
		s.t.Fatalf("serve did not stop:\n%s", s.log.String())
		return -1
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (s *served) do(t testing.TB, method, path, body string, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
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
	return reply{res.StatusCode, res.Header, b}
}

func (s *served) write(t testing.TB, method, path, body string) reply {
	t.Helper()
	return s.do(t, method, path, body, "Authorization", "Bearer "+s.token)
}

// page is a decoded items response.
type page struct {
	NumberMatched  *int   `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp"`
	Links          []struct{ Href, Rel string }
	Features       []struct {
		ID         string         `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func (p page) ids() []string {
	ids := []string{}
	for _, f := range p.Features {
		ids = append(ids, f.ID)
	}
	return ids
}

func (p page) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func (s *served) items(t testing.TB, query string) page {
	t.Helper()
	r := s.do(t, "GET", "/collections/events/items?"+query, "")
	if r.status != 200 {
		t.Fatalf("items?%s: %d %s", query, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("items?%s: Content-Type %q", query, ct)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("items?%s: %v", query, err)
	}
	if p.NumberReturned != len(p.Features) {
		t.Errorf("items?%s: numberReturned %d for %d features", query, p.NumberReturned, len(p.Features))
	}
	if ts, err := time.Parse(time.RFC3339, p.TimeStamp); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("items?%s: timeStamp %q", query, p.TimeStamp)
	}
	if p.link("self") == "" {
		t.Errorf("items?%s: no self link", query)
	}
	return p
}

// e2eEvents are the events the end-to-end tests ingest: Syria in October
// 2017, both sides of the antimeridian, Paris a year earlier.
const e2eEvents = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"raqqa","geometry":{"type":"Point","coordinates":[39.0,35.95]},"properties":{"title":"Talks on a civilian exit from Raqa","time":"2017-10-11T10:00:00Z","tags":["fighting","civilians"],"place":{"name":"Ar Raqqah","precision":"city"},"source":{"url":"https://example.org/raqa","title":"AFP","published":"2017-10-11T09:00:00Z"},"excerpt":"Talks are under way.","confidence":0.9}},
{"type":"Feature","id":"kobani","geometry":{"type":"Point","coordinates":[38.35,36.89]},"properties":{"title":"Kurdish officials meet in Kobani","time":"2017-10-10T08:00:00Z","tags":["politics"],"place":"Kobani","confidence":0.7}},
{"type":"Feature","id":"deir","geometry":{"type":"Point","coordinates":[40.14,35.33]},"properties":{"title":"Shelling near Deir ez-Zor","time":"2017-10-09T08:00:00Z","tags":["fighting"],"confidence":0.6}},
{"type":"Feature","id":"fiji","geometry":{"type":"Point","coordinates":[179.5,-17.0]},"properties":{"title":"Storm east of Fiji","time":"2017-09-02T00:00:00Z","tags":["storm"],"confidence":0.5}},
{"type":"Feature","id":"samoa","geometry":{"type":"Point","coordinates":[-179.5,-16.0]},"properties":{"title":"Storm west of Samoa","time":"2017-09-01T00:00:00Z","tags":["storm"],"confidence":0.5}}]}`

const e2eParis = `{"type":"Feature","id":"paris","geometry":{"type":"Point","coordinates":[2.35,48.85]},"properties":{"title":"March in Paris","time":"2016-01-01T12:00:00Z","tags":["protest"],"place":{"name":"Paris","precision":"city"},"confidence":0.5}}`

// e2ePlaces are gazetteer entries the tests add over HTTP: a temp DB has
// no GeoNames data.
var e2ePlaces = []string{
	`{"type":"Feature","id":163915,"geometry":{"type":"Point","coordinates":[39.00877,35.95283]},"properties":{"name":"Ar Raqqah","alternate_names":["Raqqa","Raqa"],"kind":"city","country":"SY","population":177636}}`,
	`{"type":"Feature","id":170583,"geometry":{"type":"Point","coordinates":[38.3614,36.8908]},"properties":{"name":"Ayn al Arab","alternate_names":["Kobani","Kobane"],"kind":"city","country":"SY","population":44821}}`,
}

// layerInfo cuts one layer's section out of ogrinfo's output.
func layerInfo(t *testing.T, out, name string) string {
	t.Helper()
	i := strings.Index(out, "Layer name: "+name+"\n")
	if i < 0 {
		t.Fatalf("no %s layer:\n%s", name, out)
	}
	layer := out[i:]
	if j := strings.Index(layer[1:], "Layer name:"); j >= 0 {
		layer = layer[:j+1]
	}
	return layer
}

// ingest stores the e2e events over HTTP.
func (s *served) ingest(t testing.TB) {
	t.Helper()
	if r := s.write(t, "POST", "/collections/events/items", e2eEvents); r.status != 201 {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	if r := s.write(t, "POST", "/collections/events/items", e2eParis); r.status != 201 || r.header.Get("Location") != s.url+"/collections/events/items/paris" {
		t.Fatalf("ingest paris: %d %s %v", r.status, r.body, r.header)
	}
}

func TestServeEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "geonews.db")
	s := startServe(t, db, nil, "--token", "e2e-token")
	s.token = "e2e-token"
	if r := s.do(t, "GET", "/healthz", ""); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	s.ingest(t)

	t.Run("parameters", func(t *testing.T) {
		all := []string{"raqqa", "kobani", "deir", "fiji", "samoa", "paris"}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", all},
			{"bbox=35,32,43,38", []string{"raqqa", "kobani", "deir"}},
			{"bbox=35,32,-10,43,38,10", []string{"raqqa", "kobani", "deir"}},
			{"bbox=179,-20,-179,-10", []string{"fiji", "samoa"}},
			{"bbox=-180,-20,-179,-10", []string{"samoa"}},
			{"bbox=-40,-40,-30,-30", nil},
			{"datetime=2017-10-11T10:00:00Z", []string{"raqqa"}},
			{"datetime=2017-10-10", []string{"kobani"}},
			{"datetime=2017-10-09T00:00:00Z/2017-10-10T23:59:59Z", []string{"kobani", "deir"}},
			{"datetime=../2017-01-01T00:00:00Z", []string{"paris"}},
			{"datetime=2017-10-10T00:00:00Z/..", []string{"raqqa", "kobani"}},
			{"tags=storm", []string{"fiji", "samoa"}},
			{"tags=politics,protest", []string{"kobani", "paris"}},
			{"q=storm", []string{"fiji", "samoa"}},
			{"q=raqqah", []string{"raqqa"}},
			{"limit=2", []string{"raqqa", "kobani"}},
			{"limit=20000", all},
			{"bbox=35,32,43,38&datetime=2017-10-01/2017-10-31&tags=fighting&limit=5", []string{"raqqa", "deir"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				p := s.items(t, tc.query)
				want := tc.want
				if want == nil {
					want = []string{}
				}
				if got := p.ids(); !slices.Equal(got, want) {
					t.Errorf("ids %v, want %v", got, want)
				}
				if p.NumberMatched != nil && *p.NumberMatched < len(p.Features) {
					t.Errorf("numberMatched %d < %d returned", *p.NumberMatched, len(p.Features))
				}
			})
		}
		if p := s.items(t, ""); p.NumberMatched == nil || *p.NumberMatched != 6 {
			t.Errorf("numberMatched of everything: %v", p.NumberMatched)
		}
		p := s.items(t, "limit=20000")
		if u, _ := url.Parse(p.link("self")); u == nil || u.Query().Get("limit") != "10000" {
			t.Errorf("limit not clamped in self link %q", p.link("self"))
		}
	})

	t.Run("collection extent", func(t *testing.T) {
		var info struct {
			Extent struct {
				Spatial  struct{ BBox [][]float64 }
				Temporal struct{ Interval [][]string }
			}
		}
		r := s.do(t, "GET", "/collections/events", "")
		if err := json.Unmarshal(r.body, &info); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if b := info.Extent.Spatial.BBox; len(b) != 1 || !slices.Equal(b[0], []float64{-179.5, -17, 179.5, 48.85}) {
			t.Errorf("spatial extent %v", b)
		}
		if iv := info.Extent.Temporal.Interval; len(iv) != 1 || !slices.Equal(iv[0], []string{"2016-01-01T12:00:00Z", "2017-10-11T10:00:00Z"}) {
			t.Errorf("temporal extent %v", iv)
		}
	})

	t.Run("feature", func(t *testing.T) {
		r := s.do(t, "GET", "/collections/events/items/raqqa", "")
		var f struct {
			ID         string         `json:"id"`
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(r.body, &f); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if f.ID != "raqqa" || f.Properties["time"] != "2017-10-11T10:00:00Z" || f.Properties["confidence"] != 0.9 || f.Properties["excerpt"] != "Talks are under way." {
			t.Errorf("feature %+v", f)
		}
		if pl := f.Properties["place"].(map[string]any); pl["name"] != "Ar Raqqah" || pl["precision"] != "city" {
			t.Errorf("place %v", pl)
		}
		if src := f.Properties["source"].(map[string]any); src["url"] != "https://example.org/raqa" || src["published"] != "2017-10-11T09:00:00Z" {
			t.Errorf("source %v", src)
		}
		if r := s.do(t, "GET", "/collections/events/items/nope", ""); r.status != 404 {
			t.Errorf("missing feature: %d", r.status)
		}
	})

	t.Run("paging", func(t *testing.T) {
		query := "bbox=-180,-90,180,90&tags=storm,fighting,politics&limit=2"
		var got []string
		var pages []page
		for query != "" && len(pages) < 10 {
			p := s.items(t, query)
			pages = append(pages, p)
			got = append(got, p.ids()...)
			query = ""
			if next := p.link("next"); next != "" {
				u, _ := url.Parse(next)
				for k, want := range map[string]string{"bbox": "-180,-90,180,90", "tags": "storm,fighting,politics", "limit": "2"} {
					if u.Query().Get(k) != want {
						t.Errorf("next link %s=%q, want %q", k, u.Query().Get(k), want)
					}
				}
				query = u.RawQuery
			}
		}
		if want := []string{"raqqa", "kobani", "deir", "fiji", "samoa"}; !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
		if len(pages) != 3 || pages[0].link("prev") != "" || pages[2].link("prev") == "" {
			t.Fatalf("%d pages", len(pages))
		}
		u, _ := url.Parse(pages[2].link("prev"))
		if back := s.items(t, u.RawQuery); !slices.Equal(back.ids(), []string{"deir", "fiji"}) {
			t.Errorf("prev page %v", back.ids())
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			method, path, body string
			auth               bool
			status             int
		}{
			{"GET", "/collections/events/items?bbox=1,2,3", "", false, 400},
			{"GET", "/collections/events/items?bbox=0,10,1,5", "", false, 400},
			{"GET", "/collections/events/items?bbox=0,-91,1,1", "", false, 400},
			{"GET", "/collections/events/items?bbox=NaN,0,1,1", "", false, 400},
			{"GET", "/collections/events/items?datetime=yesterday", "", false, 400},
			{"GET", "/collections/events/items?datetime=../..", "", false, 400},
			{"GET", "/collections/events/items?limit=0", "", false, 400},
			{"GET", "/collections/events/items?limit=abc", "", false, 400},
			{"GET", "/collections/events/items?bbbox=1,2,3,4", "", false, 400},
			{"GET", "/collections/events/items?cursor=garbage", "", false, 400},
			{"GET", "/collections/nope/items", "", false, 404},
			{"GET", "/nope", "", false, 404},
			{"PATCH", "/collections/events/items/raqqa", "{}", true, 405},
			{"POST", "/collections/events/items", e2eParis, false, 401},
			{"POST", "/collections/events/items", `{"type":"Feature"}`, true, 400},
			{"POST", "/collections/events/items", e2eParis, true, 409},
			{"POST", "/collections/events/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"` + strings.Repeat("x", 2<<20) + `"}}`, true, 413},
			{"GET", "/backup", "", false, 401},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				var r reply
				if tc.auth {
					r = s.write(t, tc.method, tc.path, tc.body)
				} else {
					r = s.do(t, tc.method, tc.path, tc.body)
				}
				var e struct{ Code, Description string }
				if r.status != tc.status || json.Unmarshal(r.body, &e) != nil || e.Code == "" || e.Description == "" {
					t.Errorf("%d %s, want %d with {code, description}", r.status, r.body, tc.status)
				}
			})
		}
		r := s.do(t, "DELETE", "/collections/events/items/raqqa", "", "Authorization", "Bearer wrong")
		if r.status != 403 {
			t.Errorf("wrong token: %d", r.status)
		}
		r = s.do(t, "POST", "/collections/events/items", e2eParis, "Authorization", "Bearer e2e-token", "Content-Type", "text/csv")
		if r.status != 415 {
			t.Errorf("text/csv: %d", r.status)
		}
	})

	t.Run("replace and delete", func(t *testing.T) {
		r := s.write(t, "PUT", "/collections/events/items/deir", `{"type":"Feature","geometry":{"type":"Point","coordinates":[40.15,35.34]},"properties":{"title":"Shelling in Deir ez-Zor city","time":"2017-10-09T09:00:00Z","tags":["fighting","shelling"]}}`)
		if r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
		if got := s.items(t, "tags=shelling").ids(); !slices.Equal(got, []string{"deir"}) {
			t.Errorf("after put: %v", got)
		}
		if r := s.write(t, "POST", "/collections/events/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,1]},"properties":{"title":"Temporary","time":"2020-01-01T00:00:00Z","tags":["tmp"]}}`); r.status != 201 {
			t.Fatalf("post: %d %s", r.status, r.body)
		} else {
			loc := strings.TrimPrefix(r.header.Get("Location"), s.url)
			if r := s.write(t, "DELETE", loc, ""); r.status != 204 {
				t.Errorf("delete %s: %d %s", loc, r.status, r.body)
			}
			if r := s.do(t, "GET", loc, ""); r.status != 404 {
				t.Errorf("after delete: %d", r.status)
			}
		}
	})

	t.Run("places", func(t *testing.T) {
		// A new gazetteer entry is usable at once by events that name it.
		r := s.write(t, "POST", "/collections/places/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[38.87,36.02]},"properties":{"name":"Ain Issa Camp","alternate_names":["Ayn Issa camp"],"kind":"camp","country":"SY"}}`)
		if r.status != 201 {
			t.Fatalf("create place: %d %s", r.status, r.body)
		}
		var place struct {
			ID         int64          `json:"id"`
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(r.body, &place); err != nil || place.ID == 0 || place.Properties["source"] != "user" {
			t.Fatalf("created %s", r.body)
		}
		loc := "/collections/places/items/" + strconv.FormatInt(place.ID, 10)
		if r.header.Get("Location") != s.url+loc {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		if r := s.do(t, "GET", loc, ""); r.status != 200 {
			t.Errorf("get place: %d %s", r.status, r.body)
		}
		r = s.do(t, "GET", "/collections/places/items?q=ayn%20issa%20camp", "")
		if r.status != 200 || !strings.Contains(string(r.body), `"Ain Issa Camp"`) {
			t.Errorf("find place by alternate name: %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			query string
			want  bool
		}{
			{"bbox=38,35.5,39.5,36.5", true},
			{"bbox=0,0,1,1", false},
			{"q=ain%20issa%20camp&bbox=38,35.5,39.5,36.5&limit=1", true},
			{"limit=1", true}, // the only place in this DB
		} {
			r := s.do(t, "GET", "/collections/places/items?"+tc.query, "")
			if r.status != 200 || strings.Contains(string(r.body), `"Ain Issa Camp"`) != tc.want {
				t.Errorf("places?%s: %d %s", tc.query, r.status, r.body)
			}
		}
		if r := s.do(t, "GET", "/collections/places/items?datetime=2017-10-10", ""); r.status != 400 {
			t.Errorf("places with datetime: %d", r.status)
		}
		r = s.write(t, "POST", "/collections/events/items", `{"type":"Feature","id":"camp","geometry":null,"properties":{"title":"Families arrive at the camp","time":"2017-10-12T00:00:00Z","tags":["displacement"],"place":"Ain Issa Camp"}}`)
		if r.status != 201 {
			t.Fatalf("event by place name: %d %s", r.status, r.body)
		}
		var ev struct {
			Geometry   struct{ Coordinates []float64 }
			Properties struct {
				Place struct {
					ID   int64
					Name string
				}
			}
		}
		json.Unmarshal(r.body, &ev)
		if !slices.Equal(ev.Geometry.Coordinates, []float64{38.87, 36.02}) || ev.Properties.Place.ID != place.ID {
			t.Errorf("event located at %v, place %+v", ev.Geometry.Coordinates, ev.Properties.Place)
		}
		r = s.write(t, "POST", "/collections/events/items", `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2017-10-12T00:00:00Z","place":"Nowhere-on-Earth"}}`)
		if r.status != 400 || !strings.Contains(string(r.body), "not in the gazetteer") {
			t.Errorf("unknown place: %d %s", r.status, r.body)
		}
		if r := s.write(t, "DELETE", "/collections/events/items/camp", ""); r.status != 204 {
			t.Errorf("delete event: %d", r.status)
		}
		if r := s.write(t, "DELETE", loc, ""); r.status != 204 {
			t.Errorf("delete place: %d %s", r.status, r.body)
		}
		if r := s.do(t, "GET", loc, ""); r.status != 404 {
			t.Errorf("deleted place: %d", r.status)
		}
	})

	t.Run("articles", func(t *testing.T) {
		for _, p := range e2ePlaces {
			if r := s.write(t, "POST", "/collections/places/items", p); r.status != 201 {
				t.Fatalf("place: %d %s", r.status, r.body)
			}
		}
		article := `{"title":"Fighting near Raqa","url":"https://example.org/e2e","published":"2017-10-11T12:00:00Z",
			"text":"Heavy fighting was reported in Raqa on Tuesday as Kurdish-led forces pressed their assault. In Kobani, officials held talks on the evacuation of civilians."}`
		r := s.do(t, "POST", "/articles?dry_run=1", article, "Authorization", "Bearer "+s.token, "Content-Type", "application/json")
		var res struct {
			DryRun        bool `json:"dryRun"`
			NumberCreated *int `json:"numberCreated"`
			Features      []struct {
				ID         string `json:"id"`
				Properties struct {
					Place  struct{ ID int64 }
					Source struct{ URL string }
				}
			}
			Mentions []struct {
				Text   string
				Place  *struct{ ID int64 }
				Reason string
			}
		}
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || !res.DryRun {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		if len(res.Features) == 0 || len(res.Mentions) < 2 {
			t.Fatalf("dry run read %d events, %d mentions: %s", len(res.Features), len(res.Mentions), r.body)
		}
		for _, m := range res.Mentions {
			if m.Place == nil || m.Reason == "" {
				t.Errorf("mention %+v unresolved or without a reason", m)
			}
		}
		if got := s.items(t, "datetime=2017-10-10T00:00:00Z/2017-10-12T23:59:59Z&q=raqa").ids(); len(got) != 1 {
			t.Errorf("the dry run stored events: %v", got)
		}
		r = s.do(t, "POST", "/articles", article, "Authorization", "Bearer "+s.token, "Content-Type", "application/json")
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 201 || res.DryRun || res.NumberCreated == nil || *res.NumberCreated != len(res.Features) {
			t.Fatalf("store: %d %s", r.status, r.body)
		}
		for _, f := range res.Features {
			if r := s.do(t, "GET", "/collections/events/items/"+url.PathEscape(f.ID), ""); r.status != 200 || f.Properties.Source.URL != "https://example.org/e2e" {
				t.Errorf("stored event %s: %d", f.ID, r.status)
			}
			s.write(t, "DELETE", "/collections/events/items/"+url.PathEscape(f.ID), "")
		}
		if r := s.do(t, "POST", "/articles", `{"text":""}`, "Authorization", "Bearer "+s.token, "Content-Type", "application/json"); r.status != 400 {
			t.Errorf("empty article: %d", r.status)
		}
		// The seed article, read in place (its text belongs to AFP).
		seed, err := os.ReadFile("../../../shared/seeds/000_981cc2d0e73f219a.txt")
		if err != nil {
			t.Logf("seed article absent: %v", err)
			return
		}
		r = s.do(t, "POST", "/articles?dry_run=1", string(seed), "Authorization", "Bearer "+s.token, "Content-Type", "text/plain")
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || len(res.Features) == 0 {
			t.Errorf("seed article: %d, %d events", r.status, len(res.Features))
		}
	})

	t.Run("backup", func(t *testing.T) {
		r := s.write(t, "GET", "/backup", "")
		if r.status != 200 || len(r.body) == 0 {
			t.Fatalf("backup: %d, %d bytes", r.status, len(r.body))
		}
		path := filepath.Join(t.TempDir(), "backup.db")
		if err := os.WriteFile(path, r.body, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := countEvents(t, path); got != 6 {
			t.Errorf("backup holds %d events, want 6", got)
		}
	})

	// Shutting down closes the DB: it opens again, with every write in it.
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.log.String())
	}
	if got := countEvents(t, db); got != 6 {
		t.Errorf("after shutdown the DB holds %d events, want 6", got)
	}
	if log := s.log.String(); !strings.Contains(log, "status=201") || !strings.Contains(log, "duration=") || !strings.Contains(log, "msg=stopped") {
		t.Errorf("request log lacks status, duration or the stop:\n%s", log)
	}
}

// countEvents opens a DB file, checks its consistency as bbolt's own tests
// do, and counts its events.
func countEvents(t testing.TB, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("consistency check: %v", err)
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.FindEvents(t.Context(), geo.EventFilter{Limit: geo.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Events)
}

// TestServeGeneratedToken: without --token or GEONEWS_TOKEN the server makes
// one and logs a URL carrying it; that token writes. GEONEWS_TOKEN works too.
func TestServeGeneratedToken(t *testing.T) {
	s := startServe(t, filepath.Join(t.TempDir(), "g.db"), nil)
	m := regexp.MustCompile(`url="?(http://[^/\s]+)/\?token=([A-Za-z0-9_-]{20,})`).FindStringSubmatch(s.log.String())
	if m == nil || m[1] != s.url {
		t.Fatalf("no token URL in the log:\n%s", s.log.String())
	}
	s.token = m[2]
	if r := s.write(t, "POST", "/collections/events/items", e2eParis); r.status != 201 {
		t.Errorf("generated token: %d %s", r.status, r.body)
	}
	if r := s.do(t, "GET", "/?token="+s.token, "", "Accept", "text/html"); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("token URL: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if strings.Count(s.log.String(), s.token) != 1 {
		t.Errorf("the token is logged more than once (request logs must redact it):\n%s", s.log.String())
	}

	e := startServe(t, filepath.Join(t.TempDir(), "e.db"), map[string]string{"GEONEWS_TOKEN": "from-env"})
	e.token = "from-env"
	if r := e.write(t, "POST", "/collections/events/items", e2eParis); r.status != 201 {
		t.Errorf("GEONEWS_TOKEN: %d %s", r.status, r.body)
	}
	if strings.Contains(e.log.String(), "from-env") {
		t.Errorf("a token given by the user is logged")
	}
}

// gdal runs a GDAL command against a test server and returns its output.
// GDAL exits 0 on HTTP errors, so an ERROR on stderr fails the test.
func gdal(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// Keep GDAL on loopback and off any proxy or cache.
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1", "GDAL_HTTP_PROXY=", "CPL_VSIL_CURL_USE_CACHE=NO", "GDAL_DISABLE_READDIR_ON_OPEN=YES")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	if strings.Contains(stderr.String(), "ERROR") {
		t.Fatalf("%s %v reported an error:\n%s", name, args, stderr.String())
	}
	return stdout.String()
}

// TestServeGDAL reads the server with GDAL's OGC API – Features driver, a
// client nobody on this team wrote. GDAL exits 0 on HTTP errors and filters
// bbox results again itself, so stderr is checked for ERROR and the bbox
// results are checked over plain HTTP too.
func TestServeGDAL(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (gdal-bin; make setup installs it)")
	}
	s := startServe(t, filepath.Join(t.TempDir(), "gdal.db"), nil, "--token", "gdal-token")
	s.token = "gdal-token"
	s.ingest(t)
	for _, p := range e2ePlaces {
		if r := s.write(t, "POST", "/collections/places/items", p); r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.body)
		}
	}
	src := "OAPIF:" + s.url

	t.Run("ogrinfo", func(t *testing.T) {
		out := gdal(t, "ogrinfo", "-ro", src, "-al", "-so")
		layer := layerInfo(t, out, "events")
		if !strings.Contains(layer, "Feature Count: 6\n") {
			t.Errorf("count is not 6:\n%s", layer)
		}
		if !strings.Contains(layer, "Extent: (-179.500000, -17.000000) - (179.500000, 48.850000)") {
			t.Errorf("wrong extent:\n%s", layer)
		}
		for _, field := range []string{"title: String", "time: DateTime", "tags: StringList"} {
			if !strings.Contains(layer, field) {
				t.Errorf("no field %q:\n%s", field, layer)
			}
		}
		places := layerInfo(t, out, "places")
		if !strings.Contains(places, "Feature Count: 2\n") || !strings.Contains(places, "Extent: (38.361400, 35.952830) - (39.008770, 36.890800)") {
			t.Errorf("places layer:\n%s", places)
		}
	})

	ogrIDs := func(t *testing.T, args ...string) []string {
		t.Helper()
		out := gdal(t, "ogr2ogr", append([]string{"-f", "GeoJSON", "/vsistdout/", src, "events"}, args...)...)
		var fc struct {
			Features []struct {
				Properties struct {
					ID string `json:"id"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal([]byte(out), &fc); err != nil {
			t.Fatalf("ogr2ogr output: %v\n%s", err, out)
		}
		ids := []string{}
		for _, f := range fc.Features {
			ids = append(ids, f.Properties.ID)
		}
		return ids
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
		bbox string // checked over plain HTTP too
	}{
		{"spat syria", []string{"-spat", "35", "32", "43", "38"}, []string{"raqqa", "kobani", "deir"}, "35,32,43,38"},
		{"spat east of the antimeridian", []string{"-spat", "179", "-20", "180", "-10"}, []string{"fiji"}, "179,-20,180,-10"},
		{"time where", []string{"-where", "time >= '2017-10-10'"}, []string{"raqqa", "kobani"}, ""},
		{"time range where", []string{"-where", "time >= '2017/10/09 00:00:00' AND time < '2017/10/11 00:00:00'"}, []string{"kobani", "deir"}, ""},
		{"tags where", []string{"-where", "tags = 'storm'"}, []string{"fiji", "samoa"}, ""},
		{"page size 1", []string{"-oo", "PAGE_SIZE=1"}, []string{"raqqa", "kobani", "deir", "fiji", "samoa", "paris"}, ""},
		{"page size 1 with spat", []string{"-oo", "PAGE_SIZE=1", "-spat", "35", "32", "43", "38"}, []string{"raqqa", "kobani", "deir"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ogrIDs(t, tc.args...); !slices.Equal(got, tc.want) {
				t.Errorf("ogr2ogr %v: %v, want %v", tc.args, got, tc.want)
			}
			if tc.bbox != "" {
				if got := s.items(t, "bbox="+tc.bbox).ids(); !slices.Equal(got, tc.want) {
					t.Errorf("HTTP bbox=%s: %v, want %v", tc.bbox, got, tc.want)
				}
			}
		})
	}
	t.Run("places", func(t *testing.T) {
		out := gdal(t, "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", src, "places", "-spat", "38", "36", "39", "37")
		if !strings.Contains(out, `"Ayn al Arab"`) || strings.Contains(out, `"Ar Raqqah"`) {
			t.Errorf("places -spat:\n%s", out)
		}
	})
	// Paging with PAGE_SIZE=1 must have gone through the next links.
	if n := strings.Count(s.log.String(), "cursor="); n < 5 {
		t.Errorf("GDAL followed %d next links with PAGE_SIZE=1, want ≥ 5", n)
	}
}

// startBinary runs the real geonews binary serving db and returns its URL.
func startBinary(t *testing.T, bin, db string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--token", "sig", "--tiles", "off")
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := servingURL.FindStringSubmatch(logs.String()); m != nil {
			return cmd, m[1], logs
		}
	}
	t.Fatalf("geonews serve did not start:\n%s", logs.String())
	return nil, "", nil
}

// batchBody is one article's worth of events: a FeatureCollection that the
// server stores in one transaction.
func batchBody(batch, size int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range size {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"b%d-%d","geometry":{"type":"Point","coordinates":[%d.5,%d.25]},"properties":{"title":"batch %d event %d","time":"2020-01-01T00:%02d:%02d.%03dZ","tags":["t%d"]}}`,
			batch, i, i%170, i%80, batch, i, batch%60, i%60, batch%1000, batch%5)
	}
	b.WriteString("]}")
	return b.String()
}

// TestServeSignals stops a writing server. SIGTERM: every write it
// acknowledged is in the DB and the process exits 0. SIGKILL: the DB opens,
// passes bbolt's consistency check, and holds whole batches only.
func TestServeSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const size = 50
	bin := mustBinary(t)
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "sig.db")
			cmd, base, logs := startBinary(t, bin, db)
			var (
				mu    sync.Mutex
				acked []int
				sent  atomic.Int64
				wg    sync.WaitGroup
			)
			stop := make(chan struct{})
			for w := range 4 {
				wg.Go(func() {
					for i := w; ; i += 4 {
						select {
						case <-stop:
							return
						default:
						}
						sent.Add(1)
						req, _ := http.NewRequest("POST", base+"/collections/events/items", strings.NewReader(batchBody(i, size)))
						req.Header.Set("Content-Type", "application/geo+json")
						req.Header.Set("Authorization", "Bearer sig")
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							continue // the server is going away
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode == 201 {
							mu.Lock()
							acked = append(acked, i)
							mu.Unlock()
						} else if res.StatusCode != 503 {
							t.Errorf("batch %d: status %d", i, res.StatusCode)
						}
					}
				})
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 20 || time.Now().After(deadline) {
					break
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			close(stop)
			wg.Wait()
			if sig == syscall.SIGTERM && err != nil {
				t.Fatalf("SIGTERM: %v\n%s", err, logs.String())
			}
			if len(acked) == 0 {
				t.Fatalf("no batch acknowledged before the signal")
			}

			// The DB opens (the lock is gone), is consistent, and holds
			// every acknowledged batch whole and no partial one.
			bdb, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			if err := bdb.View(func(tx *bolt.Tx) error {
				for err := range tx.Check() {
					return err
				}
				return nil
			}); err != nil {
				t.Fatalf("consistency check: %v", err)
			}
			st, err := store.Open(bdb)
			if err != nil {
				t.Fatal(err)
			}
			whole := 0
			for i := range int(sent.Load()) + 4 {
				n := 0
				for j := range size {
					if _, err := st.Event(t.Context(), fmt.Sprintf("b%d-%d", i, j)); err == nil {
						n++
					}
				}
				if n != 0 && n != size {
					t.Errorf("batch %d is partly stored: %d of %d events", i, n, size)
				}
				if n == size {
					whole++
				}
				if n == 0 && slices.Contains(acked, i) {
					t.Errorf("batch %d was acknowledged but is not stored", i)
				}
			}
			t.Logf("%v after %d acknowledged batches: %d whole batches stored", sig, len(acked), whole)
		})
	}
}

// TestServeMaxMappedBadInput checks that a bad limit, from the flag or the
// environment, is refused with a one-line message and exit status 2 before
// the database is opened.
func TestServeMaxMappedBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--max-mapped", "-1"}, "", "--max-mapped -1: must be 0 (no limit) or more"},
		{[]string{"--max-mapped", "lots"}, "", "invalid value"},
		{nil, "lots", `GEONEWS_MAX_MAPPED="lots": not a number of MB`},
		{[]string{"--base-url", "javascript://evil.example"}, "", "--base-url"},
		{[]string{"--base-url", "https://news.example.org/?x=1"}, "", "--base-url"},
	} {
		db := filepath.Join(t.TempDir(), "never.db")
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Logger: slog.New(slog.DiscardHandler),
			Getenv: func(k string) string {
				if k == "GEONEWS_MAX_MAPPED" {
					return tc.env
				}
				return ""
			}}
		code := Run(context.Background(), env, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tc.args...))
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v env %q: exit %d, stderr %q; want 2 and %q", tc.args, tc.env, code, errb.String(), tc.want)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("%v env %q: the database was created", tc.args, tc.env)
		}
	}
}

// TestServeBaseURL: links follow --base-url whatever Host and
// X-Forwarded-Proto a client sends; with --trust-proxy they follow the
// proxy's headers, when those are a plain http(s) scheme and host.
func TestServeBaseURL(t *testing.T) {
	evil := []string{"Host", "evil.example", "X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "evil.example"}
	s := startServe(t, filepath.Join(t.TempDir(), "b.db"), nil, "--token", "b", "--base-url", "https://news.example.org")
	if self := s.items(t, "limit=1").link("self"); !strings.HasPrefix(self, "https://news.example.org/collections/events/items?") {
		t.Errorf("self link %q", self)
	}
	r := s.do(t, "GET", "/collections/events/items?limit=1", "", evil...)
	if !strings.Contains(string(r.body), `"href":"https://news.example.org/collections/events/items?`) || strings.Contains(string(r.body), "evil") {
		t.Errorf("with Host: evil.example the links are %s", r.body)
	}
	p := startServe(t, filepath.Join(t.TempDir(), "p.db"), map[string]string{"GEONEWS_TRUST_PROXY": "1"}, "--token", "p")
	r = p.do(t, "GET", "/collections/events/items?limit=1", "", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "maps.example.org")
	if !strings.Contains(string(r.body), `"href":"https://maps.example.org/collections/events/items?`) {
		t.Errorf("behind a trusted proxy the links are %s", r.body)
	}
	r = p.do(t, "GET", "/collections/events/items?limit=1", "", evil...)
	if strings.Contains(string(r.body), "evil") || strings.Contains(string(r.body), "javascript") {
		t.Errorf("a trusted proxy's bad scheme reached the links: %s", r.body)
	}
}
