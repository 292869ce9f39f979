package geo

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Event is something that happened at a place and a time, as reported by a
// source. Its GeoJSON form has the properties title, time, time_precision,
// type, sub_type, tags, actor1, actor2, place, source, excerpt, confidence
// and why.
type Event struct {
	ID    string    `json:"id"`
	Point orb.Point `json:"-"` // {lon, lat}
	Time  time.Time `json:"time"`
	// TimePrecision says how much of Time the source gave: TimeDay,
	// TimeMonth, TimeYear, or "" for an exact instant (an event entered
	// with a time of day). A day-precision event's Time is that day's
	// midnight UTC, a month's the first of the month, and so on; clients
	// show only what the precision supports.
	TimePrecision string `json:"time_precision,omitempty"`
	// Type and SubType place the event in the ontology of
	// seeds/en/ontology.tsv (ACLED's event and sub-event types, extended
	// for general news); empty for events entered without one.
	Type    string   `json:"type,omitempty"`
	SubType string   `json:"sub_type,omitempty"`
	Tags    []string `json:"tags"`
	// Actor1 and Actor2 are who did it and to whom, as the text names them.
	Actor1     string     `json:"actor1,omitempty"`
	Actor2     string     `json:"actor2,omitempty"`
	Title      string     `json:"title"`
	Place      EventPlace `json:"place"`
	Source     Source     `json:"source"`
	Excerpt    string     `json:"excerpt,omitempty"`
	Confidence float64    `json:"confidence"`
	// Why explains a geoparsed event; nil for events entered by hand.
	Why *Why `json:"why,omitempty"`
	// Sources lists every article that reported the event once reports
	// of one happening from several articles were merged (Source is the
	// first, kept for clients that read one); nil for an event from one
	// article. Merge says which rule merged them. The store manages both.
	Sources []Source  `json:"sources,omitempty"`
	Merge   *Merge    `json:"merge,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Time precisions of an event.
const (
	TimeDay   = "day"
	TimeMonth = "month"
	TimeYear  = "year"
)

// Why says why a geoparsed event was made as it was.
type Why struct {
	// Trigger is the word or phrase that says what happened ("shelled").
	Trigger string `json:"trigger"`
	// Mention is the place mention the event was located by, in code
	// points of the article.
	Mention WhyMention `json:"mention"`
	// PlaceReason and DateReason say, in words, why this place and why this date.
	PlaceReason string `json:"place_reason"`
	DateReason  string `json:"date_reason"`
}

// WhyMention is a span of the article: [Start, End) in code points.
type WhyMention struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// EventPlace names the gazetteer entry an event was located at.
type EventPlace struct {
	ID        int64  `json:"id,omitempty"`
	Name      string `json:"name"`
	Precision string `json:"precision,omitempty"`
}

// Source is the article an event was read from.
type Source struct {
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published,omitzero"`
	// Start and End are the code-point offsets of the reporting sentence.
	Start int `json:"start,omitempty"`
	End   int `json:"end,omitempty"`
	// Outlet is the publication's name (a feed's title), when known.
	Outlet string `json:"outlet,omitempty"`
	// Event is, in an entry of Event.Sources, the ID of the event this
	// article's report was before it was merged: a split restores it.
	Event string `json:"event,omitempty"`
}

// Limits on event fields, so that one event stays small on disk and on the wire.
const (
	MaxTitleLen   = 500
	MaxExcerptLen = 4000
	MaxTags       = 32
	MaxTagLen     = 64
	MaxActorLen   = 200
	MaxTypeLen    = 64
	MaxWhyLen     = 1000 // each text of Why
)

// Validate checks an event before it is stored and normalises it: tags
// trimmed, lower case and de-duplicated; type, sub-type and actors
// trimmed; Time truncated to the start of its day, month or year when
// TimePrecision says the source gave no more.
func (e *Event) Validate() error {
	if err := ValidatePoint(e.Point); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return Errorf(EINVALID, "properties.time is missing")
	}
	if err := checkTime("properties.time", e.Time); err != nil {
		return err
	}
	if err := e.truncateTime(); err != nil {
		return err
	}
	e.Title = strings.TrimSpace(e.Title)
	if e.Title == "" {
		return Errorf(EINVALID, "properties.title is empty")
	}
	if err := e.checkText(); err != nil {
		return err
	}
	e.Type, e.SubType = strings.TrimSpace(e.Type), strings.TrimSpace(e.SubType)
	e.Actor1, e.Actor2 = strings.TrimSpace(e.Actor1), strings.TrimSpace(e.Actor2)
	for _, f := range [...]struct {
		name string
		s    string
		max  int
	}{
		{"properties.type", e.Type, MaxTypeLen},
		{"properties.sub_type", e.SubType, MaxTypeLen},
		{"properties.actor1", e.Actor1, MaxActorLen},
		{"properties.actor2", e.Actor2, MaxActorLen},
	} {
		if err := CheckText(f.name, f.s, f.max, false); err != nil {
			return err
		}
	}
	if err := e.Why.validate(); err != nil {
		return err
	}
	if len(e.Tags) > MaxTags {
		return Errorf(EINVALID, "properties.tags has %d tags; at most %d", len(e.Tags), MaxTags)
	}
	seen := map[string]bool{}
	tags := e.Tags[:0]
	for _, t := range e.Tags {
		if !utf8.ValidString(t) { // before ToLower makes it valid
			return Errorf(EINVALID, "properties.tags: a tag is not valid UTF-8")
		}
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if err := CheckTag("properties.tags", t); err != nil {
			return err
		}
		seen[t] = true
		tags = append(tags, t)
	}
	e.Tags = tags
	if math.IsNaN(e.Confidence) || e.Confidence < 0 || e.Confidence > 1 {
		return Errorf(EINVALID, "properties.confidence %g is outside 0..1", e.Confidence)
	}
	switch e.Place.Precision {
	case "", PrecisionPoint, PrecisionCity, PrecisionRegion, PrecisionCountry:
	default:
		return Errorf(EINVALID, "properties.place.precision %q is not one of point, city, region, country", e.Place.Precision)
	}
	return nil
}

