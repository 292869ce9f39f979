// Package corrections applies a user's correction of a geoparsed event: the
// event is moved (or, when its place name is no place, taken off the map)
// and the correction is kept as a gazetteer rule, with its provenance, that
// the geoparser applies to later articles. Undoing a correction forgets the
// rule and puts the event back as it was, unless it was edited since.
//
// It stands between the event store and the gazetteer, which know nothing
// of each other.
package corrections

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Events is what corrections need of the event store.
type Events interface {
	Event(ctx context.Context, id string) (*geo.Event, error)
	UpdateEvent(ctx context.Context, e *geo.Event) error
	DeleteEvent(ctx context.Context, id string) error
	CreateEvents(ctx context.Context, events []*geo.Event) (int, error)
}

// Rules is what corrections need of the gazetteer (a *gazetteer.Gazetteer).
type Rules interface {
	Place(ctx context.Context, id int64) (*geo.Place, error)
	FindPlaces(ctx context.Context, f geo.PlaceFilter) (*geo.PlacePage, error)
	AddCorrection(ctx context.Context, c *gazetteer.Correction) error
	SetCorrectionAfter(ctx context.Context, id int64, after time.Time) error
	Correction(ctx context.Context, id int64) (*gazetteer.Correction, error)
	Corrections(ctx context.Context) ([]*gazetteer.Correction, error)
	DeleteCorrection(ctx context.Context, id int64) (*gazetteer.Correction, error)
}

var _ Rules = (*gazetteer.Gazetteer)(nil)

// Service applies, lists and undoes corrections.
type Service struct {
	Events Events
	Rules  Rules
}

// DragRadiusKm is how far from a dragged marker the place it is dropped on
// may be: a drag means "here", and a rule must name a gazetteer place, so
// it takes the nearest populated place (else any place) within this
// radius, and refuses a drop with none.
const DragRadiusKm = 25.0

// Request is one correction of an event.
type Request struct {
	EventID string
	Action  string // gazetteer.CorrectMove or gazetteer.CorrectNotPlace
	// Move to PlaceID, or, when it is 0, to the place nearest Point (a
	// marker dragged there).
	PlaceID int64
	Point   *orb.Point
	// Country is the country the article is about; "" takes the country of
	// the place moved to, or, for "not a place", of the event's place.
	Country string
}

// snapshot is an event as it was before a correction, kept in the rule for
// undo (geo.Event's JSON leaves out its point).
type snapshot struct {
	Event *geo.Event `json:"event"`
	Point orb.Point  `json:"point"`
}

// Correct applies a correction: it stores the rule (used at once by the
// geoparser) and updates the event: moved to the place, or deleted when
// its name is no place. It returns the rule and the event as it now is
// (nil when deleted). A bad event id is geo.ENOTFOUND, an event not read
// from an article or a place the gazetteer lacks geo.EINVALID; then
// nothing is stored.
func (s *Service) Correct(ctx context.Context, r Request) (*gazetteer.Correction, *geo.Event, error) {
	e, err := s.Events.Event(ctx, r.EventID)
	if err != nil {
		return nil, nil, err
	}
	if e.Why == nil || strings.TrimSpace(e.Why.Mention.Text) == "" {
		return nil, nil, geo.Errorf(geo.EINVALID, "event %s was not read from an article's place name, so there is nothing to learn; edit it instead", e.ID)
	}
	c := &gazetteer.Correction{Action: r.Action, Name: e.Why.Mention.Text, Country: r.Country,
		EventID: e.ID, URL: e.Source.URL, FromPlaceID: e.Place.ID}
	var to *geo.Place
	switch r.Action {
	case gazetteer.CorrectMove:
		if to, err = s.target(ctx, r); err != nil {
			return nil, nil, err
		}
		c.PlaceID = to.ID
		if c.Country == "" {
			c.Country = to.Country
		}
	case gazetteer.CorrectNotPlace:
		if c.Country == "" && e.Place.ID != 0 {
			if p, err := s.Rules.Place(ctx, e.Place.ID); err == nil {
				c.Country = p.Country
			}
		}
		if c.Country == "" {
			return nil, nil, geo.Errorf(geo.EINVALID, "country is required: the event's place says none")
		}
	}
	before, err := json.Marshal(snapshot{e, e.Point})
	if err != nil {
		return nil, nil, err
	}
	c.Before = before
	if err := s.Rules.AddCorrection(ctx, c); err != nil {
		return nil, nil, err
	}
	// The rule first, the event after: should the event's write fail, the
	// rule goes again and nothing has changed.
	if to == nil {
		err = s.Events.DeleteEvent(ctx, e.ID)
		e = nil
	} else {
		e.Point = to.Point
		e.Place = geo.EventPlace{ID: to.ID, Name: to.Name, Precision: to.Precision()}
		e.Why.PlaceReason = fmt.Sprintf("moved to %s by a user's correction (rule %d), from %s", to.Name, c.ID, e.Why.PlaceReason)
		e.Why.PlaceReason = cut(e.Why.PlaceReason, geo.MaxWhyLen)
		err = s.Events.UpdateEvent(ctx, e)
	}
	if err == nil && e != nil {
		c.After = e.Updated
		err = s.Rules.SetCorrectionAfter(ctx, c.ID, e.Updated)
	}
	if err != nil {
		if _, derr := s.Rules.DeleteCorrection(ctx, c.ID); derr != nil {
			return nil, nil, fmt.Errorf("%w (and the rule %d stays: %v)", err, c.ID, derr)
		}
		return nil, nil, err
	}
	return c, e, nil
}

