package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

const sampleGeoNames = "../../gazetteer/testdata/sample.txt"

// resolveLine runs `geonews resolve` and decodes its one line of output.
func resolveLine(t *testing.T, db string, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := runEventsCmd(t, "", append([]string{"resolve", "--db", db}, args...)...)
	if code != 0 {
		t.Fatalf("resolve %v: exit %d: %s", args, code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("resolve %v printed %q: %v", args, out, err)
	}
	return m
}

func mustBuild(t *testing.T, db, geonames string) {
	t.Helper()
	if code, _, errOut := runEventsCmd(t, "", "gazetteer", "build", "--db", db, "--geonames", geonames); code != 0 {
		t.Fatalf("build: exit %d: %s", code, errOut)
	}
}

func TestGazetteerCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	mustBuild(t, db, sampleGeoNames)
	m := resolveLine(t, db, "Paris", "--country", "US")
	for _, k := range []string{"query", "id", "name", "lat", "lon", "country", "feature_code", "population", "score", "reason"} {
		if _, ok := m[k]; !ok {
			t.Errorf("resolve output lacks %q: %v", k, m)
		}
	}
	if m["country"] != "US" || m["query"] != "Paris" {
		t.Errorf("resolve Paris --country US = %v", m)
	}
	if m := resolveLine(t, db, "--near", "32.78,-96.8", "Paris"); m["country"] != "US" {
		t.Errorf("resolve --near Dallas Paris = %v", m)
	}
	if m := resolveLine(t, db, "Atlantis"); m["id"] != nil {
		t.Errorf("resolve Atlantis = %v, want id null", m)
	}
	code, out, _ := runEventsCmd(t, "", "resolve", "--db", db, "--all", "Paris")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) < 3 || !strings.Contains(lines[0], `"country":"FR"`) {
		t.Errorf("resolve --all Paris: exit %d, lines %q", code, lines)
	}

	// add → resolves at once; edit; show; delete.
	code, out, errOut := runEventsCmd(t, "", "gazetteer", "add", "--db", db, "--name", "Checkpoint Seven", "--lat", "35.9",
		"--lon", "38.9", "--alt", "CP7", "--country", "sy", "--kind", "landmark")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	var added struct {
		ID      int64  `json:"id"`
		Country string `json:"country"`
		Source  string `json:"source"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatal(err)
	}
	if added.Country != "SY" || added.Source != "user" {
		t.Errorf("added = %+v", added)
	}
	id := strconv.FormatInt(added.ID, 10)
	if got := resolveLine(t, db, "cp7"); got["id"] != float64(added.ID) || got["feature_code"] != "BLDG" {
		t.Errorf("new entry does not resolve: %v", got)
	}
	if code, _, errOut := runEventsCmd(t, "", "gazetteer", "edit", "--db", db, id, "--name", "Checkpoint Eight"); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, errOut)
	}
	if got := resolveLine(t, db, "Checkpoint Eight"); got["id"] != float64(added.ID) {
		t.Errorf("edited entry does not resolve: %v", got)
	}
	if code, out, _ := runEventsCmd(t, "", "gazetteer", "show", "--db", db, id); code != 0 || !strings.Contains(out, "Checkpoint Eight") {
		t.Errorf("show: exit %d: %s", code, out)
	}
	if code, _, errOut := runEventsCmd(t, "", "gazetteer", "delete", "--db", db, id); code != 0 {
		t.Fatalf("delete: exit %d: %s", code, errOut)
	}
	if got := resolveLine(t, db, "Checkpoint Eight"); got["id"] != nil {
		t.Errorf("deleted entry still resolves: %v", got)
	}
}

// TestGazetteerBadInput: each mistake gets one clear line and a non-zero
// exit, and nothing stored changes.
func TestGazetteerBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	mustBuild(t, db, sampleGeoNames)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"latitude 91", []string{"gazetteer", "add", "--name", "X", "--lat", "91", "--lon", "0"}, 1, "latitude 91 is outside -90..90"},
		{"empty name", []string{"gazetteer", "add", "--name", " ", "--lat", "1", "--lon", "0"}, 1, "place name is empty"},
		{"lat not a number", []string{"gazetteer", "add", "--name", "X", "--lat", "north", "--lon", "0"}, 2, "--lat must be a number"},
		{"missing lon", []string{"gazetteer", "add", "--name", "X", "--lat", "1"}, 2, "--lon is required"},
		{"unknown kind", []string{"gazetteer", "add", "--name", "X", "--lat", "1", "--lon", "1", "--kind", "castle"}, 2, "--kind \"castle\" is not one of"},
		{"bad country", []string{"gazetteer", "add", "--name", "X", "--lat", "1", "--lon", "1", "--country", "Syria"}, 1, "not an ISO 3166-1"},
		{"edit a missing place", []string{"gazetteer", "edit", "12345", "--name", "Y"}, 1, "place 12345 not found"},
		{"delete a non-number", []string{"gazetteer", "delete", "abc"}, 2, "not a number"},
		{"resolve bad near", []string{"resolve", "--near", "91,0", "Paris"}, 1, "latitude 91"},
		{"resolve bad bbox", []string{"resolve", "--bbox", "1,2,3", "Paris"}, 1, "bbox must have 4 numbers"},
		{"resolve nothing", []string{"resolve"}, 2, "give at least one name"},
		{"unknown subcommand", []string{"gazetteer", "frobnicate"}, 2, "unknown subcommand"},
		{"import of a missing file", []string{"gazetteer", "import", "--geonames", "/nonexistent/allCountries.txt"}, 1, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args[:len(tc.args):len(tc.args)], "--db", db)
			code, _, errOut := runEventsCmd(t, "", args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", code, errOut, tc.code, tc.want)
			}
		})
	}
	if m := resolveLine(t, db, "Paris"); m["id"] != float64(2988507) {
		t.Errorf("after the refused commands Paris = %v", m)
	}
}

// TestGazetteerImportMalformed: an import names each bad line, stores the
// good rows and exits 1.
func TestGazetteerImportMalformed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	code, _, errOut := runEventsCmd(t, "", "gazetteer", "import", "--db", db, "--geonames", "../../gazetteer/testdata/malformed.txt")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"malformed.txt:2: skipped", "malformed.txt:3: skipped", "malformed.txt:4: skipped", "3 malformed rows were skipped"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if m := resolveLine(t, db, "Mosul"); m["id"] != float64(99072) {
		t.Errorf("good row not stored: %v", m)
	}
}

// TestDatabaseInUse: a second process gets a clear error within a second.
func TestDatabaseInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	holder, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	start := time.Now()
	code, _, errOut := runEventsCmd(t, "", "gazetteer", "add", "--db", path, "--name", "X", "--lat", "1", "--lon", "1")
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s to report the lock", el)
	}
	if code != 1 || !strings.Contains(errOut, "is in use by another geonews process") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestBuildKeepsUserData: refreshing the default data (what `make setup`
// runs) keeps events and user entries.
func TestBuildKeepsUserData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	mustBuild(t, path, sampleGeoNames)
	code, out, errOut := runEventsCmd(t, "", "gazetteer", "add", "--db", path, "--name", "Camp Kilo", "--lat", "36", "--lon", "39")
	if code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ev := &geo.Event{ID: "kept", Point: orb.Point{39, 36}, Time: time.Date(2017, 10, 11, 12, 0, 0, 0, time.UTC), Title: "Talks", Tags: []string{"negotiation"}}
	if _, err := s.CreateEvents(context.Background(), []*geo.Event{ev}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sample, err := os.ReadFile(sampleGeoNames)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(t.TempDir(), "changed.txt") // other inputs: a real refresh
	if err := os.WriteFile(changed, []byte(strings.Replace(string(sample), "Lutetia", "Lutèce", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, path, changed)
	mustBuild(t, path, sampleGeoNames)
	if m := resolveLine(t, path, "Camp Kilo"); m["id"] == nil || !strings.Contains(out, "Camp Kilo") {
		t.Errorf("user entry lost: %v", m)
	}
	if ids := storedIDs(t, path); len(ids) != 1 || ids[0] != "kept" {
		t.Errorf("events after two refreshes = %v, want [kept]", ids)
	}
}
