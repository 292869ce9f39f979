package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// events returns the event service, or a 503 in a build without a store.
func (s *Server) events() (EventService, error) {
	if s.cfg.Events == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "this server has no event store")
	}
	return s.cfg.Events, nil
}

// handleEventItems answers GET /collections/events/items.
func (s *Server) handleEventItems(c echo.Context) error {
	q, err := parseItemsFilter(c, eventItemsParams)
	if err != nil {
		return err
	}
	format, err := pickFormat(c, fmtJSON, fmtHTML, fmtCSV, fmtKML)
	if err != nil {
		return err
	}
	svc, err := s.events()
	if err != nil {
		return err
	}
	f := geo.EventFilter{BBox: q.BBox, Interval: q.Interval, Tags: q.Tags, Types: q.Types, Q: q.Q, Limit: q.Limit, Cursor: q.Cursor}
	switch format {
	case fmtCSV, fmtKML:
		limit, err := exportLimit(c.QueryParams())
		if err != nil {
			return err
		}
		return s.exportEvents(c, svc, f, format, limit)
	case fmtHTML:
		page, err := svc.FindEvents(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return s.renderEventItems(c, q, page)
	}
	if app, ok := svc.(EventFeatureAppender); ok {
		bp := getBuf()
		defer putBuf(bp)
		feats, page, n, err := app.AppendEventFeatures(c.Request().Context(), f, (*bp)[:0])
		*bp = feats
		if err != nil {
			return err
		}
		return s.writeFeatures(c, http.StatusOK, n, page.NumberMatched, "", s.pageLinks(c, q, page.Next, page.Prev, true), feats)
	}
	page, err := svc.FindEvents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	evs := page.Events
	return s.writeFeatureCollection(c, http.StatusOK, len(evs), page.NumberMatched, "",
		s.pageLinks(c, q, page.Next, page.Prev, true),
		func(b []byte, i int) []byte { return appendEventFeature(b, evs[i]) })
}

// handleEventItem answers GET /collections/events/items/{id}, as GeoJSON
// or, with format html, a page.
func (s *Server) handleEventItem(c echo.Context, format string) error {
	svc, err := s.events()
	if err != nil {
		return err
	}
	e, err := svc.Event(c.Request().Context(), pathParam(c, "id"))
	if err != nil {
		return err
	}
	if format == fmtHTML {
		return s.renderEventItem(c, e)
	}
	return s.writeFeature(c, http.StatusOK, collEvents, e.ID, appendEventFeature(nil, e))
}

// locate gives an event without a geometry the point of the place it
// names, through the gazetteer. Failing to resolve is the client's problem
// (a 400 that says what to do), not a server error.
func (s *Server) locate(c echo.Context, in *eventIn) error {
	if in.HasPoint {
		return nil
	}
	if s.cfg.Places == nil {
		return geo.Errorf(geo.EINVALID, "this server has no gazetteer to locate %q; give the event a Point geometry", in.Event.Place.Name)
	}
	ctx := c.Request().Context()
	var p *geo.Place
	var err error
	if in.PlaceID != 0 {
		p, err = s.cfg.Places.Place(ctx, in.PlaceID)
		if geo.ErrorCode(err) == geo.ENOTFOUND {
			return geo.Errorf(geo.EINVALID, "place id %d is not in the gazetteer", in.PlaceID)
		}
	} else {
		p, err = s.cfg.Places.ResolvePlace(ctx, in.Event.Place.Name)
		if geo.ErrorCode(err) == geo.ENOTFOUND {
			return geo.Errorf(geo.EINVALID, "place %q is not in the gazetteer; add it with POST /collections/places/items, or give the event a Point geometry", in.Event.Place.Name)
		}
	}
	if err != nil {
		return err
	}
	in.Event.Point = p.Point
	in.Event.Place = geo.EventPlace{ID: p.ID, Name: p.Name, Precision: p.Precision()}
	return nil
}

// readEvents reads, locates and validates the events of a write request.
func (s *Server) readEvents(c echo.Context) ([]*geo.Event, bool, error) {
	body, _, err := readBody(c, MaxFeatureBody, jsonTypes...)
	if err != nil {
		return nil, false, err
	}
	feats, many, err := parseFeatures(body)
	if err != nil {
		return nil, false, err
	}
	evs := make([]*geo.Event, len(feats))
	for i, f := range feats {
		in, err := decodeEvent(f)
		if err == nil {
			err = s.locate(c, in)
		}
		if err == nil {
			err = in.Event.Validate()
		}
		if err != nil {
			if many {
				return nil, many, prefixError(err, "features["+strconv.Itoa(i)+"]: ")
			}
			return nil, many, err
		}
		evs[i] = in.Event
	}
	return evs, many, nil
}

// handleCreateEvents answers POST /collections/events/items: one Feature
// (201 with Location), or a FeatureCollection stored in one transaction.
func (s *Server) handleCreateEvents(c echo.Context) error {
	svc, err := s.events()
	if err != nil {
		return err
	}
	evs, many, err := s.readEvents(c)
	if err != nil {
		return err
	}
	created, err := svc.CreateEvents(c.Request().Context(), evs)
	if err != nil {
		return err
	}
	if !many {
		e := evs[0]
		if created == 0 {
			return geo.Errorf(geo.ECONFLICT, "event %q already exists; PUT it to replace it", e.ID)
		}
		c.Response().Header().Set(echo.HeaderLocation, s.baseURL(c)+"/collections/events/items/"+url.PathEscape(e.ID))
		return s.writeFeature(c, http.StatusCreated, collEvents, e.ID, appendEventFeature(nil, e))
	}
	return s.writeFeatureCollection(c, http.StatusCreated, len(evs), -1, `,"numberCreated":`+strconv.Itoa(created),
		[]link{{s.baseURL(c) + "/collections/events", "collection", mimeJSON, ""}},
		func(b []byte, i int) []byte { return appendEventFeature(b, evs[i]) })
}

// handleReplaceEvent answers PUT /collections/events/items/{id}.
func (s *Server) handleReplaceEvent(c echo.Context) error {
	svc, err := s.events()
	if err != nil {
		return err
	}
	evs, many, err := s.readEvents(c)
	if err != nil {
		return err
	}
	if many {
		return geo.Errorf(geo.EINVALID, "PUT takes one Feature, not a FeatureCollection")
	}
	e, id := evs[0], pathParam(c, "id")
	if e.ID != "" && e.ID != id {
		return geo.Errorf(geo.EINVALID, "the feature id %q differs from the id in the path %q", e.ID, id)
	}
	e.ID = id
	ctx := c.Request().Context()
	if err := svc.UpdateEvent(ctx, e); err != nil {
		return err
	}
	// Answer with what is stored now (created time, normalised tags).
	if stored, err := svc.Event(ctx, id); err == nil {
		e = stored
	}
	return s.writeFeature(c, http.StatusOK, collEvents, id, appendEventFeature(nil, e))
}

// handleDeleteEvent answers DELETE /collections/events/items/{id}.
func (s *Server) handleDeleteEvent(c echo.Context) error {
	svc, err := s.events()
	if err != nil {
		return err
	}
	if err := svc.DeleteEvent(c.Request().Context(), pathParam(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
