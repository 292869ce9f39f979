package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// mimeMVT is the media type of a Mapbox Vector Tile.
const mimeMVT = "application/vnd.mapbox-vector-tile"

// tileParams are the filters a tile request takes, as on items.
var tileParams = []string{"datetime", "tags", "q"}

// Tiles hold clusters below pointZoom and the events themselves from it
// on, as long as a tile holds at most maxTilePoints of them (more, and it
// falls back to clusters at the finest level).
const (
	pointZoom     = 12
	maxTilePoints = geo.MaxLimit
	tileLayer     = "events"
)

// webMercatorLat is the latitude where Web Mercator tiles end.
const webMercatorLat = 85.0511287798066

// handleTileJSON answers GET /collections/events/tiles with a TileJSON 3.0
// document describing the vector tiles. The filters given here (datetime,
// tags, q) are carried into the tile URL template.
func (s *Server) handleTileJSON(c echo.Context) error {
	if err := s.tileCollection(c); err != nil {
		return err
	}
	v := c.QueryParams()
	if err := checkParams(v, append([]string{"f"}, tileParams...)); err != nil {
		return err
	}
	if err := checkJSONFormat(v); err != nil {
		return err
	}
	if _, err := parseTileFilter(c); err != nil {
		return err
	}
	v.Del("f")
	tmpl := s.baseURL(c) + "/collections/" + collEvents + "/tiles/{z}/{x}/{y}.mvt"
	if len(v) > 0 {
		tmpl += "?" + encode(v)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"tilejson":    "3.0.0",
		"name":        "geonews events",
		"description": "Events as points from zoom " + strconv.Itoa(pointZoom) + ", grid clusters below (properties count, top_tags, id for a single event).",
		"tiles":       []string{tmpl},
		"minzoom":     0,
		"maxzoom":     MaxZoom,
		"bounds":      []float64{-180, -webMercatorLat, 180, webMercatorLat},
		"center":      []float64{0, 20, 2},
		"scheme":      "xyz",
		"vector_layers": []map[string]any{{
			"id":          tileLayer,
			"description": "Clusters (count > 1) and single events (count 1, with id)",
			"minzoom":     0,
			"maxzoom":     MaxZoom,
			"fields": map[string]string{
				"count":    ("Number: events in the cluster"),
				"top_tags": ("String: up to three most frequent tags, comma-separated"),
				"id":       ("String: the event id, for a single event"),
				"title":    ("String: the event title (point tiles)"),
				"time":     ("String: the event time, RFC 3339 (point tiles)"),
			},
		}},
	})
}

// tileCollection answers 404 for collections without tiles.
func (s *Server) tileCollection(c echo.Context) error {
	id, err := s.collection(c)
	if err != nil {
		return err
	}
	if id != collEvents {
		return geo.Errorf(geo.ENOTFOUND, "collection %q has no tiles; only %q has", id, collEvents)
	}
	return nil
}

// parseTileFilter reads a tile request's filters with the items rules.
func parseTileFilter(c echo.Context) (geo.EventFilter, error) {
	q, err := parseItemsQuery(c, append([]string{"f"}, tileParams...))
	if err != nil {
		return geo.EventFilter{}, err
	}
	return geo.EventFilter{Interval: q.Interval, Tags: q.Tags, Q: q.Q}, nil
}

// parseTile reads {z}/{x}/{y}.mvt and checks that the tile exists.
func parseTile(c echo.Context) (maptile.Tile, error) {
	z, err := parseZoom("z", pathParam(c, "z"))
	if err != nil {
		return maptile.Tile{}, err
	}
	ys, ok := strings.CutSuffix(pathParam(c, "y"), ".mvt")
	if !ok {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "tiles are {z}/{x}/{y}.mvt (Mapbox Vector Tile), not %q", pathParam(c, "y"))
	}
	n := uint64(1) << z
	x, errX := strconv.ParseUint(pathParam(c, "x"), 10, 32)
	y, errY := strconv.ParseUint(ys, 10, 32)
	if errX != nil || errY != nil || x >= n || y >= n {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "no tile %d/%s/%s: at zoom %d x and y run from 0 to %d", z, pathParam(c, "x"), ys, z, n-1)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// handleTile answers GET /collections/events/tiles/{z}/{x}/{y}.mvt with one
// layer, "events": the matching events as points from pointZoom on, grid
// clusters (store.Clusters over the tile's box) below it. A cluster's
// cell may straddle the tile's north or south edge (cells are
// equirectangular, tiles Web Mercator): each tile then holds a cluster of
// the part of the cell inside it, so counts still add up over tiles.
func (s *Server) handleTile(c echo.Context) error {
	if err := s.tileCollection(c); err != nil {
		return err
	}
	f, err := parseTileFilter(c)
	if err != nil {
		return err
	}
	tile, err := parseTile(c)
	if err != nil {
		return err
	}
	svc, err := s.events()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if tl, ok := svc.(geo.EventTiler); ok {
		// The database renders the tile itself (PostGIS's ST_AsMVT).
		data, err := tl.EventTile(ctx, f, uint32(tile.Z), tile.X, tile.Y, tileLayer, pointZoom, maxTilePoints)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, mimeMVT, data)
	}
	b := tile.Bound()
	f.BBox = &geo.BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
	fc := geojson.NewFeatureCollection()
	points := false
	if tile.Z >= pointZoom {
		f.Limit = maxTilePoints
		page, err := svc.FindEvents(ctx, f)
		if err != nil {
			return err
		}
		if page.Next == "" {
			points = true
			for _, e := range page.Events {
				ft := geojson.NewFeature(e.Point)
				ft.Properties = geojson.Properties{"count": 1, "id": e.ID, "title": e.Title,
					"top_tags": strings.Join(e.Tags, ","), "time": e.Time.UTC().Format("2006-01-02T15:04:05Z07:00")}
				fc.Append(ft)
			}
		}
		f.Limit = 0
	}
	if !points {
		cs, err := s.clusterer()
		if err != nil {
			return err
		}
		clusters, _, err := cs.Clusters(ctx, f, geo.CellLevelForZoom(int(tile.Z)))
		if err != nil {
			return err
		}
		for i := range clusters {
			cl := &clusters[i]
			ft := geojson.NewFeature(orb.Point(cl.Point))
			ft.Properties = geojson.Properties{"count": cl.Count, "top_tags": strings.Join(cl.TopTags, ",")}
			if cl.ID != "" {
				ft.Properties["id"] = cl.ID
			}
			fc.Append(ft)
		}
	}
	layers := mvt.Layers{mvt.NewLayer(tileLayer, fc)}
	layers.ProjectToTile(tile)
	data, err := mvt.Marshal(layers)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeMVT, data)
}
