package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/geonews/geonews/geo"
)

// A posted event keeps its precision, type, actors and why; what a GET
// returns can be PUT back unchanged; and source.published may be in any
// common form.
func TestEventFields(t *testing.T) {
	ts := newTestServer(t)
	body := `{"type":"Feature","id":"ev-why","geometry":{"type":"Point","coordinates":[39,35.95]},"properties":{
		"title":"Shelling of Raqa","time":"2017-10-11T15:30:00Z","time_precision":"day","type":" Explosions/Remote violence ","sub_type":"Shelling/artillery/missile attack",
		"actor1":"Syrian army","actor2":"civilians","tags":["shelling"],
		"source":{"url":"https://example.org/b","published":"Wed Oct 11, 2017 | 3:02pm EDT","start":10,"end":60},
		"why":{"trigger":"shelled","mention":{"start":17,"end":21,"text":"Raqa"},"place_reason":"the only Raqa","date_reason":"the publication day"}}}`
	r := ts.do(t, "POST", "/collections/events/items", body, auth...)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	want := &geo.Why{Trigger: "shelled", Mention: geo.WhyMention{Start: 17, End: 21, Text: "Raqa"}, PlaceReason: "the only Raqa", DateReason: "the publication day"}
	e := ts.events.events["ev-why"]
	if e.TimePrecision != geo.TimeDay || !e.Time.Equal(day("2017-10-11T00:00:00Z")) || e.Type != "Explosions/Remote violence" || e.SubType != "Shelling/artillery/missile attack" ||
		e.Actor1 != "Syrian army" || e.Actor2 != "civilians" || !reflect.DeepEqual(e.Why, want) ||
		!e.Source.Published.Equal(day("2017-10-11T19:02:00Z")) || e.Source.Start != 10 || e.Source.End != 60 {
		t.Errorf("stored %+v why %+v", e, e.Why)
	}
	got := ts.do(t, "GET", "/collections/events/items/ev-why", nil)
	p := got.json(t)["properties"].(map[string]any)
	for k, v := range map[string]any{"time": "2017-10-11T00:00:00Z", "time_precision": "day", "type": "Explosions/Remote violence", "actor1": "Syrian army", "actor2": "civilians"} {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if why, _ := p["why"].(map[string]any); why["trigger"] != "shelled" || why["mention"].(map[string]any)["end"] != 21.0 {
		t.Errorf("why %v", p["why"])
	}
	if r := ts.do(t, "PUT", "/collections/events/items/ev-why", got.body, auth...); r.status != 200 || !bytes.Equal(r.body, got.body) {
		t.Errorf("PUT of the GET: %d\n%s\nwant\n%s", r.status, r.body, got.body)
	}
	// Events without the new fields say so with empty strings and null.
	p = ts.do(t, "GET", "/collections/events/items/raqqa", nil).json(t)["properties"].(map[string]any)
	for _, k := range []string{"time_precision", "type", "sub_type", "actor1", "actor2"} {
		if v, ok := p[k]; !ok || v != "" {
			t.Errorf("%s = %v (present %v), want \"\"", k, v, ok)
		}
	}
	if v, ok := p["why"]; !ok || v != nil {
		t.Errorf("why = %v (present %v), want null", v, ok)
	}
}

func TestEventFieldsErrors(t *testing.T) {
	ts := newTestServer(t)
	feature := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2020-01-01T00:00:00Z",` + props + `}}`
	}
	for _, tc := range []struct{ name, props, contains string }{
		{"precision", `"time_precision":"week"`, `properties.time_precision \"week\" is not one of day, month, year`},
		{"precision not a string", `"time_precision":1`, "properties.time_precision: expected a string, got a number"},
		{"type too long", `"type":"` + strings.Repeat("a", geo.MaxTypeLen+1) + `"`, "properties.type has 65 characters; at most 64"},
		{"sub_type too long", `"sub_type":"` + strings.Repeat("a", geo.MaxTypeLen+1) + `"`, "properties.sub_type has 65 characters"},
		{"actor1 not a string", `"actor1":["a"]`, "properties.actor1: expected a string, got an array"},
		{"actor2 too long", `"actor2":"` + strings.Repeat("é", geo.MaxActorLen+1) + `"`, "properties.actor2 has 201 characters; at most 200"},
		{"why not an object", `"why":"because"`, "properties.why: expected an object, got a string"},
		{"why unknown key", `"why":{"because":"x"}`, `unknown property \"because\"`},
		{"why mention backwards", `"why":{"mention":{"start":9,"end":2}}`, "properties.why.mention: start 9 and end 2"},
		{"why mention start not a number", `"why":{"mention":{"start":"a"}}`, "properties.why.mention.start: expected an integer, got a string"},
		{"why text too long", `"why":{"date_reason":"` + strings.Repeat("a", geo.MaxWhyLen+1) + `"}`, "properties.why.date_reason has 1001 characters"},
		{"published", `"source":{"published":"last week"}`, `properties.source.published \"last week\" is not a date we can read`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(t, "POST", "/collections/events/items", feature(tc.props), auth...)
			checkError(t, r, 400, geo.EINVALID)
			var body errorBody
			json.Unmarshal(r.body, &body)
			if !strings.Contains(string(r.body), tc.contains) {
				t.Errorf("description %q does not say %q", body.Description, tc.contains)
			}
		})
	}
}

