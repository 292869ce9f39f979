package geoparse

import (
	"context"
	"os"
	"testing"
)

// seedPath is the team's reference article. Its text belongs to AFP: it is
// read in place and never copied into the repository.
const seedPath = "../../shared/seeds/000_981cc2d0e73f219a.txt"

func readSeed(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		tb.Skipf("seed article not available (%v): ../shared is only on team machines", err)
	}
	return string(b)
}

func TestSeedMentions(t *testing.T) {
	text := readSeed(t)
	p := MustParser(t)
	ms, err := p.Parse(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range ms {
		name := ""
		if m.Place != nil {
			name = m.Place.Name
		}
		t.Logf("%d-%d %q %s → %s (%v) %s", m.Start, m.End, m.Text, m.Kind, name, m.Score, m.Reason)
		if []rune(text)[m.Start] != []rune(m.Text)[0] {
			t.Errorf("mention %q: offset %d is not a code-point offset", m.Text, m.Start)
		}
		found[m.Text] = m.Place != nil
		switch m.Text {
		case "Braga", "Dillon", "Rahman", "Ahmed", "Related", "Make", "General", "Jonathan":
			t.Errorf("%q at %d is a person or a common word, not a place", m.Text, m.Start)
		}
	}
	for _, want := range []string{"Raqa", "KOBANE", "Tabqa", "Deir Ezzor", "Albu Kamal", "Syria", "Iraq", "Lebanon"} {
		if !found[want] {
			t.Errorf("%q not found and resolved", want)
		}
	}
}
