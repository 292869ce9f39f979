package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// CorrectionService is what the server needs to apply, list and undo users'
// corrections of events (a *corrections.Service).
type CorrectionService interface {
	// Correct stores the rule and updates the event (nil when deleted).
	Correct(ctx context.Context, r corrections.Request) (*gazetteer.Correction, *geo.Event, error)
	// List returns every correction, oldest first.
	List(ctx context.Context) ([]*gazetteer.Correction, error)
	// Undo forgets a correction and puts its event back if it can.
	Undo(ctx context.Context, id int64) (*corrections.Undone, error)
}

var _ CorrectionService = (*corrections.Service)(nil)

// correctionsSvc returns the correction service, or a 503 in a build
// without one.
func (s *Server) correctionsSvc() (CorrectionService, error) {
	if s.cfg.Corrections == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "this server keeps no corrections")
	}
	return s.cfg.Corrections, nil
}

// correctionJSON is a correction as the API shows it.
type correctionJSON struct {
	ID          int64     `json:"id"`
	Action      string    `json:"action"`
	Name        string    `json:"name"`
	Country     string    `json:"country"`
	PlaceID     int64     `json:"place_id,omitempty"`
	PlaceName   string    `json:"place_name,omitempty"`
	Rule        string    `json:"rule"`
	EventID     string    `json:"event_id"`
	URL         string    `json:"url"`
	FromPlaceID int64     `json:"from_place_id,omitempty"`
	Created     time.Time `json:"created"`
}

func (s *Server) toCorrectionJSON(ctx context.Context, c *gazetteer.Correction) correctionJSON {
	out := correctionJSON{ID: c.ID, Action: c.Action, Name: c.Name, Country: c.Country, PlaceID: c.PlaceID, Rule: c.String(),
		EventID: c.EventID, URL: c.URL, FromPlaceID: c.FromPlaceID, Created: c.Created}
	if c.PlaceID != 0 && s.cfg.Places != nil {
		if p, err := s.cfg.Places.Place(ctx, c.PlaceID); err == nil {
			out.PlaceName = corrections.PlaceLabel(p)
			out.Rule = strconv.Quote(c.Name) + " is " + out.PlaceName + " in articles about " + c.Country
		}
	}
	return out
}

// handleCorrections answers GET /corrections: every rule learned from
// corrections, with its provenance.
func (s *Server) handleCorrections(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	svc, err := s.correctionsSvc()
	if err != nil {
		return err
	}
	all, err := svc.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]correctionJSON, len(all))
	for i, x := range all {
		out[i] = s.toCorrectionJSON(c.Request().Context(), x)
	}
	return c.JSON(http.StatusOK, map[string]any{"corrections": out})
}

// correctionIn is the JSON body of POST /corrections.
type correctionIn struct {
	EventID string   `json:"event_id"`
	Action  string   `json:"action"`
	PlaceID int64    `json:"place_id"`
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	Country string   `json:"country"`
}

// handleCreateCorrection answers POST /corrections: correct an event and
// learn from it. The answer is the rule and the event as it now is
// (null when it was taken off the map).
func (s *Server) handleCreateCorrection(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	svc, err := s.correctionsSvc()
	if err != nil {
		return err
	}
	body, _, err := readBody(c, MaxFeatureBody, "application/json")
	if err != nil {
		return err
	}
	var in correctionIn
	if err := decodeJSON(body, &in, true, "the correction"); err != nil {
		return err
	}
	if in.EventID == "" {
		return geo.Errorf(geo.EINVALID, "event_id is required")
	}
	r := corrections.Request{EventID: in.EventID, Action: in.Action, PlaceID: in.PlaceID, Country: in.Country}
	switch {
	case in.Lon != nil && in.Lat != nil:
		r.Point = &orb.Point{*in.Lon, *in.Lat}
	case in.Lon != nil || in.Lat != nil:
		return geo.Errorf(geo.EINVALID, "lon and lat go together")
	}
	if r.Action != gazetteer.CorrectMove && r.Action != gazetteer.CorrectNotPlace {
		return geo.Errorf(geo.EINVALID, "action %q: must be %q or %q", r.Action, gazetteer.CorrectMove, gazetteer.CorrectNotPlace)
	}
	rule, ev, err := svc.Correct(c.Request().Context(), r)
	if err != nil {
		return err
	}
	var evJSON json.RawMessage = []byte("null")
	if ev != nil {
		evJSON = appendEventFeature(nil, ev)
	}
	c.Response().Header().Set("Location", s.base+"/corrections/"+itoa(rule.ID))
	return c.JSON(http.StatusCreated, map[string]any{"correction": s.toCorrectionJSON(c.Request().Context(), rule), "event": evJSON})
}

// handleDeleteCorrection answers DELETE /corrections/{id}: forget the rule
// and put the event back where it was if nobody changed it since.
func (s *Server) handleDeleteCorrection(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	svc, err := s.correctionsSvc()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pathParam(c, "id"), 10, 64)
	if err != nil || id <= 0 {
		return geo.Errorf(geo.EINVALID, "correction id %q is not a positive number", pathParam(c, "id"))
	}
	u, err := svc.Undo(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"correction": s.toCorrectionJSON(c.Request().Context(), u.Correction),
		"event_restored": u.Restored, "note": u.Note})
}
