package geo

import (
	"net/url"
	"slices"
	"strings"
)

// Merge says which rule made one event of the reports of several
// articles, so that a reader can judge it and a user can undo it.
type Merge struct {
	// Rule names the rule ("same-happening").
	Rule string `json:"rule"`
	// Detail says, in words, why the last report merged: its type, its
	// day and how far apart the places were.
	Detail string `json:"detail"`
	// Into is, on a report that was merged (as ingesting returns it), the
	// ID of the event it was merged into; empty on that event itself.
	Into string `json:"into,omitempty"`
}

// MaxSources is how many articles one event lists at most: a report past
// it is stored as an event of its own, which keeps a record small.
const MaxSources = 100

// MergeRule decides which events are reports of one happening. A store
// that merges (MergeEvents) asks it inside the transaction that writes, so
// that two reports ingested at once still make one event: Window for where
// and when to look for a stored report of e's happening, Same for each
// event found there.
type MergeRule interface {
	// Window is the box and time span to search for e's happening; ok
	// false when e merges with nothing (no type, no day, a coarse place).
	Window(e *Event) (box BBox, span Interval, ok bool)
	// Same reports whether e reports the happening of stored, and by
	// which rule.
	Same(stored, e *Event) (*Merge, bool)
}

// NumArticles is how many articles reported the event (GDELT's
// NumArticles): one unless reports were merged.
func (e *Event) NumArticles() int { return max(1, len(e.Sources)) }

// NumSources is how many outlets reported the event (GDELT's NumSources):
// the distinct outlets of its sources, an outlet being its name or, when
// unknown, its URL's host.
func (e *Event) NumSources() int {
	if len(e.Sources) < 2 {
		return 1
	}
	seen := make(map[string]bool, len(e.Sources))
	for _, s := range e.Sources {
		seen[s.outletKey()] = true
	}
	return len(seen)
}

// outletKey names the outlet of a source for counting.
func (s Source) outletKey() string {
	if s.Outlet != "" {
		return "o:" + strings.ToLower(s.Outlet)
	}
	if u, err := url.Parse(s.URL); err == nil && u.Host != "" {
		return "h:" + strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	return "u:" + s.URL
}

// HasArticle reports whether url is the article of one of e's sources.
func (e *Event) HasArticle(url string) bool {
	if e.Source.URL == url {
		return true
	}
	for _, s := range e.Sources {
		if s.URL == url {
			return true
		}
	}
	return false
}

// AddReport adds r's source to e's sources as merged by m, and reports
// false, changing nothing, when e lists MaxSources already. The source
// keeps r's ID, which a split gives back to r.
func (e *Event) AddReport(r *Event, m *Merge) bool {
	if len(e.Sources) >= MaxSources {
		return false
	}
	if e.Sources == nil {
		first := e.Source
		first.Event = e.ID
		e.Sources = []Source{first}
	}
	s := r.Source
	s.Event = r.ID
	e.Sources = append(e.Sources, s)
	e.Merge = m
	return true
}

// Unmerge makes e the report of its first source alone again, as it was
// before merging: what a split leaves of it.
func (e *Event) Unmerge() {
	if len(e.Sources) > 0 {
		e.Source = e.Sources[0]
		e.Source.Event = ""
	}
	e.Sources, e.Merge = nil, nil
}

// KeepMerges gives e, an update of old, old's merged sources and merge,
// which are the store's to manage, not the writer's: e's own source
// becomes the first. Every store's UpdateEvent applies it.
func (e *Event) KeepMerges(old *Event) {
	e.Sources, e.Merge = nil, old.Merge
	if len(old.Sources) > 0 {
		e.Sources = slices.Clone(old.Sources)
		e.Sources[0] = e.Source
		e.Sources[0].Event = e.ID
	}
}

// SameIn returns the first of events whose happening e reports by rule
// and which has room for another source, with the merge; nil when none.
// A store looks through the events its transaction has yet to write with
// it, before those it has stored.
func SameIn(rule MergeRule, events []*Event, e *Event) (*Event, *Merge) {
	for _, f := range events {
		if m, ok := rule.Same(f, e); ok && len(f.Sources) < MaxSources {
			return f, m
		}
	}
	return nil, nil
}
