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
	mimeHTML    = "text/html"
	mimeCSV     = "text/csv"
	mimeKML     = "application/vnd.google-earth.kml+xml"
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

// wantsHTML reports whether a request without f prefers HTML: browsers
// ask for text/html, GDAL, curl and scripts do not.
func wantsHTML(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get("Accept"), "text/html")
}

// Formats a request may ask for with f.
const (
	fmtJSON = "json"
	fmtHTML = "html"
	fmtCSV  = "csv"
	fmtKML  = "kml"
)

// pickFormat returns the representation a request asks for among offered
// (JSON first): f if given ("geojson" is JSON), else HTML when offered and
// the Accept header names it, else JSON. The answer varies with Accept,
// which the response says for caches.
func pickFormat(c echo.Context, offered ...string) (string, error) {
	c.Response().Header().Add("Vary", "Accept")
	f := c.QueryParam("f")
	if f == "geojson" {
		f = fmtJSON
	}
	if f == "" {
		if contains(offered, fmtHTML) && wantsHTML(c) {
			return fmtHTML, nil
		}
		return fmtJSON, nil
	}
	if !contains(offered, f) {
		return "", geo.Errorf(geo.EINVALID, "f=%s is not offered here; use f=%s", c.QueryParam("f"), strings.Join(offered, ", f="))
	}
	return f, nil
}

// landingLinks are the landing page's links, in JSON and HTML alike.
func (s *Server) landingLinks(base string) []link {
	links := []link{
		{base + "/?f=json", "self", mimeJSON, "this document"},
		{base + "/?f=html", "alternate", mimeHTML, "this document as HTML"},
		{base + "/api", "service-desc", mimeOpenAPI, "the API definition"},
		{base + "/conformance", "conformance", mimeJSON, "OGC API conformance classes implemented by this server"},
		{base + "/collections", "data", mimeJSON, "the collections: events and places"},
	}
	if s.cfg.Web != nil {
		links = append(links, link{base + "/", "related", mimeHTML, "the map"})
	}
	return links
}

func (s *Server) handleLanding(c echo.Context) error {
	v := c.QueryParams()
	// Browsers at / get the map. The page is for people, whose links pick
	// up parameters on the way (?fbclid=…, the start-up ?token=…): it
	// ignores what it does not know, as every metadata endpoint does.
	if v.Get("f") == "" && wantsHTML(c) && s.cfg.Web != nil {
		return s.serveWebFile(c, "index.html")
	}
	if err := checkMetaParams(v); err != nil {
		return err
	}
	f, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
		return err
	}
	base := s.baseURL(c)
	doc := map[string]any{
		"title":       "geonews",
		"description": "Events read from news text, located and dated, as OGC API – Features.",
		"version":     s.cfg.Version,
		"links":       s.landingLinks(base),
	}
	if f == fmtHTML {
		return s.renderHTML(c, "landing", doc)
	}
	return c.JSON(http.StatusOK, doc)
}

func (s *Server) handleConformance(c echo.Context) error {
	if err := checkMetaParams(c.QueryParams()); err != nil {
		return err
	}
	f, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
		return err
	}
	if f == fmtHTML {
		return s.renderHTML(c, "conformance", map[string]any{"conformsTo": conformance})
	}
	return c.JSON(http.StatusOK, map[string]any{"conformsTo": conformance})
}

func (s *Server) handleAPI(c echo.Context) error {
	if err := checkMetaParams(c.QueryParams()); err != nil {
		return err
	}
	if _, err := pickFormat(c, fmtJSON); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeOpenAPI, s.apiWithServer(s.baseURL(c)))
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
			{base, "self", mimeJSON, "this document"},
			{base + "?f=html", "alternate", mimeHTML, "this document as HTML"},
			{base + "/items", "items", mimeGeoJSON, "the features as GeoJSON"},
			{base + "/items?f=html", "items", mimeHTML, "the features as HTML"},
		},
	}
	switch id {
	case collEvents:
		info.Title = "Events"
		info.Description = "Things that happened at a place and a time, as reported by news articles. Filter with bbox, datetime, tags (any of) and q (title and place name)."
		info.Links = append(info.Links,
			link{base + "/items?f=csv", "items", mimeCSV, "every matching event as CSV (ACLED's columns)"},
			link{base + "/items?f=kml", "items", mimeKML, "every matching event as KML"})
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
		if x, ok := s.cfg.Places.(PlaceExtenter); ok {
			bbox, ok, err := x.PlaceExtent(c.Request().Context())
			if err != nil {
				return nil, err
			}
			if ok {
				info.Extent = &extent{Spatial: &spatialExtent{BBox: [][4]float64{{bbox.West, bbox.South, bbox.East, bbox.North}}, CRS: crs84}}
			}
		}
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
	if err := checkMetaParams(c.QueryParams()); err != nil {
		return err
	}
	f, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
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
	doc := map[string]any{
		"links": []link{
			{base + "/collections", "self", mimeJSON, "this document"},
			{base + "/collections?f=html", "alternate", mimeHTML, "this document as HTML"},
		},
		"collections": cols,
	}
	if f == fmtHTML {
		return s.renderHTML(c, "collections", doc)
	}
	return c.JSON(http.StatusOK, doc)
}

func (s *Server) handleCollection(c echo.Context) error {
	if err := checkMetaParams(c.QueryParams()); err != nil {
		return err
	}
	f, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
		return err
	}
	info, err := s.describe(c, pathParam(c, "collection"))
	if err != nil {
		return err
	}
	if f == fmtHTML {
		return s.renderHTML(c, "collection", info)
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
	f, err := pickFormat(c, fmtJSON, fmtHTML)
	if err != nil {
		return err
	}
	if id == collPlaces {
		return s.handlePlaceItem(c, f)
	}
	return s.handleEventItem(c, f)
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

// pageLinks returns self, alternate, next and prev links for an items page;
// the paging links repeat every filter. exports adds the CSV and KML of
// every match.
func (s *Server) pageLinks(c echo.Context, q itemsQuery, next, prev string, exports bool) []link {
	base := s.baseURL(c) + c.Request().URL.Path + "?"
	withF := func(v url.Values, f string) url.Values { v.Set("f", f); return v }
	links := []link{
		{base + encode(q.query(q.Cursor)), "self", mimeGeoJSON, "this page"},
		{base + encode(withF(q.query(q.Cursor), fmtHTML)), "alternate", mimeHTML, "this page as HTML"},
	}
	if exports {
		links = append(links,
			link{base + encode(withF(q.filter(), fmtCSV)), "alternate", mimeCSV, "every matching event as CSV"},
			link{base + encode(withF(q.filter(), fmtKML)), "alternate", mimeKML, "every matching event as KML"})
	}
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