// POST /articles reads published in the forms news sites print.
func TestArticlePublished(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct{ published, want string }{
		{"9:55 AM ET, Sun January 4, 2015", "2015-01-04T14:55:00Z"},
		{"2009-03-25 00:26:04-05", "2009-03-25T05:26:04Z"},
		{"2016-12-19", "2016-12-19T00:00:00Z"},
	} {
		r := ts.do(t, "POST", "/articles?dry_run=1", map[string]string{"text": "Talks in Kobani.", "published": tc.published}, append(auth, "Content-Type", "application/json")...)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", tc.published, r.status, r.body)
		}
		var f fc
		json.Unmarshal(r.body, &f)
		if len(f.Features) != 1 {
			t.Fatalf("%s: %d features", tc.published, len(f.Features))
		}
		if got := f.Features[0].Properties["source"].(map[string]any)["published"]; got != tc.want {
			t.Errorf("%s: published %v, want %s", tc.published, got, tc.want)
		}
	}
	r := ts.do(t, "POST", "/articles", `{"text":"Talks in Kobani.","published":"whenever"}`, append(auth, "Content-Type", "application/json")...)
	checkError(t, r, 400, geo.EINVALID)
	if !strings.Contains(string(r.body), `published \"whenever\" is not a date we can read`) {
		t.Errorf("message %s", r.body)
	}
}

// The OpenAPI document declares the new properties with their limits.
func TestAPIDocumentEventFields(t *testing.T) {
	ts := newTestServer(t)
	var api struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(ts.do(t, "GET", "/api", nil).body, &api); err != nil {
		t.Fatal(err)
	}
	var feature struct { // Feature → properties member → its properties
		Properties struct {
			Properties struct {
				Properties map[string]struct {
					Enum       []string                   `json:"enum"`
					MaxLength  int                        `json:"maxLength"`
					Nullable   bool                       `json:"nullable"`
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"properties"`
			} `json:"properties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(api.Components.Schemas["eventFeature"], &feature); err != nil {
		t.Fatal(err)
	}
	props := feature.Properties.Properties.Properties
	for k, max := range map[string]int{"type": geo.MaxTypeLen, "sub_type": geo.MaxTypeLen, "actor1": geo.MaxActorLen, "actor2": geo.MaxActorLen} {
		if got := props[k].MaxLength; got != max {
			t.Errorf("%s maxLength %d, want %d", k, got, max)
		}
	}
	if got := props["time_precision"].Enum; !reflect.DeepEqual(got, []string{"", "day", "month", "year"}) {
		t.Errorf("time_precision enum %v", got)
	}
	if why := props["why"]; !why.Nullable || len(why.Properties) != 4 {
		t.Errorf("why %+v", why)
	}
}