// target returns the place a move goes to: the place named, or the one
// nearest a dragged point.
func (s *Service) target(ctx context.Context, r Request) (*geo.Place, error) {
	if r.PlaceID != 0 {
		p, err := s.Rules.Place(ctx, r.PlaceID)
		if geo.ErrorCode(err) == geo.ENOTFOUND {
			return nil, geo.Errorf(geo.EINVALID, "place_id %d is not in the gazetteer", r.PlaceID)
		}
		return p, err
	}
	if r.Point == nil {
		return nil, geo.Errorf(geo.EINVALID, "a move needs place_id, or lon and lat where the marker was dropped")
	}
	return s.nearest(ctx, *r.Point)
}

// nearest returns the populated place nearest pt within DragRadiusKm, else
// the nearest place of any kind within it.
func (s *Service) nearest(ctx context.Context, pt orb.Point) (*geo.Place, error) {
	if pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 || math.IsNaN(pt[0]) || math.IsNaN(pt[1]) {
		return nil, geo.Errorf(geo.EINVALID, "lon, lat %v, %v: not a point on Earth", pt[0], pt[1])
	}
	dLat := DragRadiusKm / 111.2
	dLon := math.Min(180, dLat/math.Max(math.Cos(pt[1]*math.Pi/180), 0.01))
	box := geo.BBox{West: math.Max(-180, pt[0]-dLon), East: math.Min(180, pt[0]+dLon),
		South: math.Max(-90, pt[1]-dLat), North: math.Min(90, pt[1]+dLat)}
	page, err := s.Rules.FindPlaces(ctx, geo.PlaceFilter{BBox: &box, Limit: geo.MaxLimit})
	if err != nil {
		return nil, err
	}
	var best, bestP *geo.Place
	var d, dP float64
	for _, p := range page.Places {
		km := orbgeo.DistanceHaversine(pt, p.Point) / 1000
		if km > DragRadiusKm {
			continue
		}
		if best == nil || km < d {
			best, d = p, km
		}
		if p.FeatureClass == "P" && (bestP == nil || km < dP) {
			bestP, dP = p, km
		}
	}
	if bestP != nil {
		return bestP, nil
	}
	if best == nil {
		return nil, geo.Errorf(geo.EINVALID, "no gazetteer place within %.0f km of %.4f, %.4f: add the place first, then move the event to it", DragRadiusKm, pt[1], pt[0])
	}
	return best, nil
}

// List returns every correction, oldest first.
func (s *Service) List(ctx context.Context) ([]*gazetteer.Correction, error) {
	return s.Rules.Corrections(ctx)
}

// Undone says what undoing a correction did.
type Undone struct {
	Correction *gazetteer.Correction
	// Restored is true when the event was put back as it was; Note says
	// why not otherwise.
	Restored bool
	Note     string
}

// Undo forgets a correction (geo.ENOTFOUND if absent), so that later
// articles resolve the name as before, and puts the event back: a moved
// event returns to its place unless it was edited or deleted since; a
// deleted one comes back unless an event with its id exists again.
func (s *Service) Undo(ctx context.Context, id int64) (*Undone, error) {
	c, err := s.Rules.Correction(ctx, id)
	if err != nil {
		return nil, err
	}
	var snap snapshot
	if err := json.Unmarshal(c.Before, &snap); err != nil || snap.Event == nil {
		snap.Event = nil
	}
	u := &Undone{Correction: c}
	if snap.Event != nil {
		old := snap.Event
		old.Point = snap.Point
		now, err := s.Events.Event(ctx, c.EventID)
		switch {
		case geo.ErrorCode(err) == geo.ENOTFOUND && c.Action == gazetteer.CorrectNotPlace:
			if _, err := s.Events.CreateEvents(ctx, []*geo.Event{old}); err != nil {
				return nil, err
			}
			u.Restored = true
		case geo.ErrorCode(err) == geo.ENOTFOUND:
			u.Note = "the event was deleted since; it stays deleted"
		case err != nil:
			return nil, err
		case c.Action == gazetteer.CorrectNotPlace:
			u.Note = "an event with its id exists again; it is left as it is"
		case !now.Updated.Equal(c.After):
			u.Note = "the event was edited since the correction; it stays where it is"
		default:
			old.Created = now.Created
			if err := s.Events.UpdateEvent(ctx, old); err != nil {
				return nil, err
			}
			u.Restored = true
		}
	}
	if _, err := s.Rules.DeleteCorrection(ctx, id); err != nil {
		return nil, err
	}
	return u, nil
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// PlaceLabel names a place for lists: "Springfield (IL, US)".
func PlaceLabel(p *geo.Place) string {
	var in []string
	for _, x := range []string{p.Admin1, p.Country} {
		if x != "" {
			in = append(in, x)
		}
	}
	if len(in) == 0 {
		return p.Name
	}
	return p.Name + " (" + strings.Join(in, ", ") + ")"
}
