package geoparse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// capitalisedText is n bytes of capitalised words without a full stop, the
// text issue 15 found quadratic: every word may start a place name.
func capitalisedText(n int) string {
	words := []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet",
		"Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango", "Paris", "Raqa", "New", "York", "San"}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	return b.String()
}

// BenchmarkCapitalised parses 32 KB to 1 MB of capitalised words: time per
// byte must not grow with the size.
func BenchmarkCapitalised(b *testing.B) {
	gaz := openGazetteer(b)
	for _, kb := range []int{32, 128, 512, 1024} {
		text := capitalisedText(kb << 10)
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			p := New(gaz, nil)
			for b.Loop() {
				if _, err := p.Parse(context.Background(), text); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)), "ns/byte")
		})
	}
}

// TestParseStops: a parse whose context has ended stops with its error, in
// recognition as in resolution, rather than reading the rest of the text.
func TestParseStops(t *testing.T) {
	p := New(loadFake(t, "testdata/places.tsv"), nil)
	text := capitalisedText(256 << 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Parse(ctx, text); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled parse returned %v", err)
	}
	if _, _, err := p.Events(ctx, Article{Text: text}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled events returned %v", err)
	}
}

// BenchmarkCapitalisedEvents is BenchmarkCapitalised with events built, as
// POST /articles does.
func BenchmarkCapitalisedEvents(b *testing.B) {
	gaz := openGazetteer(b)
	for _, kb := range []int{64, 256} {
		text := capitalisedText(kb << 10)
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			p := New(gaz, nil)
			for b.Loop() {
				if _, _, err := p.Events(context.Background(), Article{Text: text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTriggerDense reads one long sentence of happenings with no
// clause break ("rebels attacked Raqa and shelled Aleppo and …"): every
// trigger asks where its clause starts and ends, so time per byte must not
// grow with the size.
func BenchmarkTriggerDense(b *testing.B) {
	p := MustParser(b)
	for _, kb := range []int{64, 256} {
		unit := "rebels attacked Raqa and shelled Aleppo and "
		text := strings.Repeat(unit, (kb<<10)/len(unit))
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := p.Events(context.Background(), Article{Text: text, Published: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)), "ns/byte")
		})
	}
}
