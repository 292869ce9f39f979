package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// The case the correction tests teach: a bare "Springfield" in an article
// about the United States reads as the most populous one, in Missouri; the
// articles mean the capital of Illinois.
const (
	springfieldMO = 4409896
	springfieldIL = 4250542
	// corrArticle1 and corrArticle2 are two articles about the US that name
	// Springfield and nothing nearer.
	corrArticle1 = "Police said a protest was held in Springfield in the United States on Monday."
	corrArticle2 = "Hundreds of farmers protested in Springfield on Tuesday, the United States news agency said."
)

// sampleDB builds a database from the GeoNames sample (three US
// Springfields) and Natural Earth's countries.
func sampleDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "geonews.db")
	var out strings.Builder
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler)}
	if code := Run(context.Background(), env, []string{"gazetteer", "build", "--db", db, "--geonames", sampleGeoNames}); code != 0 {
		t.Fatalf("gazetteer build: exit %d: %s", code, out.String())
	}
	return db
}

// jsonDo sends a JSON body with the token (if auth) and decodes the answer.
func (s *served) jsonDo(t testing.TB, method, path, body string, auth bool) (int, map[string]any) {
	t.Helper()
	hdr := []string{"Content-Type", "application/json"}
	if auth {
		hdr = append(hdr, "Authorization", "Bearer "+s.token)
	}
	r := s.do(t, method, path, body, hdr...)
	var m map[string]any
	if len(r.body) > 0 {
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, path, r.status, r.body)
		}
	}
	return r.status, m
}

// springfieldEvent posts an article (dry run or not) and returns the id and
// place id of its event on "Springfield" (0, 0 when there is none).
func (s *served) springfieldEvent(t testing.TB, text string, dry bool) (string, int64) {
	t.Helper()
	path := "/articles"
	if dry {
		path += "?dry_run=1"
	}
	body, _ := json.Marshal(map[string]string{"text": text, "url": "https://example.org/" + fmt.Sprint(len(text)), "published": "2026-12-01T00:00:00Z"})
	status, m := s.jsonDo(t, "POST", path, string(body), true)
	if status != 200 && status != 201 {
		t.Fatalf("POST %s: %d %v", path, status, m)
	}
	feats, _ := m["features"].([]any)
	for _, f := range feats {
		f := f.(map[string]any)
		p := f["properties"].(map[string]any)
		why, _ := p["why"].(map[string]any)
		if why == nil || why["mention"].(map[string]any)["text"] != "Springfield" {
			continue
		}
		id, _ := f["id"].(string)
		return id, int64(p["place"].(map[string]any)["id"].(float64))
	}
	return "", 0
}

// eventPlace returns the place id of a stored event, 0 when it is gone.
func (s *served) eventPlace(t testing.TB, id string) int64 {
	t.Helper()
	status, m := s.jsonDo(t, "GET", "/collections/events/items/"+id, "", false)
	if status == 404 {
		return 0
	}
	if status != 200 {
		t.Fatalf("GET event %s: %d %v", id, status, m)
	}
	return int64(m["properties"].(map[string]any)["place"].(map[string]any)["id"].(float64))
}

