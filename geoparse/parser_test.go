package geoparse

import (
	"context"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
)

// checkMentions verifies the invariants every result must keep, whatever
// the input: spans inside the text, in code points, matching their Text.
func checkMentions(t testing.TB, text string, ms []Mention) {
	t.Helper()
	runes := []rune(text)
	for _, m := range ms {
		if m.Start < 0 || m.End > len(runes) || m.Start >= m.End {
			t.Fatalf("mention %q: span %d..%d outside %d code points", m.Text, m.Start, m.End, len(runes))
		}
		if got := string(runes[m.Start:m.End]); got != m.Text {
			t.Fatalf("mention at %d..%d: text %q, span holds %q", m.Start, m.End, m.Text, got)
		}
		if text[m.BStart:m.BEnd] != m.Text {
			t.Fatalf("mention %q: byte span holds %q", m.Text, text[m.BStart:m.BEnd])
		}
	}
}

func TestParse_BadInput(t *testing.T) {
	p := MustParser(t)
	ctx := context.Background()
	garbage := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(garbage)
	big := strings.Repeat("Fighting went on in Raqa and near Aleppo, Syria, on Tuesday. ", 10<<20/62)
	for _, tc := range []struct {
		name, text string
		code       string // "" for a clean result
	}{
		{"empty", "", ""},
		{"spaces", " \n\t ", ""},
		{"invalid UTF-8", "Raqa \xff\xfe Syria", geo.EINVALID},
		{"binary garbage", string(garbage), geo.EINVALID},
		{"binary garbage, valid UTF-8", strings.ToValidUTF8(string(garbage), "\uFFFD"), ""},
		{"10 MB", big, ""},
		{"over the limit", strings.Repeat("a", MaxTextLen+1), geo.ETOOLARGE},
		{"only punctuation", strings.Repeat(".-'’(", 1000), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := p.Parse(ctx, tc.text)
			if got := geo.ErrorCode(err); got != tc.code {
				t.Fatalf("error %v (code %q), want code %q", err, got, tc.code)
			}
			if err == nil {
				checkMentions(t, tc.text, ms)
			}
			_, _, err = p.Events(ctx, Article{Text: tc.text, Published: time.Now()})
			if got := geo.ErrorCode(err); got != tc.code {
				t.Fatalf("Events: error %v, want code %q", err, tc.code)
			}
		})
	}
}

func TestParseSpans(t *testing.T) {
	p := MustParser(t)
	text := "Syrians fled Raqa’s suburbs for Kobani."
	ms, err := p.ParseSpans(context.Background(), text, []Span{{0, 7}, {13, 19}, {32, 38}})
	if err != nil {
		t.Fatal(err)
	}
	checkMentions(t, text, ms)
	want := []string{"Syria", "Ar Raqqah", "Ayn al Arab"}
	for i, m := range ms {
		if m.Place == nil || m.Place.Name != want[i] {
			t.Errorf("span %d (%q): %v, want %s", i, m.Text, m.Place, want[i])
		}
	}
	if _, err := p.ParseSpans(context.Background(), text, []Span{{30, 80}}); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("span past the end: %v, want EINVALID", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"KOBANE (AFP) – Talks on Raqa", "Brigadier General Jonathan Braga said", "Deir Ezzor province",
		"U.S.-backed forces in Syria s Raqa", "St. Louis, Mo.", "\xff", "Ālbū Kamāl", "al-Bab", "A. B. C.",
		"“Make no mistake”", "in May", "Colonel Ryan Dillon wrote on Twitter",
	} {
		f.Add(s)
	}
	p := New(loadFake(f, "testdata/places.tsv"), nil)
	pub := time.Date(2017, 10, 11, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		ms, err := p.Parse(context.Background(), text)
		if !utf8.ValidString(text) {
			if geo.ErrorCode(err) != geo.EINVALID {
				t.Fatalf("invalid UTF-8 accepted: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkMentions(t, text, ms)
		events, _, err := p.Events(context.Background(), Article{Text: text, Published: pub})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if err := e.Validate(); err != nil {
				t.Fatalf("event %+v: %v", e, err)
			}
		}
	})
}
