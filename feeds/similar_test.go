package feeds

import (
	"strings"
	"testing"
)

func TestSimilarity(t *testing.T) {
	story := `Air strikes hit Raqa on Tuesday, killing four people and wounding at least eleven, local officials said.
The strikes struck a market and two houses near the old clock tower shortly after dawn, residents told reporters by telephone.
A doctor at the main hospital said the wounded included three children and that supplies of blood were running low.
Fighters in the city have been under pressure for weeks as forces advanced from the north and east along the river.`
	for _, tc := range []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"the same text", story, story, 1, 1},
		{"case, punctuation and spacing", story, strings.ToUpper(strings.ReplaceAll(story, ",", " ; ")), 1, 1},
		{"other boilerplate", "WIRE REPORT — " + story + " © Wire. All rights reserved.", "OUTLET NEWS: " + story + " Follow Outlet for more, and sign up to our newsletter.", CopyThreshold, 1},
		{"half the story", story, story[:len(story)/2], 0.2, CopyThreshold - 0.1},
		{"another story, the same words", story, `The main hospital said the strikes on Tuesday near the market in Raqa had wounded eleven people,
with children among them, and officials said houses were hit at dawn while forces advanced along the river for weeks.`, 0, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, okA := textSignature(tc.a)
			b, okB := textSignature(tc.b)
			if !okA || !okB {
				t.Fatal("no signature")
			}
			if got := similarity(&a, &b); got < tc.min || got > tc.max {
				t.Errorf("similarity %.3f, want %.2f to %.2f", got, tc.min, tc.max)
			}
		})
	}
	if _, ok := textSignature("Short summary of the day."); ok {
		t.Error("a short text has a signature")
	}
	sig, _ := textSignature(story)
	if back, ok := decodeSignature(sig.encode()); !ok || back != sig {
		t.Error("signature round trip")
	}
}
