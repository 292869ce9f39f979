package server

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// The OGC API's HTML pages (f=html, or Accept: text/html) are rendered on
// the server from these templates, as pygeoapi and pg_featureserv do, so a
// person can browse the collections without a client. Their stylesheet is
// /ogc.css; items pages draw their features on a small Leaflet map
// (/ogc.js, with the Leaflet the map page embeds), the rest run no script.
//
//go:embed html
var htmlFiles embed.FS

// htmlPages are the parsed pages, each the layout with its own content.
var htmlPages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":       eventWhen,
		"join":       strings.Join,
		"number":     func(n int64) string { return groupDigits(strconv.FormatInt(n, 10)) },
		"coord":      func(f float64) string { return strconv.FormatFloat(f, 'f', 5, 64) },
		"precision":  precisionWord,
		"pathEscape": url.PathEscape,
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"landing", "conformance", "collections", "collection", "events", "event", "places", "place"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(htmlFiles, "html/layout.html", "html/"+name+".html"))
	}
	return pages
}()

// crumb is one step of a page's breadcrumb trail.
type crumb struct{ Name, Href string }

// htmlPage is what every template gets: the layout's parts and the page's
// own data.
type htmlPage struct {
	Title       string
	Base        string
	Crumbs      []crumb
	Formats     []link // the same resource in other formats
	Attribution bool   // the page shows gazetteer data (GeoNames, Natural Earth)
	Map         *itemsMap
	Data        any
}

// renderHTML writes a page with the map page's Content-Security-Policy,
// which lets it load /ogc.css and nothing from elsewhere.
func (s *Server) renderHTML(c echo.Context, name string, data any) error {
	base := s.baseURL(c)
	p := htmlPage{Base: base, Data: data, Crumbs: []crumb{{"geonews", base + "/?f=html"}}}
	self := base + c.Request().URL.Path
	json := func(q url.Values) []link {
		q.Set("f", fmtJSON)
		return []link{{self + "?" + encode(q), "alternate", mimeJSON, "JSON"}}
	}
	collections := crumb{"Collections", base + "/collections?f=html"}
	switch name {
	case "landing":
		p.Title = "geonews"
		p.Crumbs = nil
		p.Formats = json(url.Values{})
	case "conformance":
		p.Title = "Conformance"
		p.Crumbs = append(p.Crumbs, crumb{Name: p.Title})
		p.Formats = json(url.Values{})
	case "collections":
		p.Title = "Collections"
		p.Crumbs = append(p.Crumbs, crumb{Name: p.Title})
		p.Formats = json(url.Values{})
	case "collection":
		info := data.(*collectionInfo)
		p.Title = info.Title
		p.Crumbs = append(p.Crumbs, collections, crumb{Name: info.Title})
		p.Formats = json(url.Values{})
		p.Attribution = info.ID == collPlaces
	}
	return s.writeHTML(c, name, p)
}

