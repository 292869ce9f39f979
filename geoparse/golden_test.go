package geoparse

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestGolden runs the snippets of testdata/golden.txt.
func TestGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	p := MustParser(t)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	for _, block := range strings.Split(strings.Join(lines, "\n"), "\n\n") {
		rows := strings.Split(strings.TrimSpace(block), "\n")
		if rows[0] == "" {
			continue
		}
		text := rows[0]
		t.Run(text, func(t *testing.T) {
			want := map[string]string{}
			for _, r := range rows[1:] {
				k, v, _ := strings.Cut(r, " => ")
				want[k] = v
			}
			ms, err := p.Parse(context.Background(), text)
			if err != nil {
				t.Fatal(err)
			}
			checkMentions(t, text, ms)
			got := map[string]string{}
			for _, m := range ms {
				got[m.Text] = "-"
				if m.Place != nil {
					got[m.Text] = m.Place.Name
				}
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%q: got %q, want %q", k, got[k], v)
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected mention %q → %s", k, v)
				}
			}
		})
	}
}
