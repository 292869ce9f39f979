package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	bolt "go.etcd.io/bbolt"
)

// newClusterServer is a test server on a real store holding n random
// events: clusters need the store's counters and indexes.
func newClusterServer(t *testing.T, n int) (*testServer, []*geo.Event) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "geonews.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(6, 6))
	centres := []orb.Point{{38.99, 35.95}, {179.8, -17}, {2.35, 48.85}}
	tags := []string{"airstrike", "protest", "flood", "election"}
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]*geo.Event, n)
	for i := range events {
		p := orb.Point{r.Float64()*360 - 180, r.Float64()*160 - 80}
		if r.IntN(2) == 0 {
			c := centres[r.IntN(len(centres))]
			p = orb.Point{c[0] + r.NormFloat64()*0.3, c[1] + r.NormFloat64()*0.3}
			if p[0] > 180 {
				p[0] -= 360
			}
		}
		var tt []string
		for _, j := range r.Perm(len(tags))[:r.IntN(3)] {
			tt = append(tt, tags[j])
		}
		events[i] = &geo.Event{ID: fmt.Sprintf("e%d", i), Point: p, Tags: tt, Type: []string{"", "protest", "riot"}[i%3],
			Time: base.Add(time.Duration(r.IntN(1000)) * time.Hour), Title: fmt.Sprintf("Event %d", i)}
	}
	if _, err := st.CreateEvents(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	return newTestServer(t, func(c *Config) { c.Events = st }), events
}

// TestClusters_AddUpToNumberMatched checks that the clusters' counts add up
// to the items endpoint's numberMatched (or, without one, to the features
// of all its pages) for the same bbox and filters.
func TestClusters_AddUpToNumberMatched(t *testing.T) {
	ts, _ := newClusterServer(t, 3000)
	filters := []string{
		"",
		"bbox=-180,-90,180,90",
		"bbox=30,30,45,40",
		"bbox=170,-30,-170,10", // across the antimeridian
		"bbox=30,30,45,40&tags=flood,protest",
		"tags=airstrike,election",
		"datetime=2017-01-10T00:00:00Z/2017-01-30T00:00:00Z",
		"bbox=-20,20,60,70&datetime=2017-01-10/..&tags=flood",
		"q=event+1",
		"bbox=38.5,35.5,39.5,36.5",
		"bbox=38.5,35.5,39.5,36.5&tags=flood&q=event",
		"bbox=170,-30,-170,10&q=event&tags=protest&datetime=../2017-02-01",
		"type=protest",
		"bbox=30,30,45,40&type=riot,protest&datetime=2017-01-10/2017-01-31",
		"bbox=38.5,35.5,39.5,36.5&type=riot",
		"type=protest&datetime=2017-01-10T06:00:00Z/..",
	}
	for _, f := range filters {
		zooms := []int{0, 3, 6}
		if strings.HasPrefix(f, "bbox=38.5") {
			zooms = append(zooms, 10, 13) // cells finer than the counters
		}
		for _, zoom := range zooms {
			t.Run(fmt.Sprintf("%s/z%d", f, zoom), func(t *testing.T) {
				var got struct {
					EventsMatched int `json:"eventsMatched"`
					Features      []struct {
						Properties struct {
							Count   int            `json:"count"`
							TopTags []string       `json:"top_tags"`
							ID      string         `json:"id"`
							Types   map[string]int `json:"types"`
						} `json:"properties"`
					} `json:"features"`
				}
				r := ts.do(t, "GET", "/collections/events/clusters?zoom="+fmt.Sprint(zoom)+"&"+f, nil)
				if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
					t.Fatalf("status %d, %s: %s", r.status, r.header.Get("Content-Type"), r.body)
				}
				if err := json.Unmarshal(r.body, &got); err != nil {
					t.Fatal(err)
				}
				sum := 0
				for _, ft := range got.Features {
					p := ft.Properties
					sum += p.Count
					if (p.Count == 1) != (p.ID != "") || p.TopTags == nil || len(p.TopTags) > 3 {
						t.Errorf("cluster %+v", p)
					}
					// types are known unless tags, q or a datetime other than whole days
					if p.Types == nil && !strings.Contains(f, "tags=") && !strings.Contains(f, "q=") && !strings.Contains(f, "T0") {
						t.Errorf("cluster %+v has no types", p)
					}
					if p.Types != nil {
						n := 0
						for _, k := range p.Types {
							n += k
						}
						if n != p.Count {
							t.Errorf("cluster %+v: types add up to %d", p, n)
						}
					}
				}
				if want := matched(t, ts, f); sum != want || got.EventsMatched != want {
					t.Fatalf("counts add up to %d (eventsMatched %d), items match %d", sum, got.EventsMatched, want)
				}
			})
		}
	}
}

