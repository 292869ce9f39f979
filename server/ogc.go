package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// Media types of OGC API – Features responses.
const (
	mimeGeoJSON = "application/geo+json"
	mimeJSON    = "application/json"
	mimeOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// Collection ids.
const (
	collEvents = "events"
	collPlaces = "places"
)

// conformance lists the OGC API – Features Part 1 classes the server meets.
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// crs84 is the only CRS served, as GeoJSON requires.
const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// link is an OGC API / RFC 8288 link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// wantsHTML reports whether GET / should answer with the map page rather
// than the JSON landing page: f decides if given, else the Accept header
// (browsers ask for text/html; GDAL, curl and scripts do not).
func wantsHTML(c echo.Context) bool {
	switch c.QueryParam("f") {
	case "json":
		return false
	case "html":
		return true
	}
	return strings.Contains(c.Request().Header.Get("Accept"), "text/html")
}

func (s *Server) handleLanding(c echo.Context) error {
	v := c.QueryParams()
	if f := v.Get("f"); f != "" && f != "json" && f != "html" {
		return geo.Errorf(geo.EINVALID, "f=%s is not offered; use f=json or f=html", f)
	}
	// The page is for people, whose links pick up parameters on the way
	// (?fbclid=…): it ignores what it does not know. The API does not.
	if wantsHTML(c) && s.cfg.Web != nil {
		return s.serveWebFile(c, "index.html")
	}
	if err := checkParams(v, landingParams); err != nil {
		return err
	}
	base := s.baseURL(c)
	return c.JSON(http.StatusOK, map[string]any{
		"title":       "geonews",
		"description": "Events read from news text, located and dated, as OGC API – Features.",
		"version":     s.cfg.Version,
		"links": []link{
			{base + "/?f=json", "self", mimeJSON, "this document"},
			{base + "/?f=html", "alternate", "text/html", "the map"},
			{base + "/api", "service-desc", mimeOpenAPI, "the API definition"},
			{base + "/conformance", "conformance", mimeJSON, "OGC API conformance classes implemented by this server"},
			{base + "/collections", "data", mimeJSON, "the collections: events and places"},
		},
	})
}

func (s *Server) handleConformance(c echo.Context) error {
	if err := checkParams(c.QueryParams(), plainParams); err != nil {
		return err
	}
	if err := checkJSONFormat(c.QueryParams()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"conformsTo": conformance})
}

func (s *Server) handleAPI(c echo.Context) error {
	if err := checkParams(c.QueryParams(), plainParams); err != nil {
		return err
	}
	if err := checkJSONFormat(c.QueryParams()); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeOpenAPI, s.api)
}

func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// handleMapConfig tells the map page what only the command line knows.
func (s *Server) handleMapConfig(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"tiles": s.cfg.Tiles, "version": s.cfg.Version})
}

// collectionInfo is a collection's description.
type collectionInfo struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Links       []link   `json:"links"`
	Extent      *extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
}

