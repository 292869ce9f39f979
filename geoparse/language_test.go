package geoparse

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/seeds"
)

func TestLexicon_AddTags(t *testing.T) {
	l := DefaultLanguage()
	if err := l.AddTags(strings.NewReader("# mine\nwildlife\tevent\tpoach*|ivory seizure\n")); err != nil {
		t.Fatal(err)
	}
	ev, _ := l.matchTags(lowered(Tokenize("Rangers caught poachers near the park.")))
	if !slices.Contains(ev, "wildlife") {
		t.Errorf("user tag not matched: %v", ev)
	}
	for _, bad := range []string{"onlyone\n", "a\tnoun\tx\n", "two words\tevent\tx\n", "t\tevent\n"} {
		if err := l.AddTags(strings.NewReader(bad)); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("%q: %v, want EINVALID", bad, err)
		}
	}
}

func TestLexicon_CaseSensitivePhrases(t *testing.T) {
	l := DefaultLanguage()
	_, actors := l.matchTags(lowered(Tokenize("The town is quiet.")))
	if slices.Contains(actors, "is") {
		t.Errorf("the verb \"is\" tagged as the group IS: %v", actors)
	}
	_, actors = l.matchTags(lowered(Tokenize("IS fighters left.")))
	if !slices.Contains(actors, "is") {
		t.Errorf("IS not tagged: %v", actors)
	}
}

func lowered(toks []Token) ([]Token, []string) {
	low := make([]string, len(toks))
	for i := range toks {
		low[i] = strings.ToLower(toks[i].Text)
	}
	return toks, low
}

func TestResolveWhen(t *testing.T) {
	pub := time.Date(2017, 10, 11, 12, 0, 0, 0, time.UTC) // a Wednesday
	for _, tc := range []struct{ text, want, grain string }{
		{"Talks were under way Wednesday.", "2017-10-11", "day"},
		{"Late Tuesday, the coalition said.", "2017-10-10", "day"},
		{"An agreement was reached in May.", "2017-05-01", "month"},
		{"They came in December.", "2016-12-01", "month"},
		{"It happened on March 3.", "2017-03-03", "day"},
		{"Fighters left earlier this year.", "2017-01-01", "year"},
		{"Shelling yesterday killed two.", "2017-10-10", "day"},
		{"You may go now.", "2017-10-11", "published"},
		{"In 2014 the group took the city.", "2014-01-01", "year"},
		{"It comes a week after the attack.", "2017-10-04", "day"},
		{"Rebels attacked two days ago.", "2017-10-09", "day"},
		{"The camp emptied three months ago.", "2017-07-01", "month"},
		{"Talks resume next week.", "2017-10-18", "month"},
		{"He was born in 1994.", "1994-01-01", "year"},
	} {
		w := DefaultLanguage().resolveWhen(Tokenize(tc.text), pub)
		if got := w.Time.Format("2006-01-02"); got != tc.want || w.Grain != tc.grain {
			t.Errorf("%q: %s (%s), want %s (%s)", tc.text, got, w.Grain, tc.want, tc.grain)
		}
	}
}

// TestLoadLanguage reads a language from a folder other than seeds/en (a
// copy of English under another name) and refuses a folder that lacks a
// file or holds a set it does not know.
func TestLoadLanguage(t *testing.T) {
	files := fstest.MapFS{}
	entries, err := fs.ReadDir(seeds.EN, "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(seeds.EN, "en/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		files["xx/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	l, err := LoadLanguage(files, "xx")
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "xx" || !l.articles["the"] || l.dates.months["may"] != time.May || len(l.ev.types) == 0 {
		t.Errorf("loaded language %q lacks its tables", l.Name)
	}
	words := files["xx/words.tsv"]
	files["xx/words.tsv"] = &fstest.MapFile{Data: append(append([]byte(nil), words.Data...), "nosuchset\tword\n"...)}
	if _, err := LoadLanguage(files, "xx"); err == nil {
		t.Errorf("an unknown word set was accepted")
	}
	files["xx/words.tsv"] = words
	delete(files, "xx/dates.tsv")
	if _, err := LoadLanguage(files, "xx"); err == nil {
		t.Errorf("a language without dates.tsv was accepted")
	}
}
