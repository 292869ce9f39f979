package feeds_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// wireStory is an invented wire story of about 150 words.
const wireStory = `Air strikes hit Raqa on Tuesday, killing four people and wounding at least eleven, local officials said.
The strikes struck a market and two houses near the old clock tower shortly after dawn, residents told reporters by telephone.
A doctor at the main hospital said the wounded included three children and that supplies of blood were running low.
Fighters in the city have been under pressure for weeks as forces advanced from the north and east along the river.
Aid groups said thousands of families had left the surrounding villages since the start of the month, many of them on foot.
The coalition said in a statement that it had targeted positions used to store weapons and that it was reviewing reports of civilian casualties.
Talks on a local ceasefire, due to resume in Kobane next week, were not expected to change the situation on the ground.`

// sameTopic writes distinct reports on the same topic: six sentences drawn
// from combinations of actors, acts, objects and sources, so that two
// reports share words and phrases but few runs of four words.
func sameTopic(r *rand.Rand) string {
	actors := []string{"Warplanes", "Coalition jets", "Government artillery", "Militia fighters", "Drones", "Rocket batteries", "Armed groups", "Special forces"}
	acts := []string{"struck", "pounded", "shelled", "targeted", "bombarded", "raided", "hit", "attacked"}
	objects := []string{"a bakery", "the water station", "a convoy of trucks", "an army depot", "the northern bridge", "two schools", "a field hospital", "the grain silos"}
	places := []string{"in Raqa", "outside Kobane", "east of Raqa", "on the road to Kobane", "near the Raqa dam", "in northern Syria"}
	days := []string{"on Monday", "late on Tuesday", "before dawn on Wednesday", "on Thursday evening", "overnight", "on Friday"}
	sources := []string{"monitors reported", "a local council member said", "two witnesses told us", "the civil defence said", "a spokesman confirmed", "medics reported"}
	var b strings.Builder
	for range 6 {
		fmt.Fprintf(&b, "%s %s %s %s %s, killing %d people, %s. ", actors[r.IntN(len(actors))], acts[r.IntN(len(acts))],
			objects[r.IntN(len(objects))], places[r.IntN(len(places))], days[r.IntN(len(days))], 2+r.IntN(40), sources[r.IntN(len(sources))])
	}
	return b.String()
}

// rssOf writes an RSS feed of the items (title, link, text).
func rssOf(title string, items [][3]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, title)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate><description><![CDATA[%s]]></description></item>",
			it[0], it[1], it[2])
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// TestCopies polls 50 syndicated copies of one wire story (other outlets,
// headlines, boilerplate and URLs), the original, and 50 distinct reports
// on the same topic: every copy is found and no distinct report is taken
// for a copy.
func TestCopies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := map[string]string{}
	var wire, distinct [][3]string
	wire = append(wire, [3]string{"Strikes kill four in Raqa", "https://wire.example/raqa-strikes", "<p>" + wireStory + "</p>"})
	for i := range 50 {
		distinct = append(distinct, [3]string{fmt.Sprintf("Report %d", i), fmt.Sprintf("https://wire.example/report-%d", i), sameTopic(r)})
	}
	docs["/wire"] = rssOf("Wire", append(wire, distinct...))
	for o := range 5 { // five outlets, ten copies each
		var items [][3]string
		for i := range 10 {
			n := o*10 + i
			text := fmt.Sprintf("<p><b>OUTLET %d NEWS (%d)</b> — %s</p><p>Copyright 2017 Outlet %d. All rights reserved. Follow Outlet %d for more news and sign up to our newsletter %d.</p>",
				o, n, strings.ReplaceAll(wireStory, "\n", " "), o, o, n)
			items = append(items, [3]string{fmt.Sprintf("Headline %d: deadly raid on Raqa market", n), fmt.Sprintf("https://outlet%d.example/%d/raqa?utm_source=wire", o, n), text})
		}
		docs[fmt.Sprintf("/outlet%d", o)] = rssOf(fmt.Sprintf("Outlet %d", o), items)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(docs[r.URL.Path]))
	}))
	defer srv.Close()

	p, _ := mustPoller(t)
	var ids []int64
	for path := range docs {
		ids = append(ids, mustFeed(t, p, srv.URL+path))
	}
	p.PollAll(t.Context())
	story, copies := 0, 0
	for _, id := range ids {
		items, err := p.Items(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			isStory := strings.Contains(it.URL, "raqa")
			switch {
			case isStory && it.CopyOf == "":
				story++
			case isStory:
				copies++
				if !strings.Contains(it.Skipped, "a copy of") {
					t.Errorf("%s: skipped %q", it.URL, it.Skipped)
				}
			case it.CopyOf != "":
				t.Errorf("distinct report %s taken for a copy of %s", it.URL, it.CopyOf)
			}
		}
	}
	if story != 1 || copies != 50 {
		t.Errorf("%d originals of the wire story and %d copies, want 1 and 50", story, copies)
	}
}
