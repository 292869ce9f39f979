package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// EventClusterer is optionally implemented by an EventService that can
// count matching events per grid cell (see geo). Without it the clusters
// and tiles endpoints answer 503.
type EventClusterer = geo.EventClusterer

// clusterParams are the query parameters of the clusters endpoint: the
// items filters (no paging: every cluster is returned) and the map zoom.
var clusterParams = []string{"bbox", "datetime", "tags", "type", "q", "zoom", "f"}

// MaxZoom is the finest Web Mercator zoom the clusters and tiles take.
const MaxZoom = 22

// clusterer returns the cluster service, or a 503.
func (s *Server) clusterer() (EventClusterer, error) {
	if c, ok := s.cfg.Events.(EventClusterer); ok {
		return c, nil
	}
	return nil, geo.Errorf(geo.EUNAVAILABLE, "this server's event store cannot cluster")
}

// parseZoom reads a zoom level 0..MaxZoom.
func parseZoom(name, s string) (int, error) {
	z, err := strconv.Atoi(s)
	if err != nil || z < 0 || z > MaxZoom {
		return 0, geo.Errorf(geo.EINVALID, "%s must be an integer from 0 to %d, not %q", name, MaxZoom, s)
	}
	return z, nil
}

// handleClusters answers GET /collections/events/clusters: a
// FeatureCollection of one Point per grid cell holding matching events,
// with their count ("count"), up to three most frequent tags ("top_tags"),
// the count per event type ("types", "" for events without one; present
// when the store knows them: always without tags and q) and, for a single
// event, its "id". The cells are those of
// geo.CellLevelForZoom(zoom), ~64 px apart on the map; "eventsMatched" is
// the sum of the counts, equal to the items endpoint's numberMatched.
func (s *Server) handleClusters(c echo.Context) error {
	if id, err := s.collection(c); err != nil {
		return err
	} else if id != collEvents {
		return geo.Errorf(geo.ENOTFOUND, "collection %q has no clusters; only %q has", id, collEvents)
	}
	q, err := parseItemsQuery(c, clusterParams)
	if err != nil {
		return err
	}
	zs, ok := lookup(c.QueryParams(), "zoom")
	if !ok {
		return geo.Errorf(geo.EINVALID, "zoom is required: the map's zoom level, 0 to %d", MaxZoom)
	}
	// Leaflet's zoom can be fractional (zoomSnap < 1): its floor is the
	// grid whose clusters are at least 64 px apart.
	zf, err := strconv.ParseFloat(zs, 64)
	if err != nil || !geo.IsDecimal(zs) || !(zf >= 0 && zf <= MaxZoom) {
		return geo.Errorf(geo.EINVALID, "zoom must be a number from 0 to %d, not %q", MaxZoom, zs)
	}
	zoom := int(zf)
	if _, err := s.events(); err != nil {
		return err
	}
	svc, err := s.clusterer()
	if err != nil {
		return err
	}
	level := geo.CellLevelForZoom(zoom)
	clusters, total, err := svc.Clusters(c.Request().Context(), geo.EventFilter{
		BBox: q.BBox, Interval: q.Interval, Tags: q.Tags, Types: q.Types, Q: q.Q,
	}, level)
	if err != nil {
		return err
	}
	extra := `,"eventsMatched":` + itoa(int64(total)) + `,"zoom":` + itoa(int64(zoom)) + `,"cellLevel":` + itoa(int64(level))
	self := s.baseURL(c) + c.Request().URL.RequestURI()
	return s.writeFeatureCollection(c, http.StatusOK, len(clusters), -1, extra,
		[]link{{self, "self", mimeGeoJSON, "clusters"}},
		func(b []byte, i int) []byte { return appendClusterFeature(b, &clusters[i]) })
}

// appendClusterFeature writes one cluster as a GeoJSON Point Feature.
func appendClusterFeature(b []byte, cl *geo.Cluster) []byte {
	b = append(b, `{"type":"Feature"`...)
	b = appendPointGeometry(b, cl.Point)
	b = append(b, `,"properties":{"count":`...)
	b = itoaAppend(b, int64(cl.Count))
	b = append(b, `,"top_tags":[`...)
	for i, t := range cl.TopTags {
		if i > 0 {
			b = append(b, ',')
		}
		b = geo.AppendJSONString(b, t)
	}
	b = append(b, ']')
	if cl.Types != nil {
		// in a fixed order, so that responses compare and cache
		types := make([]string, 0, len(cl.Types))
		for t := range cl.Types {
			types = append(types, t)
		}
		slices.Sort(types)
		b = append(b, `,"types":{`...)
		for i, t := range types {
			if i > 0 {
				b = append(b, ',')
			}
			b = geo.AppendJSONString(b, t)
			b = append(b, ':')
			b = itoaAppend(b, int64(cl.Types[t]))
		}
		b = append(b, '}')
	}
	if cl.ID != "" {
		b = append(b, `,"id":`...)
		b = geo.AppendJSONString(b, cl.ID)
	}
	b = append(b, `,"cell":`...)
	b = geo.AppendJSONString(b, strconv.Itoa(cl.Cell.Level)+"/"+strconv.FormatUint(uint64(cl.Cell.ID), 10))
	return append(b, "}}"...)
}