// truncateTime checks TimePrecision and cuts Time to what it says, in
// UTC, so that two reports of "in May" are the same instant.
func (e *Event) truncateTime() error {
	t := e.Time.UTC()
	switch e.TimePrecision {
	case "":
		return nil
	case TimeDay:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case TimeMonth:
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case TimeYear:
		t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return Errorf(EINVALID, "properties.time_precision %q is not one of day, month, year or empty (an exact time)", e.TimePrecision)
	}
	e.Time = t
	return nil
}

// validate checks the texts and the mention of a Why; nil is valid.
func (w *Why) validate() error {
	if w == nil {
		return nil
	}
	if m := w.Mention; m.Start < 0 || m.End < m.Start {
		return Errorf(EINVALID, "properties.why.mention: start %d and end %d must satisfy 0 <= start <= end", m.Start, m.End)
	}
	for _, f := range [...]struct{ name, s string }{
		{"properties.why.trigger", w.Trigger},
		{"properties.why.mention.text", w.Mention.Text},
		{"properties.why.place_reason", w.PlaceReason},
		{"properties.why.date_reason", w.DateReason},
	} {
		if err := CheckText(f.name, f.s, MaxWhyLen, false); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks the event's text fields and cleans its place name
// (CleanName). Each message names the field as the GeoJSON form has it.
func (e *Event) checkText() error {
	if err := CheckText("properties.title", e.Title, MaxTitleLen, false); err != nil {
		return err
	}
	if err := CheckText("properties.excerpt", e.Excerpt, MaxExcerptLen, true); err != nil {
		return err
	}
	if e.Place.Name != "" {
		name, err := CleanName("properties.place.name", e.Place.Name, MaxNameLen)
		if err != nil {
			return err
		}
		e.Place.Name = name
	}
	if e.Source.URL != "" {
		if err := CheckURL("properties.source.url", e.Source.URL); err != nil {
			return err
		}
	}
	if err := CheckText("properties.source.title", e.Source.Title, MaxSourceTitleLen, false); err != nil {
		return err
	}
	if err := CheckText("properties.source.outlet", e.Source.Outlet, MaxSourceTitleLen, false); err != nil {
		return err
	}
	if !e.Source.Published.IsZero() {
		return checkTime("properties.source.published", e.Source.Published)
	}
	return nil
}

// CheckTag checks one tag, already trimmed and in lower case: at most
// MaxTagLen bytes of one-line text without commas (tags are filtered as a
// comma list).
func CheckTag(field, t string) error {
	if len(t) > MaxTagLen {
		return Errorf(EINVALID, "%s: tag %q is longer than %d bytes", field, t, MaxTagLen)
	}
	if strings.Contains(t, ",") {
		return Errorf(EINVALID, "%s: tag %q contains a comma", field, t)
	}
	return CheckText(field, t, MaxTagLen, false)
}

// EventFilter selects events; its fields combine with AND.
type EventFilter struct {
	BBox     *BBox    // nil: anywhere
	Interval Interval // zero: any time
	Tags     []string // any of these tags; empty: any
	Types    []string // any of these event types (Event.Type); empty: any
	Q        string   // free text over title and place name; empty: any
	Limit    int      // page size; the store clamps it to 1..MaxLimit
	Cursor   string   // opaque paging token from a previous EventPage; empty: first page
}

// Paging limits shared by the store and the server.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// EventPage is one page of events, newest first.
type EventPage struct {
	Events []*Event
	// NumberMatched is the exact count of events matching the filter
	// whatever the page's limit or cursor, or -1 when a free-text (Q)
	// filter has too many candidates to read (store.QScanBudget).
	NumberMatched int
	// Next and Prev are cursors for the neighbouring pages ("" when none).
	Next, Prev string
}