// writeHTML renders a page into memory first, so that a template error is
// a clean 500 rather than half a page.
func (s *Server) writeHTML(c echo.Context, name string, p htmlPage) error {
	var b bytes.Buffer
	if err := htmlPages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", s.pageCSP)
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// itemsPage is the data of an items page.
type itemsPage struct {
	Matched    int // -1: not counted
	Returned   int
	Next, Prev string
	Events     []*geo.Event
	Places     []*geo.Place
	Exports    []link
	ItemsHref  string // the items' URL up to their id
}

// itemsHTML fills the layout's parts of an items page and the paging links.
func (s *Server) itemsHTML(c echo.Context, coll, title string, q itemsQuery, next, prev string, data *itemsPage) htmlPage {
	base := s.baseURL(c)
	collHref := base + "/collections/" + coll
	page := func(cursor, f string) string {
		v := q.query(cursor)
		v.Set("f", f)
		return collHref + "/items?" + encode(v)
	}
	data.ItemsHref = collHref + "/items/"
	if next != "" {
		data.Next = page(next, fmtHTML)
	}
	if prev != "" {
		data.Prev = page(prev, fmtHTML)
	}
	return htmlPage{
		Title: title, Base: base, Data: data, Attribution: true,
		Crumbs: []crumb{{"geonews", base + "/?f=html"}, {"Collections", base + "/collections?f=html"},
			{title, collHref + "?f=html"}, {Name: "Items"}},
		Formats: []link{{page(q.Cursor, fmtJSON), "alternate", mimeGeoJSON, "GeoJSON"}},
		Map:     s.mapOf(c, page(q.Cursor, fmtJSON), data.ItemsHref),
	}
}

// renderEventItems writes a page of events as a table.
func (s *Server) renderEventItems(c echo.Context, q itemsQuery, page *geo.EventPage) error {
	data := &itemsPage{Matched: page.NumberMatched, Returned: len(page.Events), Events: page.Events}
	p := s.itemsHTML(c, collEvents, "Events", q, page.Next, page.Prev, data)
	items := s.baseURL(c) + "/collections/events/items?"
	for _, f := range []struct{ f, typ, name string }{{fmtCSV, mimeCSV, "CSV"}, {fmtKML, mimeKML, "KML"}} {
		v := q.filter()
		v.Set("f", f.f)
		data.Exports = append(data.Exports, link{items + encode(v), "alternate", f.typ, f.name})
	}
	return s.writeHTML(c, "events", p)
}

// renderPlaceItems writes a page of places as a table.
func (s *Server) renderPlaceItems(c echo.Context, q itemsQuery, page *geo.PlacePage) error {
	data := &itemsPage{Matched: page.NumberMatched, Returned: len(page.Places), Places: page.Places}
	return s.writeHTML(c, "places", s.itemsHTML(c, collPlaces, "Places", q, page.Next, page.Prev, data))
}

// itemHTML fills the layout's parts of a one-feature page.
func (s *Server) itemHTML(c echo.Context, coll, collTitle, id, title string, data any) htmlPage {
	base := s.baseURL(c)
	collHref := base + "/collections/" + coll
	return htmlPage{
		Title: title, Base: base, Data: data, Attribution: true,
		Crumbs: []crumb{{"geonews", base + "/?f=html"}, {"Collections", base + "/collections?f=html"},
			{collTitle, collHref + "?f=html"}, {"Items", collHref + "/items?f=html"}, {Name: id}},
		Formats: []link{{collHref + "/items/" + url.PathEscape(id) + "?f=json", "alternate", mimeGeoJSON, "GeoJSON"}},
	}
}

// renderEventItem writes one event's page.
func (s *Server) renderEventItem(c echo.Context, e *geo.Event) error {
	return s.writeHTML(c, "event", s.itemHTML(c, collEvents, "Events", e.ID, e.Title, e))
}

// renderPlaceItem writes one gazetteer entry's page.
func (s *Server) renderPlaceItem(c echo.Context, p *geo.Place) error {
	return s.writeHTML(c, "place", s.itemHTML(c, collPlaces, "Places", strconv.FormatInt(p.ID, 10), p.Name, p))
}

// eventWhen shows an event's time at its precision: "11 Oct 2017",
// "Oct 2017", "2017", or with the time of day only when it is known.
func eventWhen(e *geo.Event) string {
	return formatAtPrecision(e, "2006", "Jan 2006", "2 Jan 2006", "2 Jan 2006 15:04 UTC")
}

// groupDigits puts thin separators between thousands: 204,117.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ogcAssets are the pages' own files, by the name they are served at.
var ogcAssets = map[string]string{"ogc.css": "text/css; charset=utf-8", "ogc.js": "text/javascript; charset=utf-8"}

// handleOGCAsset serves the pages' stylesheet and map script.
func (s *Server) handleOGCAsset(c echo.Context) error {
	if err := checkMetaParams(c.QueryParams()); err != nil {
		return err
	}
	name := strings.TrimPrefix(c.Request().URL.Path, "/")
	b, err := htmlFiles.ReadFile("html/" + name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, ogcAssets[name], b)
}

// mapOf is the map of an items page, or nil when the server has no map
// page to borrow Leaflet from.
func (s *Server) mapOf(c echo.Context, features, items string) *itemsMap {
	if s.cfg.Web == nil {
		return nil
	}
	if _, err := fs.Stat(s.cfg.Web, "vendor/leaflet/leaflet.js"); err != nil {
		return nil
	}
	base := s.baseURL(c)
	return &itemsMap{Features: features, Items: items, Tiles: s.cfg.Tiles, Basemap: base + "/" + basemapPath}
}

// itemsMap is what ogc.js reads from the map element's data attributes.
type itemsMap struct {
	Features, Items, Tiles, Basemap string
}