// matched is the items endpoint's numberMatched for query, or the count of
// all its pages.
func matched(t *testing.T, ts *testServer, query string) int {
	t.Helper()
	path := "/collections/events/items?limit=10000&" + query
	n := 0
	for first := true; ; first = false {
		var page struct {
			NumberMatched *int `json:"numberMatched"`
			Features      []any
			Links         []struct{ Href, Rel string }
		}
		r := ts.do(t, "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if first && page.NumberMatched != nil {
			return *page.NumberMatched
		}
		n += len(page.Features)
		next := ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
		if next == "" {
			return n
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		path = u.RequestURI()
	}
}

func TestClusters_Errors(t *testing.T) {
	ts, _ := newClusterServer(t, 10)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/collections/events/clusters", 400},
		{"/collections/events/clusters?zoom=-1", 400},
		{"/collections/events/clusters?zoom=23", 400},
		{"/collections/events/clusters?zoom=x", 400},
		{"/collections/events/clusters?zoom=NaN", 400},
		{"/collections/events/clusters?zoom=3&limit=10", 400},
		{"/collections/events/clusters?zoom=3&bbox=1,2,3", 400},
		{"/collections/events/clusters?zoom=3&datetime=yesterday", 400},
		{"/collections/events/clusters?zoom=20", 400}, // the world at street level
		{"/collections/places/clusters?zoom=3", 404},
		{"/collections/nope/clusters?zoom=3", 404},
		{"/collections/events/tiles/3/8/0.mvt", 400},
		{"/collections/events/tiles/3/0/8.mvt", 400},
		{"/collections/events/tiles/23/0/0.mvt", 400},
		{"/collections/events/tiles/-1/0/0.mvt", 400},
		{"/collections/events/tiles/3/0/0.png", 400},
		{"/collections/events/tiles/3/0/0.mvt?bbox=1,2,3,4", 400},
		{"/collections/events/tiles/3/0/0.mvt?tags=", 400},
		{"/collections/places/tiles/0/0/0.mvt", 404},
		{"/collections/events/tiles?zoom=1", 400},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := ts.do(t, "GET", tc.path, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			var e errorBody
			if err := json.Unmarshal(r.body, &e); err != nil || e.Code == "" || e.Description == "" {
				t.Fatalf("error body %s (%v)", r.body, err)
			}
		})
	}
	// A store that cannot cluster: 503, not a crash.
	fake := newTestServer(t)
	if r := fake.do(t, "GET", "/collections/events/clusters?zoom=1", nil); r.status != 503 {
		t.Fatalf("fake store: status %d: %s", r.status, r.body)
	}
}

// TestTiles decodes every tile of zoom 2 and a few point tiles and checks
// their features against the events.
func TestTiles(t *testing.T) {
	ts, events := newClusterServer(t, 2000)
	inMercator := 0
	for _, e := range events {
		if e.Point[1] > -85.0511 && e.Point[1] < 85.0511 {
			inMercator++
		}
	}
	sum := 0
	for x := uint32(0); x < 4; x++ {
		for y := uint32(0); y < 4; y++ {
			layer := getTile(t, ts, fmt.Sprintf("/collections/events/tiles/2/%d/%d.mvt", x, y), maptile.New(x, y, 2))
			b := maptile.New(x, y, 2).Bound(0.01)
			for _, f := range layer.Features {
				n, _ := f.Properties["count"].(float64)
				sum += int(n)
				if !b.Contains(f.Geometry.(orb.Point)) {
					t.Errorf("tile 2/%d/%d: feature at %v", x, y, f.Geometry)
				}
			}
		}
	}
	if sum != inMercator {
		t.Errorf("zoom-2 tiles count %d events, want %d", sum, inMercator)
	}

	// From zoom 12, tiles hold the events themselves.
	p := orb.Point{38.99, 35.95}
	tile := maptile.At(p, 13)
	layer := getTile(t, ts, fmt.Sprintf("/collections/events/tiles/13/%d/%d.mvt", tile.X, tile.Y), tile)
	want := map[string]bool{}
	for _, e := range events {
		if tile.Bound().Contains(e.Point) {
			want[e.ID] = true
		}
	}
	if len(layer.Features) != len(want) {
		t.Fatalf("tile %v: %d features, want %d", tile, len(layer.Features), len(want))
	}
	for _, f := range layer.Features {
		if id, _ := f.Properties["id"].(string); !want[id] {
			t.Errorf("tile %v: unexpected feature %v", tile, f.Properties)
		}
	}

	// Filters apply to tiles as to items.
	layer = getTile(t, ts, "/collections/events/tiles/0/0/0.mvt?tags=flood", maptile.New(0, 0, 0))
	n := 0
	for _, f := range layer.Features {
		c, _ := f.Properties["count"].(float64)
		n += int(c)
	}
	if want := matched(t, ts, "tags=flood&bbox=-180,-85.0511287798066,180,85.0511287798066"); n != want {
		t.Errorf("flood tile counts %d, items %d", n, want)
	}
}