// TestCorrectionsAPI drives GET/POST/DELETE /corrections on the real server
// and `geonews corrections list|undo` on its database.
func TestCorrectionsAPI(t *testing.T) {
	db := sampleDB(t)
	s := startServe(t, db, nil, "--token", "corr-token")
	s.token = "corr-token"

	ev, place := s.springfieldEvent(t, corrArticle1, false)
	if ev == "" || place != springfieldMO {
		t.Fatalf("article 1: event %q at place %d; want one at %d (what this test corrects)", ev, place, springfieldMO)
	}
	if _, p := s.springfieldEvent(t, corrArticle2, true); p != springfieldMO {
		t.Fatalf("article 2 before any correction: place %d; want %d", p, springfieldMO)
	}

	// Bad requests: each a JSON error with the right status, nothing stored.
	move := fmt.Sprintf(`{"event_id":%q,"action":"move","place_id":%d}`, ev, springfieldIL)
	for _, tc := range []struct {
		name, body string
		auth       bool
		status     int
		code       string
	}{
		{"no token", move, false, 401, ""},
		{"unknown event", fmt.Sprintf(`{"event_id":"nope","action":"move","place_id":%d}`, springfieldIL), true, 404, "not_found"},
		{"unknown place", fmt.Sprintf(`{"event_id":%q,"action":"move","place_id":123}`, ev), true, 400, "invalid"},
		{"no place", fmt.Sprintf(`{"event_id":%q,"action":"move"}`, ev), true, 400, ""},
		{"drop far from any place", fmt.Sprintf(`{"event_id":%q,"action":"move","lon":0,"lat":-60}`, ev), true, 400, ""},
		{"lon without lat", fmt.Sprintf(`{"event_id":%q,"action":"move","lon":0}`, ev), true, 400, ""},
		{"bad action", fmt.Sprintf(`{"event_id":%q,"action":"rename"}`, ev), true, 400, ""},
		{"bad country", fmt.Sprintf(`{"event_id":%q,"action":"not_place","country":"USA"}`, ev), true, 400, ""},
		{"unknown field", fmt.Sprintf(`{"event_id":%q,"action":"not_place","x":1}`, ev), true, 400, ""},
		{"no event id", `{"action":"not_place"}`, true, 400, ""},
		{"not JSON", `{`, true, 400, ""},
	} {
		status, m := s.jsonDo(t, "POST", "/corrections", tc.body, tc.auth)
		if status != tc.status || m["description"] == nil || tc.code != "" && m["code"] != tc.code {
			t.Errorf("%s: %d %v; want %d %s", tc.name, status, m, tc.status, tc.code)
		}
	}
	for _, tc := range []struct {
		path   string
		auth   bool
		status int
	}{{"/corrections/1", false, 401}, {"/corrections/1", true, 404}, {"/corrections/x", true, 400}, {"/corrections/-1", true, 400}} {
		if status, m := s.jsonDo(t, "DELETE", tc.path, "", tc.auth); status != tc.status || m["description"] == nil {
			t.Errorf("DELETE %s: %d %v; want %d", tc.path, status, m, tc.status)
		}
	}
	if status, m := s.jsonDo(t, "GET", "/corrections", "", false); status != 200 || len(m["corrections"].([]any)) != 0 {
		t.Fatalf("after bad requests: %d %v", status, m)
	}
	if p := s.eventPlace(t, ev); p != springfieldMO {
		t.Fatalf("after bad requests the event is at %d", p)
	}

	// Move: the event at once, the rule for the next article.
	status, m := s.jsonDo(t, "POST", "/corrections", move, true)
	if status != 201 {
		t.Fatalf("move: %d %v", status, m)
	}
	rule := m["correction"].(map[string]any)
	if rule["name"] != "Springfield" || rule["country"] != "US" || rule["event_id"] != ev || rule["from_place_id"] != float64(springfieldMO) ||
		rule["url"] == "" || rule["created"] == "" || !strings.Contains(rule["place_name"].(string), "IL") {
		t.Errorf("rule %v lacks its provenance", rule)
	}
	id := int64(rule["id"].(float64))
	if p := s.eventPlace(t, ev); p != springfieldIL {
		t.Errorf("moved event is at %d", p)
	}
	if _, p := s.springfieldEvent(t, corrArticle2, true); p != springfieldIL {
		t.Errorf("article 2 after the correction: place %d; want %d", p, springfieldIL)
	}
	if status, m := s.jsonDo(t, "GET", "/corrections", "", false); status != 200 || len(m["corrections"].([]any)) != 1 {
		t.Errorf("list: %d %v", status, m)
	}
	// Undo: the rule goes, the event comes back.
	status, m = s.jsonDo(t, "DELETE", fmt.Sprintf("/corrections/%d", id), "", true)
	if status != 200 || m["event_restored"] != true {
		t.Fatalf("undo: %d %v", status, m)
	}
	if p := s.eventPlace(t, ev); p != springfieldMO {
		t.Errorf("after undo the event is at %d", p)
	}
	if _, p := s.springfieldEvent(t, corrArticle2, true); p != springfieldMO {
		t.Errorf("article 2 after undo: place %d; want %d", p, springfieldMO)
	}

	// A dragged marker lands on the nearest town: 3 km from Springfield, IL.
	status, m = s.jsonDo(t, "POST", "/corrections", fmt.Sprintf(`{"event_id":%q,"action":"move","lon":-89.62,"lat":39.78}`, ev), true)
	if status != 201 || m["correction"].(map[string]any)["place_id"] != float64(springfieldIL) {
		t.Fatalf("drag: %d %v", status, m)
	}
	dragID := int64(m["correction"].(map[string]any)["id"].(float64))
	// Not a place (newer, so it wins): the event leaves the map.
	status, m = s.jsonDo(t, "POST", "/corrections", fmt.Sprintf(`{"event_id":%q,"action":"not_place"}`, ev), true)
	if status != 201 || m["event"] != nil || m["correction"].(map[string]any)["country"] != "US" {
		t.Fatalf("not a place: %d %v", status, m)
	}
	npID := int64(m["correction"].(map[string]any)["id"].(float64))
	if p := s.eventPlace(t, ev); p != 0 {
		t.Errorf("an event whose name is no place is still at %d", p)
	}
	if e, _ := s.springfieldEvent(t, corrArticle2, true); e != "" {
		t.Errorf("article 2 still has an event on Springfield")
	}
	if status, m := s.jsonDo(t, "POST", "/corrections", fmt.Sprintf(`{"event_id":%q,"action":"not_place"}`, ev), true); status != 404 {
		t.Errorf("correcting a deleted event: %d %v", status, m)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}

	// The CLI, on the same database.
	run := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler)}
		code := Run(context.Background(), env, append([]string{"corrections"}, append(args, "--db", db)...))
		return code, out.String(), errb.String()
	}
	// `make setup` rebuilds the gazetteer: the rules stay.
	var buildOut strings.Builder
	benv := &Env{Stdin: strings.NewReader(""), Stdout: &buildOut, Stderr: &buildOut, Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler)}
	if code := Run(context.Background(), benv, []string{"gazetteer", "build", "--db", db, "--geonames", sampleGeoNames}); code != 0 {
		t.Fatalf("gazetteer build: %d %s", code, buildOut.String())
	}
	code, out, _ := run("list")
	if code != 0 || !strings.Contains(out, "not_place") || !strings.Contains(out, fmt.Sprint(springfieldIL)) || strings.Count(out, "\n") != 3 {
		t.Errorf("corrections list: %d\n%s", code, out)
	}
	if code, out, _ := run("undo", fmt.Sprint(npID)); code != 0 || !strings.Contains(out, "back as it was") {
		t.Errorf("undo not a place: %d %s", code, out)
	}
	// The drag rule's event was changed since (deleted, then restored): it
	// stays where it is now.
	if code, out, _ := run("undo", fmt.Sprint(dragID)); code != 0 || !strings.Contains(out, "edited since") {
		t.Errorf("undo drag: %d %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"undo", "999"}, 1}, {[]string{"undo", "abc"}, 2}, {[]string{"undo"}, 2}, {[]string{"list", "x"}, 2}, {[]string{"frob"}, 2},
		{[]string{"list", "--help"}, 0}, {[]string{"undo", "--help"}, 0}} {
		code, _, errOut := run(tc.args...)
		oneLine := tc.code == 0 || tc.args[0] == "frob" || strings.Count(strings.TrimSpace(errOut), "\n") == 0
		if code != tc.code || !oneLine || errOut == "" {
			t.Errorf("corrections %v: exit %d, %q; want %d and one line", tc.args, code, errOut, tc.code)
		}
	}
	if code, out, _ := run("list"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("after undoing all: %d\n%s", code, out)
	}

	// The restored event is back on the map at its old place.
	s = startServe(t, db, nil, "--token", "corr-token")
	s.token = "corr-token"
	if p := s.eventPlace(t, ev); p != springfieldIL {
		t.Errorf("after undoing not a place the event is at %d; want where it was then, %d", p, springfieldIL)
	}
}
