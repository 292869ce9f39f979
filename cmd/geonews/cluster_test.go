package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
)

// TestServeClusters imports events with `geonews events import`, serves
// them, and checks over HTTP that cluster counts add up to the items'
// numberMatched for the same filters, and that a vector tile decodes.
func TestServeClusters(t *testing.T) {
	db := filepath.Join(t.TempDir(), "geonews.db")
	rng := rand.New(rand.NewPCG(6, 1))
	var lines []string
	for i := range 2000 {
		lon, lat := rng.Float64()*360-180, rng.Float64()*160-80
		if i%2 == 0 { // a hot spot across the antimeridian
			lon, lat = 179.5+rng.NormFloat64()*0.5, -17+rng.NormFloat64()*0.5
			if lon > 180 {
				lon -= 360
			}
		}
		tag := []string{"airstrike", "protest", "flood"}[i%3]
		lines = append(lines, fmt.Sprintf(`{"type":"Feature","id":"c%d","geometry":{"type":"Point","coordinates":[%f,%f]},`+
			`"properties":{"title":"Event %d","time":"2017-10-%02dT12:00:00Z","tags":[%q,"news"]}}`, i, lon, lat, i, 1+i%28, tag))
	}
	if code, _, stderr := runEventsCmd(t, strings.Join(lines, "\n")+"\n", "events", "import", "--db", db, "-"); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	s := startServe(t, db, nil)
	defer s.stop()

	for _, q := range []string{
		"bbox=-180,-90,180,90",
		"bbox=170,-25,-170,-10",
		"bbox=170,-25,-170,-10&tags=flood,news",
		"tags=protest&datetime=2017-10-05/2017-10-20",
		"bbox=170,-25,-170,-10&q=event+1",
	} {
		r := s.do(t, "GET", "/collections/events/clusters?zoom=3&"+q, "")
		if r.status != 200 {
			t.Fatalf("clusters?%s: %d %s", q, r.status, r.body)
		}
		var fc struct {
			Features []struct {
				Properties struct{ Count int } `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(r.body, &fc); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, f := range fc.Features {
			sum += f.Properties.Count
		}
		want := 0
		for p := s.items(t, "limit=10000&"+q); ; {
			if p.NumberMatched != nil {
				want = *p.NumberMatched
				break
			}
			want += len(p.Features)
			if p.link("next") == "" {
				break
			}
			t.Fatalf("items?%s: more than one page", q)
		}
		if sum != want {
			t.Errorf("clusters?%s: counts add up to %d, items match %d", q, sum, want)
		}
	}

	r := s.do(t, "GET", "/collections/events/tiles/0/0/0.mvt?tags=flood", "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("tile: %d %s", r.status, r.header.Get("Content-Type"))
	}
	layers, err := mvt.Unmarshal(r.body)
	if err != nil || len(layers) != 1 || layers[0].Name != "events" || len(layers[0].Features) == 0 {
		t.Fatalf("tile: %v, %v", layers, err)
	}
	if r := s.do(t, "GET", "/collections/events/tiles/1/2/0.mvt", ""); r.status != 400 || !strings.Contains(string(r.body), `"description"`) {
		t.Errorf("tile out of range: %d %s", r.status, r.body)
	}
}
