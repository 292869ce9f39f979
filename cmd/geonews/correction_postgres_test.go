package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/internal/pgtest"
)

// springfieldWithin waits up to a second for the node's reading of
// Springfield in corrArticle2 (a dry run): 0 when it is no place there.
func (s *served) springfieldWithin(t *testing.T, want int64, what string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		_, got := s.springfieldEvent(t, corrArticle2, true)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: Springfield is %d after a second; want %d", what, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCorrectionsPostgresNodes: on --db postgres://…, a correction made
// through node A's HTTP API changes how node B geoparses the next article
// with that name about that country within a second; undone through B, A
// reads it as before; a node started later replays the rules; bad requests
// are the same JSON errors as on bbolt; and `geonews corrections list|undo`
// work on the database while the nodes run.
func TestCorrectionsPostgresNodes(t *testing.T) {
	url := pgtest.DB(t)
	env := map[string]string{"GEONEWS_GAZETTEER": sampleDB(t)}
	a := startServe(t, url, env, "--token", "tok")
	b := startServe(t, url, env, "--token", "tok")
	a.token, b.token = "tok", "tok"

	ev, place := a.springfieldEvent(t, corrArticle1, false)
	if ev == "" || place != springfieldMO {
		t.Fatalf("article 1: event %q at place %d; want one at %d (what this test corrects)", ev, place, springfieldMO)
	}
	if _, p := b.springfieldEvent(t, corrArticle2, true); p != springfieldMO {
		t.Fatalf("article 2 on node B before any correction: place %d; want %d", p, springfieldMO)
	}

	// Bad requests: each a JSON error with the right status, nothing stored.
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"unknown event", fmt.Sprintf(`{"event_id":"nope","action":"move","place_id":%d}`, springfieldIL), 404, "not_found"},
		{"unknown place", fmt.Sprintf(`{"event_id":%q,"action":"move","place_id":123}`, ev), 400, "invalid"},
		{"drop far from any place", fmt.Sprintf(`{"event_id":%q,"action":"move","lon":0,"lat":-60}`, ev), 400, "invalid"},
		{"bad action", fmt.Sprintf(`{"event_id":%q,"action":"rename"}`, ev), 400, ""},
		{"bad country", fmt.Sprintf(`{"event_id":%q,"action":"not_place","country":"USA"}`, ev), 400, "invalid"},
		{"not JSON", `{`, 400, ""},
	} {
		status, m := a.jsonDo(t, "POST", "/corrections", tc.body, true)
		if status != tc.status || m["description"] == nil || tc.code != "" && m["code"] != tc.code {
			t.Errorf("%s: %d %v; want %d %s", tc.name, status, m, tc.status, tc.code)
		}
	}
	for _, tc := range []struct {
		path   string
		status int
	}{{"/corrections/999", 404}, {"/corrections/x", 400}} {
		if status, m := b.jsonDo(t, "DELETE", tc.path, "", true); status != tc.status || m["description"] == nil {
			t.Errorf("DELETE %s: %d %v; want %d", tc.path, status, m, tc.status)
		}
	}
	if status, m := b.jsonDo(t, "GET", "/corrections", "", false); status != 200 || len(m["corrections"].([]any)) != 0 {
		t.Fatalf("after bad requests: %d %v", status, m)
	}

	// A move through node A: the event at once, node B's next article
	// within a second.
	status, m := a.jsonDo(t, "POST", "/corrections", fmt.Sprintf(`{"event_id":%q,"action":"move","place_id":%d}`, ev, springfieldIL), true)
	if status != 201 {
		t.Fatalf("move on node A: %d %v", status, m)
	}
	id := int64(m["correction"].(map[string]any)["id"].(float64))
	b.springfieldWithin(t, springfieldIL, "node B after a move on node A")
	if p := b.eventPlace(t, ev); p != springfieldIL {
		t.Errorf("node B sees the moved event at %d", p)
	}
	status, m = b.jsonDo(t, "GET", "/corrections", "", false)
	if list, _ := m["corrections"].([]any); status != 200 || len(list) != 1 || !strings.Contains(fmt.Sprint(list[0]), "IL") {
		t.Errorf("node B's list: %d %v", status, m)
	}

	// Undone through node B: the event comes back, node A reads the name
	// as before.
	status, m = b.jsonDo(t, "DELETE", fmt.Sprintf("/corrections/%d", id), "", true)
	if status != 200 || m["event_restored"] != true {
		t.Fatalf("undo on node B: %d %v", status, m)
	}
	if p := a.eventPlace(t, ev); p != springfieldMO {
		t.Errorf("after undo the event is at %d", p)
	}
	a.springfieldWithin(t, springfieldMO, "node A after an undo on node B")

	// Not a place, through node B; a node started now replays it.
	status, m = b.jsonDo(t, "POST", "/corrections", fmt.Sprintf(`{"event_id":%q,"action":"not_place"}`, ev), true)
	if status != 201 || m["event"] != nil {
		t.Fatalf("not a place on node B: %d %v", status, m)
	}
	npID := int64(m["correction"].(map[string]any)["id"].(float64))
	a.springfieldWithin(t, 0, "node A after 'not a place' on node B")
	c := startServe(t, url, env, "--token", "tok")
	c.token = "tok"
	if e, _ := c.springfieldEvent(t, corrArticle2, true); e != "" {
		t.Errorf("a node started after the rule reads Springfield as a place")
	}

	// The CLI, on the database the nodes run on.
	run := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		e := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] },
			Logger: slog.New(slog.DiscardHandler)}
		code := Run(context.Background(), e, append([]string{"corrections"}, append(args, "--db", url)...))
		return code, out.String(), errb.String()
	}
	if code, out, errOut := run("list"); code != 0 || !strings.Contains(out, "not_place") || strings.Count(out, "\n") != 2 {
		t.Errorf("corrections list: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run("undo", fmt.Sprint(npID)); code != 0 || !strings.Contains(out, "back as it was") {
		t.Errorf("corrections undo: %d %s%s", code, out, errOut)
	}
	b.springfieldWithin(t, springfieldMO, "node B after `geonews corrections undo`")
	if p := c.eventPlace(t, ev); p != springfieldMO {
		t.Errorf("after the CLI's undo the event is at %d", p)
	}
	if code, _, errOut := run("undo", "999"); code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || errOut == "" {
		t.Errorf("undo 999: exit %d, %q; want 1 and one line", code, errOut)
	}
}
