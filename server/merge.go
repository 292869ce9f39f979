package server

import (
	"context"
	"net/http"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// EventSplitter is optionally implemented by an EventService that merges
// the reports of one happening from several articles into one event:
// SplitEvent undoes such a merge, returning the split event first and the
// events its other reports became (a geo.ENOTFOUND error for no such
// event, geo.EINVALID for an event of one article).
type EventSplitter interface {
	SplitEvent(ctx context.Context, id string) ([]*geo.Event, error)
}

// handleSplitEvent answers POST /collections/events/items/{id}/split.
func (s *Server) handleSplitEvent(c echo.Context) error {
	coll, err := s.collection(c)
	if err != nil {
		return err
	}
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if coll != collEvents {
		return geo.Errorf(geo.ENOTFOUND, "only events are split; %s are not merged", coll)
	}
	svc, err := s.events()
	if err != nil {
		return err
	}
	sp, ok := svc.(EventSplitter)
	if !ok {
		return geo.Errorf(geo.EUNAVAILABLE, "this event store does not merge events, so it cannot split them")
	}
	evs, err := sp.SplitEvent(c.Request().Context(), pathParam(c, "id"))
	if err != nil {
		return err
	}
	s.logger.Info("split", "event", pathParam(c, "id"), "events", len(evs))
	links := []link{{s.baseURL(c) + "/collections/events", "collection", mimeJSON, ""}}
	return s.writeFeatureCollection(c, http.StatusOK, len(evs), len(evs), "", links,
		func(b []byte, i int) []byte { return appendEventFeature(b, evs[i]) })
}
