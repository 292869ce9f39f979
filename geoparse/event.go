package geoparse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
)

// Article is a text to read events from, with what is known of its source.
type Article struct {
	Text      string
	URL       string
	Title     string
	Published time.Time // relative dates are resolved against it; zero: now
}

// Events reads the events an article reports: every sentence that names a
// resolved place and says what happened there (an event tag of the
// lexicon) becomes one event per place it is about. It returns the events
// and the mentions they were built from.
func (p *Parser) Events(ctx context.Context, a Article) ([]*geo.Event, []Mention, error) {
	d, err := p.newDoc(a.Text)
	if err != nil {
		return nil, nil, err
	}
	defer d.free()
	ms, err := p.parse(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	pub := a.Published
	if pub.IsZero() {
		pub = time.Now().UTC()
	}
	source := a.URL
	if source == "" {
		sum := sha256.Sum256([]byte(a.Text))
		source = hex.EncodeToString(sum[:])
	}
	bySent := make([][]*Mention, len(d.sents))
	for i := range ms {
		if ms[i].Place != nil {
			bySent[ms[i].Sentence] = append(bySent[ms[i].Sentence], &ms[i])
		}
	}
	var events []*geo.Event
	var lastCity *Mention // what "the city" refers to
	for si, s := range d.sents {
		if si&255 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		toks := d.toks[s.From:s.To]
		here := focus(bySent[si])
		if len(here) == 0 && lastCity != nil && mentionsTheCity(toks) {
			here = []*Mention{lastCity}
		}
		for _, m := range bySent[si] {
			if m.Kind != KindDateline && m.Place.Precision() == geo.PrecisionCity {
				lastCity = m
			}
		}
		if len(here) == 0 {
			continue
		}
		evTags, actors := p.lex.matchTags(toks, d.lowers[s.From:s.To])
		if len(evTags) == 0 {
			continue
		}
		when := resolveWhen(toks, pub)
		excerpt := strings.TrimSpace(a.Text[s.BStart:s.BEnd])
		if r := []rune(excerpt); len(r) > geo.MaxExcerptLen {
			excerpt = string(r[:geo.MaxExcerptLen])
		}
		for _, m := range here {
			pl := m.Place
			conf := 0.4 + 0.3*m.conf
			if when.Grain != "published" {
				conf += 0.15
			}
			if len(evTags) > 1 {
				conf += 0.1
			}
			if m.Sentence != si { // "the city": borrowed from an earlier sentence
				conf -= 0.15
			}
			e := &geo.Event{
				ID:         eventID(source, s, pl.ID),
				Point:      pl.Point,
				Time:       when.Time,
				Tags:       append(append([]string(nil), evTags...), actors...),
				Title:      title(evTags, m),
				Place:      geo.EventPlace{ID: pl.ID, Name: pl.Name, Precision: pl.Precision()},
				Source:     geo.Source{URL: a.URL, Title: a.Title, Published: a.Published, Start: s.Start, End: s.End},
				Excerpt:    excerpt,
				Confidence: math.Round(math.Min(conf, 0.95)*100) / 100,
			}
			if e.Validate() == nil {
				events = mergeEvent(events, e)
			}
		}
	}
	return events, ms, nil
}

// focus picks the places a sentence is about: not a reference point
// ("west of Raqa") when there are others, not the dateline, not a modifier
// ("US-led"), and no country when a place inside it is named too ("Raqa"
// rather than "Syria"). A demonym counts only when nothing else is named.
func focus(ms []*Mention) []*Mention {
	var keep []*Mention
	for _, m := range ms {
		if m.Kind != KindDateline && m.Kind != KindDemonym && !relativeCues[m.Cue] && !m.modifier {
			keep = append(keep, m)
		}
	}
	if len(keep) == 0 {
		for _, m := range ms {
			if m.Kind != KindDateline && !relativeCues[m.Cue] && !m.modifier {
				keep = append(keep, m)
			}
		}
	}
	// A country gives way to a finer place in it. Its countries, gathered
	// first, keep this linear: a sentence of thousands of capitalised
	// words was quadratic here (issue 15).
	finer := map[string]bool{}
	for _, o := range keep {
		if !isCountry(o.Place) {
			finer[o.Place.Country] = true
		}
	}
	var out []*Mention
	seen := map[int64]bool{}
	for _, m := range keep {
		if !(isCountry(m.Place) && finer[m.Place.Country]) && !seen[m.Place.ID] {
			seen[m.Place.ID] = true
			out = append(out, m)
		}
	}
	return out
}

func mentionsTheCity(toks []Token) bool {
	for i := 0; i+1 < len(toks); i++ {
		if strings.EqualFold(toks[i].Text, "the") {
			switch strings.ToLower(toks[i+1].Text) {
			case "city", "town":
				return true
			}
		}
	}
	return false
}

// title is the event's title in a few words: what happened, where.
func title(tags []string, m *Mention) string {
	var what []string
	for _, t := range tags {
		if len(what) == 2 {
			break
		}
		what = append(what, strings.ReplaceAll(t, "-", " "))
	}
	s := strings.Join(what, " and ")
	s = strings.ToUpper(s[:1]) + s[1:]
	name := m.Text
	if m.Kind == KindDemonym || m.Kind == KindAbbrev {
		name = m.Place.Name
	}
	return s + " in " + name
}

// eventID is deterministic: the same article read twice gives the same
// events, so storing it again adds nothing.
func eventID(source string, s Sentence, place int64) string {
	h := sha256.New()
	h.Write([]byte(source))
	h.Write([]byte("\x00" + strconv.Itoa(s.Start) + ":" + strconv.Itoa(s.End) + ":" + strconv.FormatInt(place, 10)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// mergeEvent adds e unless an event at the same place, on the same day,
// of the same kind is already there (a headline and its lead sentence);
// then the better-founded of the two stays, as it is: adding the other's
// tags would describe neither sentence.
func mergeEvent(events []*geo.Event, e *geo.Event) []*geo.Event {
	for i, o := range events {
		if o.Place.ID == e.Place.ID && o.Time.Equal(e.Time) && o.Tags[0] == e.Tags[0] {
			if e.Confidence > o.Confidence {
				events[i] = e
			}
			return events
		}
	}
	return append(events, e)
}
