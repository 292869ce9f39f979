package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// mustGazetteerDB writes a DB holding a handful of places and returns its path.
func mustGazetteerDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*geo.Place{
		{Name: "Ar Raqqah", AlternateNames: []string{"Raqqa", "Raqa"}, Point: orb.Point{39.0167, 35.95},
			FeatureClass: "P", FeatureCode: "PPLA", Country: "SY", Admin1: "04", Population: 177000},
		{Name: "Syria", Point: orb.Point{38, 35}, FeatureClass: "A", FeatureCode: "PCLI", Country: "SY", Population: 17000000},
		{Name: "Braga", Point: orb.Point{-8.42, 41.55}, FeatureClass: "P", FeatureCode: "PPLA", Country: "PT", Population: 121000},
	} {
		p.Source = geo.SourceUser
		if err := g.CreatePlace(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

const cliText = "Air strikes hit Raqa on Tuesday, General Jonathan Braga said, as talks in Syria went on."

func TestGeoparseCommand(t *testing.T) {
	db := mustGazetteerDB(t)
	code, out, errs := runEventsCmd(t, cliText, "geoparse", "--db", db, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var ms []mentionJSON
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Text)
		if m.Lat == nil {
			t.Errorf("%q unresolved", m.Text)
		}
	}
	if want := "Raqa,Syria"; strings.Join(got, ",") != want {
		t.Errorf("mentions %v, want %s", got, want)
	}
}

func TestGeoparseCommand_JSONL(t *testing.T) {
	db := mustGazetteerDB(t)
	in := `{"id":"a","text":"Fighting in Raqa."}` + "\n" +
		`not json` + "\n" +
		`{"id":"c","text":"Raqa and Syria","spans":[{"start":9,"end":14}]}` + "\n" +
		`{"id":"d","text":"x","spans":[{"start":0,"end":5}]}` + "\n"
	code, out, errs := runEventsCmd(t, in, "geoparse", "--db", db, "--jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d output lines, want 4:\n%s", len(lines), out)
	}
	type res struct {
		ID       string        `json:"id"`
		Mentions []mentionJSON `json:"mentions"`
		Error    string        `json:"error"`
	}
	var r [4]res
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &r[i]); err != nil {
			t.Fatal(err)
		}
	}
	if len(r[0].Mentions) != 1 || r[0].Mentions[0].Start != 12 || r[0].Mentions[0].Name != "Ar Raqqah" {
		t.Errorf("line 1: %+v", r[0])
	}
	if r[1].Error == "" {
		t.Errorf("line 2 is not JSON but has no error: %+v", r[1])
	}
	if len(r[2].Mentions) != 1 || r[2].Mentions[0].Text != "Syria" {
		t.Errorf("line 3: only the given span should be resolved: %+v", r[2])
	}
	if r[3].Error == "" {
		t.Errorf("line 4: a span outside the text must be an error: %+v", r[3])
	}
}

func TestIngestCommand(t *testing.T) {
	db := mustGazetteerDB(t)
	args := []string{"ingest", "--db", db, "--published", "2017-10-11T12:00:00Z", "--url", "https://example.org/a", "-"}
	code, out, errs := runEventsCmd(t, cliText, append([]string{"ingest", "--dry-run"}, args[1:]...)...)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errs)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Time  time.Time `json:"time"`
				Tags  []string  `json:"tags"`
				Place struct{ Name string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(fc.Features) == 0 || fc.Features[0].Properties.Place.Name != "Ar Raqqah" ||
		!fc.Features[0].Properties.Time.Equal(time.Date(2017, 10, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("dry run: %s", out)
	}
	if code, _, errs := runEventsCmd(t, cliText, args...); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	n := countEvents(t, db)
	if n == 0 {
		t.Fatal("nothing stored")
	}
	// The same article again stores nothing new.
	if code, out, errs := runEventsCmd(t, cliText, args...); code != 0 || !strings.Contains(out, "stored 0 new") {
		t.Fatalf("second ingest: exit %d: %s %s", code, out, errs)
	}
	if got := countEvents(t, db); got != n {
		t.Errorf("events after second ingest: %d, want %d", got, n)
	}
	if code, _, _ := runEventsCmd(t, "", "ingest", "--db", db, "--published", "yesterday", "-"); code != 2 {
		t.Errorf("bad --published: exit %d, want 2", code)
	}
}
