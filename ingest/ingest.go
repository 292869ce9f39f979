// Package ingest is geonews' one use case for news: an article in, its
// events stored (or previewed) out. The HTTP API, the CLI and the feed
// poller all call it, so that an article reads the same whichever way it
// arrives. It knows the geoparser and declares the little it needs of the
// event store.
package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
)

// Article is a news text with what is known of its source.
type Article struct {
	Text      string
	Title     string
	URL       string
	Outlet    string    // the publication's name, when known (a feed's title)
	Published time.Time // relative dates are resolved against it; zero: unknown
}

// Result is what one article gave.
type Result struct {
	// Events are the events the article reports, with their IDs.
	Events []*geo.Event
	// Mentions are the place mentions the events were built from.
	Mentions []geoparse.Mention
	// Created is how many of Events were new to the store (0 on a preview).
	Created int
	// Merged is how many of Events were reports of a happening the store
	// held, added to its event as a source (their Merge says which).
	Merged int
	// DryRun is set when nothing was stored.
	DryRun bool
	// Skipped says why the article was not read (it is in a language the
	// geoparser does not read); "" when it was.
	Skipped string
	// Language is the article's language as detected (ISO 639-3), "" when
	// the text was too short to tell.
	Language string
}

// EventStore is what ingesting needs of the event store.
type EventStore interface {
	// CreateEvents stores events in one transaction, all or nothing,
	// skipping (and not counting) those whose ID is already stored.
	CreateEvents(ctx context.Context, events []*geo.Event) (created int, err error)
}

// Service turns articles into stored events. It is safe for concurrent use.
type Service struct {
	parser *geoparse.Parser
	events EventStore
}

// New returns a service reading with p and storing into events; a nil
// events store makes a service that can only preview.
func New(p *geoparse.Parser, events EventStore) *Service {
	return &Service{parser: p, events: events}
}

// Ingest geoparses an article and stores its events in one transaction;
// with dryRun it only returns them. Event IDs derive from the source and
// the sentence, so ingesting the same article again stores nothing new.
func (s *Service) Ingest(ctx context.Context, a Article, dryRun bool) (*Result, error) {
	if err := Check(a); err != nil {
		return nil, err
	}
	lang, skip := s.language(a.Text)
	if skip != "" {
		return &Result{DryRun: dryRun, Skipped: skip, Language: lang}, nil
	}
	evs, ms, err := s.parser.Events(ctx, geoparse.Article{Text: a.Text, URL: a.URL, Title: a.Title, Published: a.Published})
	if err != nil {
		return nil, err
	}
	if geo.CheckText("outlet", a.Outlet, geo.MaxSourceTitleLen, false) == nil {
		for _, e := range evs {
			e.Source.Outlet = a.Outlet // its sources are counted by outlet
		}
	}
	res := &Result{Events: evs, Mentions: ms, DryRun: dryRun, Language: lang}
	if dryRun || len(evs) == 0 {
		return res, nil
	}
	if s.events == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "no event store to write to; use a dry run")
	}
	if res.Created, res.Merged, err = s.store(ctx, evs); err != nil {
		return nil, err
	}
	return res, nil
}

// store stores events, merging the reports of one happening when the
// store can (HappeningStore).
func (s *Service) store(ctx context.Context, evs []*geo.Event) (created, merged int, err error) {
	if hs, ok := s.events.(HappeningStore); ok {
		return hs.MergeEvents(ctx, evs, SameHappening{})
	}
	created, err = s.events.CreateEvents(ctx, evs)
	return created, 0, err
}

// languageSample is how much of an article the language is told from: the
// detector's trigram counts settle long before.
const languageSample = 4 << 10

// language tells the article's language with whatlanggo (trigram profiles
// of 84 languages, a few hundred KB) and, when it is reliably one the
// parser does not read, says so. Short or mixed texts, which the detector
// cannot tell reliably, are read.
func (s *Service) language(text string) (iso6393, skipped string) {
	sample := text
	if len(sample) > languageSample {
		sample = sample[:languageSample]
		for len(sample) > 0 && !utf8.ValidString(sample) {
			sample = sample[:len(sample)-1] // not inside a code point
		}
	}
	info := whatlanggo.Detect(sample)
	if !info.IsReliable() {
		return "", ""
	}
	code := info.Lang.Iso6393()
	if reads := s.parser.Language().Name; info.Lang.Iso6391() != reads {
		return code, fmt.Sprintf("written in %s (%s); the geoparser reads %s", info.Lang.String(), code, languageName(reads))
	}
	return code, ""
}

// languageName names a language the parser reads by its folder's code.
func languageName(code string) string {
	for l, name := range whatlanggo.Langs {
		if l.Iso6391() == code {
			return name
		}
	}
	return code
}

// Batch is what IngestBatch did with each article.
type Batch struct {
	// Results hold each article's events and mentions (nil where the
	// article had an error); their Created is not counted one by one.
	Results []*Result
	// Errors hold each article's own error (not UTF-8, empty, too long),
	// nil where it was read.
	Errors []error
	// Created is how many of all the events were new to the store, and
	// Merged how many were added to a stored event as its sources.
	Created, Merged int
}

// IngestBatch geoparses articles and stores all their events in one
// transaction: many small articles (a feed's new items) then cost one
// commit, not one each. An article that cannot be read gets its error in
// Errors and the others go on; the returned error is the store's, and then
// nothing was stored.
func (s *Service) IngestBatch(ctx context.Context, as []Article) (*Batch, error) {
	b := &Batch{Results: make([]*Result, len(as)), Errors: make([]error, len(as))}
	var all []*geo.Event
	for i, a := range as {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := s.Ingest(ctx, a, true)
		if err != nil {
			if code := geo.ErrorCode(err); code != geo.EINVALID && code != geo.ETOOLARGE {
				return nil, err
			}
			b.Errors[i] = err
			continue
		}
		res.DryRun = false
		b.Results[i] = res
		all = append(all, res.Events...)
	}
	if len(all) == 0 {
		return b, nil
	}
	if s.events == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "no event store to write to; use a dry run")
	}
	var err error
	if b.Created, b.Merged, err = s.store(ctx, all); err != nil {
		return nil, err
	}
	return b, nil
}

// Check reports a geo.EINVALID error for an article that cannot be read:
// empty, or not UTF-8.
func Check(a Article) error {
	if !utf8.ValidString(a.Text) || !utf8.ValidString(a.Title) || !utf8.ValidString(a.URL) || !utf8.ValidString(a.Outlet) {
		return geo.Errorf(geo.EINVALID, "the article is not valid UTF-8")
	}
	if strings.TrimSpace(a.Text) == "" {
		return geo.Errorf(geo.EINVALID, "the article text is empty")
	}
	return nil
}
