package geo

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestEventMerge(t *testing.T) {
	e := &Event{ID: "a", Point: orb.Point{39, 35.9}, Time: time.Date(2017, 6, 13, 0, 0, 0, 0, time.UTC), Title: "Strike", Tags: []string{},
		Source: Source{URL: "https://www.one.example/1", Outlet: "One"}}
	if e.NumSources() != 1 || e.NumArticles() != 1 {
		t.Fatalf("one report: %d sources, %d articles", e.NumSources(), e.NumArticles())
	}
	m := &Merge{Rule: "same-happening", Detail: "same day"}
	for i, src := range []Source{
		{URL: "https://two.example/2", Outlet: "Two"},
		{URL: "https://two.example/3", Outlet: "two"},      // the same outlet, another article
		{URL: "https://one.example/4"},                     // no outlet: counted by host
		{URL: "https://three.example/5", Title: "Three's"}, // a new host
	} {
		if !e.AddReport(&Event{ID: fmt.Sprint("r", i), Source: src}, m) {
			t.Fatalf("report %d refused", i)
		}
	}
	// Outlets: One, Two, one.example (host), three.example.
	if e.NumSources() != 4 || e.NumArticles() != 5 {
		t.Errorf("%d sources, %d articles, want 4 and 5", e.NumSources(), e.NumArticles())
	}
	if e.Sources[0].Event != "a" || e.Sources[2].Event != "r1" || !e.HasArticle("https://two.example/3") || e.HasArticle("https://two.example/9") {
		t.Errorf("sources %+v", e.Sources)
	}
	var f struct {
		Properties struct {
			NumSources  int      `json:"num_sources"`
			NumArticles int      `json:"num_articles"`
			Sources     []Source `json:"sources"`
			Merge       *Merge   `json:"merge"`
		} `json:"properties"`
	}
	b := AppendFeature(nil, e)
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if p := f.Properties; p.NumSources != 4 || p.NumArticles != 5 || len(p.Sources) != 5 || p.Sources[3] != e.Sources[3] || *p.Merge != *m {
		t.Errorf("GeoJSON properties %+v from %s", p, b)
	}
	// What a GET returns reads back (the store's properties ignored).
	if got, err := DecodeFeature(b); err != nil || got.Sources != nil || got.Source != e.Source {
		t.Errorf("decoded %+v, %v", got, err)
	}
	e.Unmerge()
	if e.Sources != nil || e.Merge != nil || e.Source.URL != "https://www.one.example/1" || e.Source.Event != "" {
		t.Errorf("unmerged %+v", e)
	}
	for i := range MaxSources - 1 {
		e.AddReport(&Event{ID: fmt.Sprint("s", i), Source: Source{URL: fmt.Sprint("https://x.example/", i)}}, m)
	}
	if len(e.Sources) != MaxSources || e.AddReport(&Event{ID: "over"}, m) || len(e.Sources) != MaxSources {
		t.Errorf("%d sources after MaxSources reports and one more", len(e.Sources))
	}
}
