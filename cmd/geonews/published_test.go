package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
)

// ingest --published takes the forms news sites print; the events' source
// carries the instant.
func TestIngestCommand_Published(t *testing.T) {
	db := mustGazetteerDB(t)
	for _, tc := range []struct{ published, want string }{
		{"Wed Oct 11, 2017 | 3:02pm EDT", "2017-10-11T19:02:00Z"},
		{"9:55 AM ET, Wed October 11, 2017", "2017-10-11T13:55:00Z"},
		{"2017-10-11", "2017-10-11T00:00:00Z"},
	} {
		code, out, errs := runEventsCmd(t, cliText, "ingest", "--dry-run", "--db", db, "--published", tc.published, "-")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.published, code, errs)
		}
		var fc struct {
			Features []struct {
				Properties struct {
					Time   time.Time
					Source struct{ Published string }
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &fc); err != nil || len(fc.Features) == 0 {
			t.Fatalf("%s: %v: %s", tc.published, err, out)
		}
		p := fc.Features[0].Properties
		if p.Source.Published != tc.want || !p.Time.Equal(time.Date(2017, 10, 10, 0, 0, 0, 0, time.UTC)) { // "on Tuesday"
			t.Errorf("%s: published %s, time %v; want %s and Tuesday", tc.published, p.Source.Published, p.Time, tc.want)
		}
	}
	code, _, errs := runEventsCmd(t, cliText, "ingest", "--db", db, "--published", "the other day", "-")
	if code != 2 || !strings.Contains(errs, `--published "the other day" is not a date we can read`) {
		t.Errorf("bad --published: exit %d: %s", code, errs)
	}
}

func TestGeoparseCommand_JSONLPublished(t *testing.T) {
	db := mustGazetteerDB(t)
	in := `{"id":"a","text":"Fighting in Raqa.","published":"4:58 PM ET, Wed November 16, 2016"}` + "\n" +
		`{"id":"b","text":"Fighting in Raqa.","published":"whenever"}` + "\n"
	code, out, errs := runEventsCmd(t, in, "geoparse", "--db", db, "--jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r [2]struct {
		Published string
		Mentions  []mentionJSON
		Error     string
	}
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if err := json.Unmarshal([]byte(l), &r[i]); err != nil {
			t.Fatal(err)
		}
	}
	if r[0].Published != "2016-11-16T21:58:00Z" || len(r[0].Mentions) != 1 || r[0].Error != "" {
		t.Errorf("line 1: %+v", r[0])
	}
	if !strings.Contains(r[1].Error, `published "whenever" is not a date we can read`) || r[1].Published != "" {
		t.Errorf("line 2: %+v", r[1])
	}
}

// events import reads properties.source.published in any common form, as
// POST does, and stores the instant; the new properties come through too.
func TestEventsImport_NewFields(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	in := `{"type":"Feature","id":"n1","geometry":{"type":"Point","coordinates":[39,35.95]},"properties":{"title":"Shelling","time":"2017-05-20T10:00:00Z",` +
		`"time_precision":"month","type":"Explosions/Remote violence","sub_type":"Shelling/artillery/missile attack","actor1":"army","actor2":"",` +
		`"source":{"url":"https://example.org/n1","published":"Tue, 10 Jun 2003 04:00:00 EDT"},"why":{"trigger":"shelled","mention":{"start":1,"end":5,"text":"Raqa"},"place_reason":"p","date_reason":"d"}}}` + "\n" +
		`{"type":"Feature","id":"n2","geometry":{"type":"Point","coordinates":[39,35.95]},"properties":{"title":"Talks","time":"2017-05-20T10:00:00Z","source":{"published":"2009-03-25 00:26:04-05"}}}` + "\n"
	if code, _, errs := runEventsCmd(t, in, "events", "import", "--db", db, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runEventsCmd(t, "", "events", "export", "--db", db, "--format", "ndjson")
	if code != 0 {
		t.Fatal(errs)
	}
	events := map[string]*geo.Event{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		e, err := geo.DecodeFeature([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		events[e.ID] = e
	}
	n1, n2 := events["n1"], events["n2"]
	if n1 == nil || n2 == nil {
		t.Fatalf("exported %s", out)
	}
	if !n1.Time.Equal(time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC)) || n1.TimePrecision != geo.TimeMonth || n1.Actor1 != "army" || n1.Why == nil || n1.Why.Trigger != "shelled" ||
		!n1.Source.Published.Equal(time.Date(2003, 6, 10, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("n1 %+v why %+v", n1, n1.Why)
	}
	if !n2.Source.Published.Equal(time.Date(2009, 3, 25, 5, 26, 4, 0, time.UTC)) || n2.Why != nil {
		t.Errorf("n2 %+v", n2)
	}
	// The rules of POST: an unknown precision or an unreadable date stops the import at its line.
	for _, tc := range []struct{ edit, want string }{
		{`"time_precision":"week",`, `line 2: properties.time_precision "week" is not one of day, month, year`},
		{`"source":{"published":"whenever"},`, `line 2: properties.source.published "whenever" is not a date we can read`},
	} {
		bad := strings.Replace(in, `"title":"Talks",`, `"title":"Talks",`+tc.edit, 1)
		bad = strings.Replace(bad, `"source":{"published":"2009-03-25 00:26:04-05"}`, `"excerpt":""`, 1)
		code, _, errs := runEventsCmd(t, bad, "events", "import", "--db", filepath.Join(dir, "bad.db"), "-")
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d: %s", tc.edit, code, errs)
		}
	}
}
