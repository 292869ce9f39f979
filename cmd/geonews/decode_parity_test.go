package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geonews/geonews/internal/pgtest"
)

// TestEventDecodeParity holds POST /collections/events/items and `geonews
// events import` (into bbolt and into PostGIS) to one decoder: on the same
// Feature they give the same verdict, and where the message does not depend
// on the caller (how its body or file is framed, whether it has a
// gazetteer), the same message, the import's after "line 1: ".
func TestEventDecodeParity(t *testing.T) {
	pt := `"geometry":{"type":"Point","coordinates":[1,2]}`
	ok := `"title":"x","time":"2017-01-01T00:00:00Z"`
	ev := func(top, props string) string {
		if top != "" {
			top += ","
		}
		return `{"type":"Feature",` + top + `"properties":{` + props + `}}`
	}
	tests := []struct {
		name, in string
		ok       bool
		sameMsg  bool // the message too, not just the verdict
	}{
		{"gen-events shape", `{"type":"Feature","id":12,` + pt + `,"properties":{"id":12,"time":"2019-03-04T05:06:07Z","tags":["airstrike"],"title":"Clashes"}}`, true, true},
		{"properties.id alone", ev(pt, `"id":"p1",`+ok), true, true},
		{"date only", ev(`"id":"d",`+pt, `"title":"x","time":"2017-01-01"`), true, true},
		{"altitude", ev(`"id":"alt","geometry":{"type":"Point","coordinates":[1,2,30]}`, ok), true, true},
		{"foreign member", ev(`"id":"fm","bbox":[1,2,1,2],`+pt, ok), true, true},
		{"place object", ev(`"id":"po",`+pt, ok+`,"place":{"id":5,"name":"Raqqa","precision":"city"}`), true, true},

		{"syntax", `{"type":"Feature",`, false, false},
		{"an array", `[1]`, false, false},
		{"invalid UTF-8", ev(pt, `"title":"x`+"\xff"+`","time":"2017-01-01T00:00:00Z"`), false, false},
		{"wrong type", `{"type":"feature",` + pt + `,"properties":{` + ok + `}}`, false, false},
		{"float id", ev(`"id":1.5,`+pt, ok), false, true},
		{"id an array", ev(`"id":[1],`+pt, ok), false, true},
		{"ids disagree", ev(`"id":"a",`+pt, `"id":"b",`+ok), false, true},
		{"unknown property", ev(pt, ok+`,"colour":"red"`), false, true},
		{"unknown in place", ev(pt, ok+`,"place":{"name":"a","colour":"red"}`), false, true},
		{"unknown in source", ev(pt, ok+`,"source":{"author":"me"}`), false, true},
		{"unknown in why", ev(pt, ok+`,"why":{"because":"x"}`), false, true},
		{"title a number", ev(pt, `"title":5,"time":"2017-01-01T00:00:00Z"`), false, true},
		{"tags a string", ev(pt, ok+`,"tags":"a,b"`), false, true},
		{"no time", ev(pt, `"title":"x"`), false, true},
		{"time not RFC 3339", ev(pt, `"title":"x","time":"yesterday"`), false, true},
		{"time out of range", ev(pt, `"title":"x","time":"1500-01-01T00:00:00Z"`), false, true},
		{"empty title", ev(pt, `"title":"  ","time":"2017-01-01T00:00:00Z"`), false, true},
		{"latitude", ev(`"geometry":{"type":"Point","coordinates":[1,95]}`, ok), false, true},
		{"one coordinate", ev(`"geometry":{"type":"Point","coordinates":[1]}`, ok), false, true},
		{"line", ev(`"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}`, ok), false, true},
		{"no properties", `{"type":"Feature",` + pt + `}`, false, true},
		{"null geometry, no place", ev(`"geometry":null`, ok), false, true},
		{"null geometry, a place name", ev(`"geometry":null`, ok+`,"place":"Nowhereville"`), false, false},
		{"confidence", ev(pt, ok+`,"confidence":2`), false, true},
		{"time precision", ev(pt, ok+`,"time_precision":"week"`), false, true},
		{"published", ev(pt, ok+`,"source":{"published":"whenever"}`), false, true},
		{"event id", ev(`"id":"a b",`+pt, ok), false, true},
	}
	srv := startServe(t, filepath.Join(t.TempDir(), "serve.db"), nil, "--token", "tok")
	srv.token = "tok"
	dbs := map[string]func() string{
		"bbolt":   func() string { return filepath.Join(t.TempDir(), "import.db") },
		"postgis": func() string { return pgtest.DB(t) },
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := srv.write(t, "POST", "/collections/events/items", tc.in)
			if got := r.status == 201; got != tc.ok {
				t.Fatalf("POST: %d %s, want ok %v", r.status, r.body, tc.ok)
			}
			var posted struct{ Code, Description string }
			if !tc.ok {
				if err := json.Unmarshal(r.body, &posted); err != nil || r.status != 400 || posted.Code == "" {
					t.Fatalf("POST: %d %s, want a JSON 400", r.status, r.body)
				}
			}
			for name, db := range dbs {
				code, _, stderr := runEventsCmd(t, tc.in+"\n", "events", "import", "--db", db(), "-")
				if got := code == 0; got != tc.ok {
					t.Fatalf("import into %s: exit %d, want ok %v: %s", name, code, tc.ok, stderr)
				}
				if tc.ok {
					continue
				}
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				last := lines[len(lines)-1]
				if !strings.HasPrefix(last, "geonews events: standard input: line 1: ") {
					t.Errorf("import into %s: %q does not name line 1", name, last)
				}
				if tc.sameMsg && !strings.HasSuffix(last, "line 1: "+posted.Description) {
					t.Errorf("import into %s says %q,\nPOST says %q", name, last, posted.Description)
				}
			}
		})
	}
}
