package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestServeSameHappening: three outlets' reports of one strike, posted as
// articles, are one event on the items endpoint with three sources and
// three articles and the rule that merged them; a split over HTTP (with
// the token) restores three events, and geonews events split does the
// same on a database no server holds.
func TestServeSameHappening(t *testing.T) {
	db := mustGazetteerDB(t)
	s := startServe(t, db, nil, "--token", "merge-token")
	s.token = "merge-token"
	texts := []string{
		"Air strikes hit Raqa on Tuesday, killing four people, local officials said.",
		"Warplanes bombed the city of Raqqa on Tuesday, residents said, and at least four civilians died.",
		"Jets pounded the city of Raqqa with air strikes on Tuesday, witnesses said.",
	}
	first := true
	post := func() {
		for i, text := range texts {
			body, _ := json.Marshal(map[string]string{"text": text, "title": fmt.Sprintf("Report %d", i+1),
				"url": fmt.Sprintf("https://outlet%d.example/strike", i+1), "published": "2017-06-14T09:00:00Z"})
			r := s.do(t, "POST", "/articles", string(body), "Authorization", "Bearer merge-token", "Content-Type", "application/json")
			if r.status != 201 && r.status != 200 {
				t.Fatalf("article %d: %d %s", i+1, r.status, r.body)
			}
			if merged := fmt.Sprintf(`"numberMerged":%d`, min(i, 1)); first && !strings.Contains(string(r.body), merged) {
				t.Errorf("article %d: no %s in %s", i+1, merged, r.body)
			}
		}
	}
	post()
	first = false
	p := s.items(t, "")
	if len(p.Features) != 1 {
		t.Fatalf("%d events, want 1: %s", len(p.Features), p.ids())
	}
	props := p.Features[0].Properties
	if props["num_sources"] != 3.0 || props["num_articles"] != 3.0 {
		t.Errorf("num_sources %v, num_articles %v, want 3 and 3", props["num_sources"], props["num_articles"])
	}
	if m, _ := props["merge"].(map[string]any); m["rule"] != "same-happening" || !strings.Contains(fmt.Sprint(m["detail"]), "same day") {
		t.Errorf("merge %v", props["merge"])
	}
	if srcs, _ := props["sources"].([]any); len(srcs) != 3 {
		t.Errorf("sources %v", props["sources"])
	}
	id := p.Features[0].ID

	if r := s.do(t, "POST", "/collections/events/items/"+id+"/split", ""); r.status != 401 {
		t.Errorf("split without the token: %d %s", r.status, r.body)
	}
	if r := s.write(t, "POST", "/collections/events/items/nosuch/split", ""); r.status != 404 || !strings.Contains(string(r.body), `"code"`) {
		t.Errorf("split of no event: %d %s", r.status, r.body)
	}
	r := s.write(t, "POST", "/collections/events/items/"+id+"/split", "")
	var split page
	if err := json.Unmarshal(r.body, &split); r.status != 200 || err != nil || len(split.Features) != 3 || split.Features[0].ID != id {
		t.Fatalf("split: %d %s", r.status, r.body)
	}
	if r := s.write(t, "POST", "/collections/events/items/"+id+"/split", ""); r.status != 400 {
		t.Errorf("split again: %d %s, want 400", r.status, r.body)
	}
	p = s.items(t, "")
	if len(p.Features) != 3 {
		t.Fatalf("after the split %d events, want 3", len(p.Features))
	}
	for _, f := range p.Features {
		if f.Properties["num_articles"] != 1.0 || f.Properties["sources"] != nil {
			t.Errorf("after the split %s: %v articles, sources %v", f.ID, f.Properties["num_articles"], f.Properties["sources"])
		}
	}
	post() // a split stays split
	if p = s.items(t, ""); len(p.Features) != 3 {
		t.Errorf("posting again after the split: %d events, want 3", len(p.Features))
	}
	s.stop()

	// The CLI on a fresh merge.
	db2 := mustGazetteerDB(t)
	s2 := startServe(t, db2, nil, "--token", "merge-token")
	s = s2
	s.token = "merge-token"
	post()
	id = s.items(t, "").Features[0].ID
	s2.stop()
	code, out, errOut := runEventsCmd(t, "", "events", "split", "--db", db2, id)
	if code != 0 || len(strings.Fields(out)) != 3 || !strings.HasPrefix(out, id+"\n") {
		t.Fatalf("events split: exit %d, out %q, err %q", code, out, errOut)
	}
	if code, _, errOut := runEventsCmd(t, "", "events", "split", "--db", db2, id); code == 0 || !strings.Contains(errOut, "nothing to split") {
		t.Errorf("events split again: exit %d, %q", code, errOut)
	}
	// geonews ingest says where a report went.
	code, out, errOut = runEventsCmd(t, "Air strikes pounded Raqqa on Tuesday, a monitor said.", "ingest", "--db", db2,
		"--published", "2017-06-14T10:00:00Z", "--url", "https://outlet9.example/strike", "-")
	if code != 0 || !strings.Contains(out, "merged \"") || !strings.Contains(out, "into event ") {
		t.Errorf("ingest of a fourth report: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut := runEventsCmd(t, "", "events", "split", "--help"); code != 0 || !strings.Contains(errOut, "Undo the merge") {
		t.Errorf("events split --help: exit %d, %q", code, errOut)
	}
}