func getTile(t *testing.T, ts *testServer, path string, tile maptile.Tile) *mvt.Layer {
	t.Helper()
	r := ts.do(t, "GET", path, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	if got, want := r.header.Get("Content-Type"), mimeMVT; got != want {
		t.Fatalf("GET %s: Content-Type %q, want %q", path, got, want)
	}
	layers, err := mvt.Unmarshal(r.body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if len(layers) == 0 { // an empty tile has no layer at all
		return &mvt.Layer{Name: "events"}
	}
	if len(layers) != 1 || layers[0].Name != "events" {
		t.Fatalf("GET %s: layers %v", path, layers)
	}
	layers.ProjectToWGS84(tile)
	return layers[0]
}

func TestTileJSON(t *testing.T) {
	ts, _ := newClusterServer(t, 10)
	m := ts.do(t, "GET", "/collections/events/tiles?tags=flood", nil).json(t)
	if m["tilejson"] != "3.0.0" {
		t.Errorf("tilejson %v", m["tilejson"])
	}
	tiles, _ := m["tiles"].([]any)
	if len(tiles) != 1 || !strings.HasSuffix(tiles[0].(string), "/collections/events/tiles/{z}/{x}/{y}.mvt?tags=flood") {
		t.Errorf("tiles %v", tiles)
	}
	layers, _ := m["vector_layers"].([]any)
	if len(layers) != 1 || layers[0].(map[string]any)["id"] != "events" {
		t.Errorf("vector_layers %v", layers)
	}
}

// TestTimeline checks the timeline's buckets against the items endpoint:
// each bucket's count and count per type is numberMatched for its dates.
func TestTimeline(t *testing.T) {
	ts, _ := newClusterServer(t, 3000)
	for _, f := range []string{"", "bbox=30,30,45,40", "bbox=170,-30,-170,10&type=protest", "type=riot,protest&step=week", "step=month&bbox=38.5,35.5,39.5,36.5"} {
		t.Run(f, func(t *testing.T) {
			var got struct {
				Step    string         `json:"step"`
				Total   int            `json:"total"`
				Types   map[string]int `json:"types"`
				Buckets []struct {
					Start string         `json:"start"`
					Count int            `json:"count"`
					Types map[string]int `json:"types"`
				} `json:"buckets"`
			}
			r := ts.do(t, "GET", "/collections/events/timeline?"+f, nil)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			v, _ := url.ParseQuery(f)
			v.Del("step")
			if got.Total != matched(t, ts, v.Encode()) || len(got.Buckets) == 0 {
				t.Fatalf("total %d over %d buckets, items match %d", got.Total, len(got.Buckets), matched(t, ts, v.Encode()))
			}
			for i, b := range got.Buckets {
				if i%7 != 0 && i != len(got.Buckets)-1 {
					continue // a sample: each is a request
				}
				start, err := time.Parse(time.DateOnly, b.Start)
				if err != nil {
					t.Fatal(err)
				}
				end := start.AddDate(0, 0, 1)
				switch got.Step {
				case "week":
					end = start.AddDate(0, 0, 7)
				case "month":
					end = start.AddDate(0, 1, 0)
				}
				w := url.Values{}
				for k, vs := range v {
					w[k] = vs
				}
				w.Set("datetime", b.Start+"/"+end.AddDate(0, 0, -1).Format(time.DateOnly))
				if want := matched(t, ts, w.Encode()); b.Count != want {
					t.Errorf("bucket %s: %d, items match %d", b.Start, b.Count, want)
				}
				for typ, n := range b.Types {
					w.Set("type", typ)
					if typ == "" {
						continue // no filter selects the untyped
					}
					if vt := v.Get("type"); vt != "" && !strings.Contains(vt, typ) {
						t.Errorf("bucket %s counts type %q, not asked for", b.Start, typ)
					}
					if want := matched(t, ts, w.Encode()); n != want {
						t.Errorf("bucket %s type %s: %d, items match %d", b.Start, typ, n, want)
					}
				}
			}
		})
	}
	for _, bad := range []string{"step=year", "datetime=2017-01-01/..", "type=", "zoom=3"} {
		if r := ts.do(t, "GET", "/collections/events/timeline?"+bad, nil); r.status != 400 {
			t.Errorf("%s: status %d", bad, r.status)
		}
	}
}
