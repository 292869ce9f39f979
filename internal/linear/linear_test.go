package linear

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// toy is a separable problem: "in" before a word makes it a place, "said"
// after it makes it a speaker; "the" is noise on both sides.
func toy() []Example {
	rng := rand.New(rand.NewSource(7))
	var xs []Example
	for i := 0; i < 200; i++ {
		pos := i%2 == 0
		fs := []string{"prev=the"}
		if rng.Intn(2) == 0 {
			fs = []string{}
		}
		if pos {
			fs = append(fs, "prev=in")
		} else {
			fs = append(fs, "next=said")
		}
		xs = append(xs, Example{Features: fs, Label: pos})
	}
	return xs
}

func TestTrainSeparable(t *testing.T) {
	xs := toy()
	m := Train(xs, Options{})
	for _, x := range xs {
		if got := m.Prob(x.Features) >= 0.5; got != x.Label {
			t.Fatalf("%v: got %v, want %v", x.Features, got, x.Label)
		}
	}
	if got := m.Prob([]string{"prev=in"}); got < 0.9 {
		t.Errorf("P(prev=in) = %.3f, want ≥ 0.9", got)
	}
	if got := m.Prob([]string{"next=said"}); got > 0.1 {
		t.Errorf("P(next=said) = %.3f, want ≤ 0.1", got)
	}
}

func TestTrainDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	Train(toy(), Options{Seed: 3}).WriteTo(&a)
	Train(toy(), Options{Seed: 3}).WriteTo(&b)
	if a.String() != b.String() {
		t.Fatalf("two runs differ:\n%s\n%s", a.String(), b.String())
	}
}

func TestMinCountAndPrune(t *testing.T) {
	xs := append(toy(), Example{Features: []string{"rare"}, Label: true})
	m := Train(xs, Options{MinCount: 2})
	if _, ok := m.W["rare"]; ok {
		t.Errorf("a feature seen once was kept with MinCount 2")
	}
}

func TestWriteRead(t *testing.T) {
	m := Train(toy(), Options{})
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := Read(strings.NewReader("# a comment\n" + buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Bias, m.Bias; got != want {
		t.Errorf("bias %v, want %v", got, want)
	}
	for f, w := range m.W {
		if got := r.Weight([]byte(f)); got != w {
			t.Errorf("%s: %v, want %v", f, got, w)
		}
	}
	if _, err := Read(strings.NewReader("no tab here\n")); err == nil {
		t.Error("a line without a tab was read")
	}
}
