package ingest_test

import (
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/internal/newstest"
)

const strike = "Air strikes hit Raqa on Tuesday, killing four people, local officials said."

func TestIngest(t *testing.T) {
	env := newstest.MustOpen(t)
	pub := time.Date(2017, 6, 14, 9, 0, 0, 0, time.UTC)
	a := ingest.Article{Text: strike, Title: "Strikes on Raqa", URL: "https://news.example/raqa", Outlet: "Example News", Published: pub}

	dry, err := env.Ingest.Ingest(t.Context(), a, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Events) == 0 || dry.Created != 0 || !dry.DryRun || len(dry.Mentions) == 0 {
		t.Fatalf("dry run: %d events, %d created, %d mentions", len(dry.Events), dry.Created, len(dry.Mentions))
	}
	if n, _ := env.Store.CountEvents(t.Context()); n != 0 {
		t.Fatalf("a dry run stored %d events", n)
	}

	first, err := env.Ingest.Ingest(t.Context(), a, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := first.Created, len(dry.Events); got != want || got == 0 {
		t.Errorf("created %d, want %d", got, want)
	}
	e := first.Events[0]
	if got, want := e.Place.Name, "Ar Raqqah"; got != want {
		t.Errorf("place %q, want %q", got, want)
	}
	if got, want := e.Source.URL, a.URL; got != want {
		t.Errorf("source URL %q, want %q", got, want)
	}
	if _, err := env.Store.Event(t.Context(), e.ID); err != nil {
		t.Errorf("event %s not stored: %v", e.ID, err)
	}

	again, err := env.Ingest.Ingest(t.Context(), a, false)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 {
		t.Errorf("ingesting again created %d events", again.Created)
	}
}

func TestIngestInvalid(t *testing.T) {
	env := newstest.MustOpen(t)
	previewOnly := ingest.New(env.Parser, nil)
	for _, tc := range []struct {
		name string
		svc  *ingest.Service
		a    ingest.Article
		dry  bool
		code string
	}{
		{"empty", env.Ingest, ingest.Article{Text: "  \n"}, false, geo.EINVALID},
		{"not UTF-8 text", env.Ingest, ingest.Article{Text: "Raqa \xff"}, true, geo.EINVALID},
		{"not UTF-8 title", env.Ingest, ingest.Article{Text: strike, Title: "\xc3"}, true, geo.EINVALID},
		{"no store", previewOnly, ingest.Article{Text: strike}, false, geo.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.svc.Ingest(t.Context(), tc.a, tc.dry)
			if got, want := geo.ErrorCode(err), tc.code; got != want {
				t.Errorf("code %q (%v), want %q", got, err, want)
			}
		})
	}
	if res, err := previewOnly.Ingest(t.Context(), ingest.Article{Text: strike}, true); err != nil || len(res.Events) == 0 {
		t.Errorf("a preview-only service cannot preview: %v", err)
	}
}

func TestIngestBatch(t *testing.T) {
	env := newstest.MustOpen(t)
	as := []ingest.Article{
		{Text: strike, URL: "https://news.example/1"},
		{Text: "\xff not text", URL: "https://news.example/2"},
		{Text: "Heavy clashes erupted in Kobane on Wednesday, residents said.", URL: "https://news.example/3"},
		{Text: " ", URL: "https://news.example/4"},
	}
	b, err := env.Ingest.IngestBatch(t.Context(), as)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i, res := range b.Results {
		if bad := i == 1 || i == 3; bad != (b.Errors[i] != nil) || bad != (res == nil) {
			t.Fatalf("article %d: result %v, error %v", i, res, b.Errors[i])
		}
		if res != nil {
			want += len(res.Events)
		}
	}
	if want < 2 || b.Created != want {
		t.Errorf("created %d of %d events", b.Created, want)
	}
	if n, _ := env.Store.CountEvents(t.Context()); n != want {
		t.Errorf("%d events stored, want %d", n, want)
	}
	again, err := env.Ingest.IngestBatch(t.Context(), as)
	if err != nil || again.Created != 0 {
		t.Errorf("again: created %d, %v", again.Created, err)
	}
}

// TestIngestLanguage: an article in a language the parser does not read is
// skipped with that reason and no events; English, and a text too short to
// tell, are read. The texts are the team's own.
func TestIngestLanguage(t *testing.T) {
	env := newstest.MustOpen(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name, text, skipped, lang string
	}{
		{"French", "Des combats ont éclaté mardi près de Raqqa, selon des habitants qui ont fui la ville avec leurs familles pendant la nuit. Les secours ont évacué plusieurs blessés vers l'hôpital.",
			"written in French (fra); the geoparser reads English", "fra"},
		{"English", "Fighting broke out near Raqqa on Tuesday, residents who fled the city with their families during the night said. Rescuers evacuated several wounded people to the hospital.",
			"", "eng"},
		{"too short to tell", "Raqqa.", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := env.Ingest.Ingest(ctx, ingest.Article{Text: tc.text, Published: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC)}, true)
			if err != nil {
				t.Fatal(err)
			}
			if res.Skipped != tc.skipped || res.Language != tc.lang {
				t.Errorf("skipped %q language %q, want %q %q", res.Skipped, res.Language, tc.skipped, tc.lang)
			}
			if tc.skipped != "" && len(res.Events) != 0 {
				t.Errorf("a skipped article made %d events", len(res.Events))
			}
		})
	}
}