type extent struct {
	Spatial  *spatialExtent  `json:"spatial,omitempty"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalExtent struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

// collectionIDs lists the collections this server has.
func (s *Server) collectionIDs() []string {
	ids := []string{collEvents}
	if s.cfg.Places != nil {
		ids = append(ids, collPlaces)
	}
	return ids
}

// describe builds one collection's description.
func (s *Server) describe(c echo.Context, id string) (*collectionInfo, error) {
	base := s.baseURL(c) + "/collections/" + id
	info := &collectionInfo{
		ID:       id,
		ItemType: "feature",
		CRS:      []string{crs84},
		Links: []link{
			{base, "self", mimeJSON, ""},
			{base + "/items", "items", mimeGeoJSON, "the features as GeoJSON"},
		},
	}
	switch id {
	case collEvents:
		info.Title = "Events"
		info.Description = "Things that happened at a place and a time, as reported by news articles. Filter with bbox, datetime, tags (any of) and q (title and place name)."
		if x, ok := s.cfg.Events.(EventExtenter); ok {
			bbox, iv, ok, err := x.EventExtent(c.Request().Context())
			if err != nil {
				return nil, err
			}
			if ok {
				info.Extent = &extent{
					Spatial:  &spatialExtent{BBox: [][4]float64{{bbox.West, bbox.South, bbox.East, bbox.North}}, CRS: crs84},
					Temporal: &temporalExtent{Interval: [][2]*string{{timeOrNil(iv.Start), timeOrNil(iv.End)}}, TRS: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
				}
			}
		}
	case collPlaces:
		info.Title = "Places"
		info.Description = "The gazetteer: GeoNames, Natural Earth and user entries. q matches names as the geoparser does (case, accents and punctuation folded)."
	default:
		return nil, geo.Errorf(geo.ENOTFOUND, "no collection %q (collections: %s)", id, strings.Join(s.collectionIDs(), ", "))
	}
	return info, nil
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (s *Server) handleCollections(c echo.Context) error {
	if err := checkParams(c.QueryParams(), plainParams); err != nil {
		return err
	}
	if err := checkJSONFormat(c.QueryParams()); err != nil {
		return err
	}
	var cols []*collectionInfo
	for _, id := range s.collectionIDs() {
		info, err := s.describe(c, id)
		if err != nil {
			return err
		}
		cols = append(cols, info)
	}
	base := s.baseURL(c)
	return c.JSON(http.StatusOK, map[string]any{
		"links":       []link{{base + "/collections", "self", mimeJSON, ""}},
		"collections": cols,
	})
}

func (s *Server) handleCollection(c echo.Context) error {
	if err := checkParams(c.QueryParams(), plainParams); err != nil {
		return err
	}
	if err := checkJSONFormat(c.QueryParams()); err != nil {
		return err
	}
	info, err := s.describe(c, pathParam(c, "collection"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

// collection returns the collection a request names, or a 404.
func (s *Server) collection(c echo.Context) (string, error) {
	id := pathParam(c, "collection")
	for _, known := range s.collectionIDs() {
		if id == known {
			return id, nil
		}
	}
	return "", geo.Errorf(geo.ENOTFOUND, "no collection %q (collections: %s)", id, strings.Join(s.collectionIDs(), ", "))
}

// The item handlers dispatch on the collection; each has its own file.

func (s *Server) handleItems(c echo.Context) error {
	id, err := s.collection(c)
	if err != nil {
		return err
	}
	if id == collPlaces {
		return s.handlePlaceItems(c)
	}
	return s.handleEventItems(c)
}

func (s *Server) handleItem(c echo.Context) error {
	id, err := s.collection(c)
	if err != nil {
		return err
	}
	if err := checkParams(c.QueryParams(), itemParams); err != nil {
		return err
	}
	if err := checkJSONFormat(c.QueryParams()); err != nil {
		return err
	}
	if id == collPlaces {
		return s.handlePlaceItem(c)
	}
	return s.handleEventItem(c)
}

// writeItem returns the handler of one write method on items: it checks the
// collection and that no query parameter is given, then hands over to the
// places or the events handler.
func (s *Server) writeItem(places, events echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := s.collection(c)
		if err != nil {
			return err
		}
		if err := checkParams(c.QueryParams(), nil); err != nil {
			return err
		}
		if id == collPlaces {
			return places(c)
		}
		return events(c)
	}
}

// pageLinks returns self, next and prev links for an items page; the paging
// links repeat every filter of the request.
func (s *Server) pageLinks(c echo.Context, q itemsQuery, next, prev string) []link {
	base := s.baseURL(c) + c.Request().URL.Path + "?"
	links := []link{{base + encode(q.query(q.Cursor)), "self", mimeGeoJSON, "this page"}}
	if next != "" {
		links = append(links, link{base + encode(q.query(next)), "next", mimeGeoJSON, "next page"})
	}
	if prev != "" {
		links = append(links, link{base + encode(q.query(prev)), "prev", mimeGeoJSON, "previous page"})
	}
	coll := s.baseURL(c) + strings.TrimSuffix(c.Request().URL.Path, "/items")
	return append(links, link{coll, "collection", mimeJSON, "the collection"})
}

// bufPool recycles response buffers: a full page is megabytes.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

// putBuf returns a buffer to the pool unless it grew past what a page of
// the default maximum needs, so a rare huge page is not kept forever.
func putBuf(bp *[]byte) {
	if cap(*bp) <= 4<<20 {
		bufPool.Put(bp)
	}
}

// appendCollectionHead appends a FeatureCollection's members up to the
// opening bracket of its features.
func (s *Server) appendCollectionHead(b []byte, n, matched int, extra string, links []link) ([]byte, error) {
	b = append(b, `{"type":"FeatureCollection"`...)
	if matched >= 0 {
		b = append(b, `,"numberMatched":`...)
		b = itoaAppend(b, int64(matched))
	}
	b = append(b, `,"numberReturned":`...)
	b = itoaAppend(b, int64(n))
	b = append(b, extra...)
	b = append(b, `,"timeStamp":`...)
	b = appendTime(b, s.cfg.Now().Truncate(time.Second))
	b = append(b, `,"links":`...)
	b, err := appendLinks(b, links)
	return append(b, `,"features":[`...), err
}

// writeFeatures writes a FeatureCollection of n features already encoded
// in feats, with its length, in two writes. The page is in memory whole
// (3 MB at the 10,000-feature maximum), so that it carries a Content-Length
// and goes out in a few large writes instead of chunks.
func (s *Server) writeFeatures(c echo.Context, status, n, matched int, extra string, links []link, feats []byte) error {
	head, err := s.appendCollectionHead(make([]byte, 0, 1024), n, matched, extra, links)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, mimeGeoJSON)
	res.Header().Set(echo.HeaderContentLength, itoa(int64(len(head)+len(feats)+2)))
	res.WriteHeader(status)
	if _, err := res.Write(head); err != nil {
		return err
	}
	_, err = res.Write(append(feats, "]}"...))
	return err
}

// flushAt is how much of a FeatureCollection is buffered before it is
// written out, so a 10,000-feature page never sits in memory whole.
const flushAt = 256 << 10

// writeFeatureCollection streams a FeatureCollection: the paging metadata
// first, then n features appended by feature(b, i).
func (s *Server) writeFeatureCollection(c echo.Context, status int, n, matched int, extra string, links []link, feature func(b []byte, i int) []byte) error {
	bp := getBuf()
	defer putBuf(bp)
	b, err := s.appendCollectionHead((*bp)[:0], n, matched, extra, links)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, mimeGeoJSON)
	started := false
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = feature(b, i)
		if len(b) >= flushAt {
			if !started {
				res.WriteHeader(status)
				started = true
			}
			if _, err := res.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "]}"...)
	if !started {
		res.Header().Set(echo.HeaderContentLength, itoa(int64(len(b))))
		res.WriteHeader(status)
	}
	_, err = res.Write(b)
	*bp = b
	return err
}

func itoaAppend(b []byte, n int64) []byte { return append(b, itoa(n)...) }

// writeFeature writes one feature with its self and collection links.
func (s *Server) writeFeature(c echo.Context, status int, coll, id string, feature []byte) error {
	base := s.baseURL(c) + "/collections/" + coll
	b := append(feature[:len(feature)-1], `,"links":`...)
	b, err := appendLinks(b, []link{
		{base + "/items/" + url.PathEscape(id), "self", mimeGeoJSON, ""},
		{base, "collection", mimeJSON, ""},
	})
	if err != nil {
		return err
	}
	b = append(b, '}')
	return c.Blob(status, mimeGeoJSON, b)
}

// appendLinks appends links as JSON without encoding/json's HTML escaping,
// so that "&" between query parameters stays readable.
func appendLinks(b []byte, links []link) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(links); err != nil {
		return b, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// prefixError puts a prefix on an error's user message, keeping its code.
func prefixError(err error, prefix string) error {
	if geo.ErrorCode(err) == geo.EINTERNAL {
		return err
	}
	return geo.Errorf(geo.ErrorCode(err), "%s%s", prefix, geo.ErrorMessage(err))
}
