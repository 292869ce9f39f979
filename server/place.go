package server

import (
	"net/http"
	"strconv"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// places returns the gazetteer, or a 404: without one the places
// collection does not exist.
func (s *Server) places() (PlaceService, error) {
	if s.cfg.Places == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "this server has no gazetteer")
	}
	return s.cfg.Places, nil
}

// handlePlaceItems answers GET /collections/places/items.
func (s *Server) handlePlaceItems(c echo.Context) error {
	q, err := parseItemsFilter(c, placeItemsParams)
	if err != nil {
		return err
	}
	format, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
		return err
	}
	svc, err := s.places()
	if err != nil {
		return err
	}
	page, err := svc.FindPlaces(c.Request().Context(), geo.PlaceFilter{BBox: q.BBox, Q: q.Q, Limit: q.Limit, Cursor: q.Cursor})
	if err != nil {
		return err
	}
	if format == fmtHTML {
		return s.renderPlaceItems(c, q, page)
	}
	ps := page.Places
	return s.writeFeatureCollection(c, http.StatusOK, len(ps), page.NumberMatched, "",
		s.pageLinks(c, q, page.Next, page.Prev, false),
		func(b []byte, i int) []byte { return appendPlaceFeature(b, ps[i]) })
}

// placeID reads the path's place id; a malformed one names no place (404).
func placeID(c echo.Context) (int64, error) {
	id, err := parsePlaceID(pathParam(c, "id"))
	if err != nil {
		return 0, geo.Errorf(geo.ENOTFOUND, "no place %q: place ids are positive integers", pathParam(c, "id"))
	}
	return id, nil
}

// handlePlaceItem answers GET /collections/places/items/{id}, as GeoJSON
// or, with format html, a page.
func (s *Server) handlePlaceItem(c echo.Context, format string) error {
	svc, err := s.places()
	if err != nil {
		return err
	}
	id, err := placeID(c)
	if err != nil {
		return err
	}
	p, err := svc.Place(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if format == fmtHTML {
		return s.renderPlaceItem(c, p)
	}
	return s.writeFeature(c, http.StatusOK, collPlaces, strconv.FormatInt(p.ID, 10), appendPlaceFeature(nil, p))
}

// readPlace reads and validates the place of a write request.
func readPlace(c echo.Context) (*geo.Place, error) {
	body, _, err := readBody(c, MaxFeatureBody, jsonTypes...)
	if err != nil {
		return nil, err
	}
	var f geojsonIn
	if err := decodeJSON(body, &f, false, "body"); err != nil {
		return nil, err
	}
	if f.Type != "Feature" {
		return nil, geo.Errorf(geo.EINVALID, "type is %q; want Feature", f.Type)
	}
	return decodePlace(f)
}

// handleCreatePlace answers POST /collections/places/items: the entry is
// usable by the geoparser and by event posts at once.
func (s *Server) handleCreatePlace(c echo.Context) error {
	svc, err := s.places()
	if err != nil {
		return err
	}
	p, err := readPlace(c)
	if err != nil {
		return err
	}
	if err := svc.CreatePlace(c.Request().Context(), p); err != nil {
		return err
	}
	id := strconv.FormatInt(p.ID, 10)
	c.Response().Header().Set(echo.HeaderLocation, s.baseURL(c)+"/collections/places/items/"+id)
	return s.writeFeature(c, http.StatusCreated, collPlaces, id, appendPlaceFeature(nil, p))
}

// handleReplacePlace answers PUT /collections/places/items/{id}.
func (s *Server) handleReplacePlace(c echo.Context) error {
	svc, err := s.places()
	if err != nil {
		return err
	}
	id, err := placeID(c)
	if err != nil {
		return err
	}
	p, err := readPlace(c)
	if err != nil {
		return err
	}
	if p.ID != 0 && p.ID != id {
		return geo.Errorf(geo.EINVALID, "the feature id %d differs from the id in the path %d", p.ID, id)
	}
	p.ID = id
	if err := svc.UpdatePlace(c.Request().Context(), p); err != nil {
		return err
	}
	return s.writeFeature(c, http.StatusOK, collPlaces, strconv.FormatInt(id, 10), appendPlaceFeature(nil, p))
}

// handleDeletePlace answers DELETE /collections/places/items/{id}.
func (s *Server) handleDeletePlace(c echo.Context) error {
	svc, err := s.places()
	if err != nil {
		return err
	}
	id, err := placeID(c)
	if err != nil {
		return err
	}
	if err := svc.DeletePlace(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
