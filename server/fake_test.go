package server

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
)

// fakeEvents is an in-memory EventService that filters like the store
// (bbox, interval, any-of tags, q over title and place name), newest first,
// with offset cursors. It records the last filter so tests can check what
// the handlers passed down.
type fakeEvents struct {
	mu      sync.Mutex
	events  map[string]*geo.Event
	nextID  int
	last    geo.EventFilter
	matched bool  // report NumberMatched (else -1)
	err     error // returned by every call when set
}

var _ EventService = (*fakeEvents)(nil)

func newFakeEvents() *fakeEvents { return &fakeEvents{events: map[string]*geo.Event{}, matched: true} }

func (f *fakeEvents) CreateEvents(ctx context.Context, events []*geo.Event) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	n := 0
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return 0, err
		}
	}
	for _, e := range events {
		if e.ID == "" {
			f.nextID++
			e.ID = "ev" + strconv.Itoa(f.nextID)
		}
		if _, ok := f.events[e.ID]; ok {
			continue
		}
		c := *e
		f.events[e.ID] = &c
		n++
	}
	return n, nil
}

func (f *fakeEvents) Event(ctx context.Context, id string) (*geo.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	e, ok := f.events[id]
	if !ok {
		return nil, geo.Errorf(geo.ENOTFOUND, "event %q not found", id)
	}
	c := *e
	return &c, nil
}

func (f *fakeEvents) UpdateEvent(ctx context.Context, e *geo.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.events[e.ID]; !ok {
		return geo.Errorf(geo.ENOTFOUND, "event %q not found", e.ID)
	}
	c := *e
	f.events[e.ID] = &c
	return nil
}

func (f *fakeEvents) DeleteEvent(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.events[id]; !ok {
		return geo.Errorf(geo.ENOTFOUND, "event %q not found", id)
	}
	delete(f.events, id)
	return nil
}

func (f *fakeEvents) FindEvents(ctx context.Context, flt geo.EventFilter) (*geo.EventPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = flt
	if f.err != nil {
		return nil, f.err
	}
	var all []*geo.Event
	for _, e := range f.events {
		if flt.BBox != nil && !flt.BBox.Contains(e.Point) || !flt.Interval.Contains(e.Time) {
			continue
		}
		if len(flt.Tags) > 0 && !slices.ContainsFunc(e.Tags, func(t string) bool { return slices.Contains(flt.Tags, t) }) {
			continue
		}
		if q := strings.ToLower(flt.Q); q != "" && !strings.Contains(strings.ToLower(e.Title+" "+e.Place.Name), q) {
			continue
		}
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *geo.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	off := 0
	if flt.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(flt.Cursor, "o"))
		if err != nil || !strings.HasPrefix(flt.Cursor, "o") || n < 0 {
			return nil, geo.Errorf(geo.EINVALID, "cursor is not valid")
		}
		off = n
	}
	limit := min(max(flt.Limit, 1), geo.MaxLimit)
	page := &geo.EventPage{NumberMatched: -1}
	if f.matched {
		page.NumberMatched = len(all)
	}
	end := min(off+limit, len(all))
	if off < len(all) {
		page.Events = all[off:end]
	}
	if end < len(all) {
		page.Next = "o" + strconv.Itoa(end)
	}
	if off > 0 {
		page.Prev = "o" + strconv.Itoa(max(off-limit, 0))
	}
	return page, nil
}

// fakePlaces is an in-memory PlaceService; names match case-insensitively.
type fakePlaces struct {
	mu     sync.Mutex
	places map[int64]*geo.Place
	nextID int64
	last   geo.PlaceFilter
}

var _ PlaceService = (*fakePlaces)(nil)

func newFakePlaces(ps ...*geo.Place) *fakePlaces {
	f := &fakePlaces{places: map[int64]*geo.Place{}, nextID: 1000000000}
	for _, p := range ps {
		f.places[p.ID] = p
	}
	return f
}

func (f *fakePlaces) Place(ctx context.Context, id int64) (*geo.Place, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.places[id]
	if !ok {
		return nil, geo.Errorf(geo.ENOTFOUND, "place %d not found", id)
	}
	return p, nil
}

func (f *fakePlaces) CreatePlace(ctx context.Context, p *geo.Place) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.ID == 0 {
		f.nextID++
		p.ID = f.nextID
	} else if _, ok := f.places[p.ID]; ok {
		return geo.Errorf(geo.ECONFLICT, "place %d exists", p.ID)
	}
	f.places[p.ID] = p
	return nil
}

func (f *fakePlaces) UpdatePlace(ctx context.Context, p *geo.Place) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.places[p.ID]; !ok {
		return geo.Errorf(geo.ENOTFOUND, "place %d not found", p.ID)
	}
	f.places[p.ID] = p
	return nil
}

func (f *fakePlaces) DeletePlace(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.places[id]; !ok {
		return geo.Errorf(geo.ENOTFOUND, "place %d not found", id)
	}
	delete(f.places, id)
	return nil
}

func (f *fakePlaces) matches(p *geo.Place, q string) bool {
	q = strings.ToLower(q)
	if strings.ToLower(p.Name) == q {
		return true
	}
	for _, a := range p.AlternateNames {
		if strings.ToLower(a) == q {
			return true
		}
	}
	return false
}

func (f *fakePlaces) FindPlaces(ctx context.Context, flt geo.PlaceFilter) (*geo.PlacePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = flt
	var ps []*geo.Place
	for _, p := range f.places {
		if flt.BBox != nil && !flt.BBox.Contains(p.Point) || flt.Q != "" && !f.matches(p, flt.Q) {
			continue
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *geo.Place) int { return int(a.ID - b.ID) })
	if len(ps) > flt.Limit {
		ps = ps[:flt.Limit]
	}
	return &geo.PlacePage{Places: ps, NumberMatched: -1}, nil
}

func (f *fakePlaces) ResolvePlace(ctx context.Context, name string) (*geo.Place, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best *geo.Place
	for _, p := range f.places {
		if f.matches(p, name) && (best == nil || p.Population > best.Population) {
			best = p
		}
	}
	if best == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "no place %q", name)
	}
	return best, nil
}

// fakeArticles makes one event per gazetteer name found in the text and
// stores them in events, as ingest.Service does.
type fakeArticles struct {
	places *fakePlaces
	events *fakeEvents
}

func (f fakeArticles) Ingest(ctx context.Context, a ingest.Article, dryRun bool) (*ingest.Result, error) {
	res := &ingest.Result{DryRun: dryRun}
	f.places.mu.Lock()
	for _, p := range f.places.places {
		if slices.ContainsFunc(append([]string{p.Name}, p.AlternateNames...), func(n string) bool { return strings.Contains(a.Text, n) }) {
			res.Events = append(res.Events, &geo.Event{Point: p.Point, Time: a.Published, Title: a.Title + ": " + p.Name,
				Tags: []string{"news"}, Place: geo.EventPlace{ID: p.ID, Name: p.Name, Precision: p.Precision()},
				Source: geo.Source{URL: a.URL, Title: a.Title, Published: a.Published}, Confidence: 0.8})
			res.Mentions = append(res.Mentions, geoparse.Mention{Text: p.Name, Place: p, Score: 1, Reason: "the only " + p.Name})
		}
	}
	f.places.mu.Unlock()
	if strings.Contains(a.Text, "Atlantis") {
		res.Mentions = append(res.Mentions, geoparse.Mention{Text: "Atlantis", Reason: "not in the gazetteer"})
	}
	slices.SortFunc(res.Events, func(a, b *geo.Event) int { return strings.Compare(a.Place.Name, b.Place.Name) })
	slices.SortFunc(res.Mentions, func(a, b geoparse.Mention) int { return strings.Compare(a.Text, b.Text) })
	if dryRun || len(res.Events) == 0 {
		return res, nil
	}
	var err error
	res.Created, err = f.events.CreateEvents(ctx, res.Events)
	return res, err
}

// fakeBackup's copy is a fixed payload, repeated; closing it closes
// closed, when set.
type fakeBackup struct {
	repeat int
	closed chan struct{}
}

func (f fakeBackup) Snapshot(ctx context.Context) (io.ReadCloser, int64, error) {
	b := strings.Repeat("BOLTDB-COPY", max(1, f.repeat))
	return snapCloser{strings.NewReader(b), f.closed}, int64(len(b)), nil
}

type snapCloser struct {
	io.Reader
	closed chan struct{}
}

func (s snapCloser) Close() error {
	if s.closed != nil {
		close(s.closed)
	}
	return nil
}
