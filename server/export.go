package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// exportChunk is how many events an export reads per store query: each
// chunk is its own read transaction, so a slow download never holds one,
// and memory stays flat whatever the number of events.
const exportChunk = geo.MaxLimit

// csvHeader is the CSV export's header: ACLED's columns first, in ACLED's
// order and spelling where they exist, then what geonews adds.
var csvHeader = []string{
	"event_id", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
	"country", "iso", "admin1", "location", "latitude", "longitude", "geo_precision", "source", "notes",
	"title", "tags", "confidence", "time",
}

// Admin1Namer is optionally implemented by a PlaceService that names
// first-level regions ("SY", "04" → "Raqqa"), for the admin1 column of
// exports; without it admin1 holds the GeoNames code.
type Admin1Namer interface {
	Admin1Name(country, code string) string
}

// exportEvents streams every event that matches f (from f.Cursor on, at
// most limit when limit > 0) as CSV or KML. It reads the store a chunk at a
// time, following the cursors of FindEvents, so an export has exactly the
// rows that numberMatched counts. A failure after the first bytes went out
// aborts the connection, so a client never takes a cut file for a whole one.
func (s *Server) exportEvents(c echo.Context, svc EventService, f geo.EventFilter, format string, limit int) error {
	ctx := c.Request().Context()
	f.Limit = exportChunk
	if limit > 0 {
		f.Limit = min(exportChunk, limit)
	}
	page, err := svc.FindEvents(ctx, f)
	if err != nil {
		return err
	}
	res := c.Response()
	name := "geonews-events." + format
	var w eventWriter
	bw := bufio.NewWriterSize(res, 64<<10)
	switch format {
	case fmtCSV:
		res.Header().Set(echo.HeaderContentType, mimeCSV+"; charset=utf-8; header=present")
		w = newCSVWriter(bw, s.regions(ctx))
	default:
		res.Header().Set(echo.HeaderContentType, mimeKML)
		w = &kmlWriter{w: bw}
	}
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	res.WriteHeader(http.StatusOK)
	fail := func(err error) error {
		s.logger.Error("export cut short", "format", format, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err := w.begin(); err != nil {
		return fail(err)
	}
	n := 0
	for {
		for _, e := range page.Events {
			if err := w.event(e); err != nil {
				return fail(err)
			}
		}
		n += len(page.Events)
		if page.Next == "" || (limit > 0 && n >= limit) {
			break
		}
		f.Cursor = page.Next
		if limit > 0 {
			f.Limit = min(exportChunk, limit-n)
		}
		if page, err = svc.FindEvents(ctx, f); err != nil {
			return fail(err)
		}
	}
	if err := w.end(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	return nil
}

// eventWriter writes one export format.
type eventWriter interface {
	begin() error
	event(e *geo.Event) error
	end() error
}

// region is what an export says of the place an event was located at.
type region struct {
	country, iso, admin1 string
}

// regionCache looks up the gazetteer place of events once per place: the
// events of an export crowd onto few places.
type regionCache struct {
	ctx    context.Context
	places PlaceService
	names  Admin1Namer
	seen   map[int64]region
}

// regions returns a regionCache for one export, or nil without a gazetteer.
func (s *Server) regions(ctx context.Context) *regionCache {
	if s.cfg.Places == nil {
		return nil
	}
	r := &regionCache{ctx: ctx, places: s.cfg.Places, seen: map[int64]region{}}
	r.names, _ = s.cfg.Places.(Admin1Namer)
	return r
}

// of returns the region of the place with the given id; a place no longer
// in the gazetteer has none.
func (r *regionCache) of(id int64) (region, error) {
	if r == nil || id == 0 {
		return region{}, nil
	}
	if g, ok := r.seen[id]; ok {
		return g, nil
	}
	var g region
	p, err := r.places.Place(r.ctx, id)
	switch {
	case geo.ErrorCode(err) == geo.ENOTFOUND:
	case err != nil:
		return g, err
	default:
		g.iso = p.Country
		g.country = countryName(p.Country)
		g.admin1 = p.Admin1
		if r.names != nil && p.Admin1 != "" {
			if name := r.names.Admin1Name(p.Country, p.Admin1); name != "" {
				g.admin1 = name
			}
		}
	}
	r.seen[id] = g
	return g, nil
}

// countryName is the English name of an ISO 3166-1 alpha-2 code (CLDR's,
// through x/text), or the code itself when CLDR has none.
func countryName(iso string) string {
	if iso == "" {
		return ""
	}
	reg, err := language.ParseRegion(iso)
	if err != nil {
		return iso
	}
	if name := display.English.Regions().Name(reg); name != "" {
		return name
	}
	return iso
}

// precisionWord is time_precision in exports: "exact" for an instant,
// which the API writes as "".
func precisionWord(p string) string {
	if p == "" {
		return "exact"
	}
	return p
}

// csvWriter writes events as CSV rows.
type csvWriter struct {
	w       *csv.Writer
	regions *regionCache
	row     []string
}

func newCSVWriter(w io.Writer, regions *regionCache) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), regions: regions, row: make([]string, len(csvHeader))}
}

func (w *csvWriter) begin() error { return w.w.Write(csvHeader) }

func (w *csvWriter) event(e *geo.Event) error {
	g, err := w.regions.of(e.Place.ID)
	if err != nil {
		return err
	}
	notes := e.Excerpt
	if notes == "" {
		notes = e.Title
	}
	source := e.Source.URL
	if source == "" {
		source = e.Source.Title
	}
	r := w.row
	r[0], r[1], r[2] = cell(e.ID), e.Time.UTC().Format(time.DateOnly), precisionWord(e.TimePrecision)
	r[3], r[4], r[5], r[6] = cell(e.Type), cell(e.SubType), cell(e.Actor1), cell(e.Actor2)
	r[7], r[8], r[9], r[10] = cell(g.country), cell(g.iso), cell(g.admin1), cell(e.Place.Name)
	r[11], r[12] = strconv.FormatFloat(e.Point[1], 'f', -1, 64), strconv.FormatFloat(e.Point[0], 'f', -1, 64)
	r[13], r[14], r[15] = cell(e.Place.Precision), cell(source), cell(notes)
	r[16], r[17], r[18] = cell(e.Title), cell(strings.Join(e.Tags, ";")), strconv.FormatFloat(e.Confidence, 'f', -1, 64)
	r[19] = e.Time.UTC().Format(time.RFC3339Nano)
	return w.w.Write(r)
}

func (w *csvWriter) end() error {
	w.w.Flush()
	return w.w.Error()
}

// cell guards a text cell against spreadsheet formula injection: text from
// news feeds that starts with =, +, -, @ or a tab would run as a formula in
// Excel or LibreOffice, so it gets a leading apostrophe (OWASP's advice).
// Numbers are written as they are.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// kmlWriter writes events as KML 2.2 Placemarks.
type kmlWriter struct {
	w   *bufio.Writer
	err error
}

func (w *kmlWriter) begin() error {
	w.raw(xml.Header + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>geonews events</name>` + "\n")
	return w.err
}

func (w *kmlWriter) event(e *geo.Event) error {
	w.raw(`<Placemark><name>`)
	w.text(e.Title)
	w.raw(`</name><TimeStamp><when>`)
	w.raw(kmlWhen(e))
	w.raw(`</when></TimeStamp><description>`)
	w.text(e.Excerpt)
	w.raw(`</description><ExtendedData>`)
	for _, d := range [...][2]string{
		{"id", e.ID}, {"time_precision", precisionWord(e.TimePrecision)}, {"type", e.Type}, {"sub_type", e.SubType},
		{"actor1", e.Actor1}, {"actor2", e.Actor2}, {"tags", strings.Join(e.Tags, ";")},
		{"place", e.Place.Name}, {"geo_precision", e.Place.Precision},
		{"source_url", e.Source.URL}, {"source_title", e.Source.Title},
		{"confidence", strconv.FormatFloat(e.Confidence, 'f', -1, 64)},
	} {
		w.raw(`<Data name="` + d[0] + `"><value>`)
		w.text(d[1])
		w.raw(`</value></Data>`)
	}
	w.raw(`</ExtendedData><Point><coordinates>`)
	w.raw(strconv.FormatFloat(e.Point[0], 'f', -1, 64) + "," + strconv.FormatFloat(e.Point[1], 'f', -1, 64))
	w.raw("</coordinates></Point></Placemark>\n")
	return w.err
}

func (w *kmlWriter) end() error {
	w.raw("</Document></kml>\n")
	return w.err
}

func (w *kmlWriter) raw(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// text writes s escaped for XML; characters XML 1.0 forbids become U+FFFD.
func (w *kmlWriter) text(s string) {
	if w.err == nil {
		w.err = xml.EscapeText(w.w, []byte(s))
	}
}

// kmlWhen is an event's time at its precision, as KML's TimeStamp takes
// it: a year, a year and month, a date, or an instant.
func kmlWhen(e *geo.Event) string {
	return formatAtPrecision(e, "2006", "2006-01", time.DateOnly, time.RFC3339Nano)
}

// formatAtPrecision formats an event's time (UTC) with the layout of its
// precision: year, month, day, or exact for an instant.
func formatAtPrecision(e *geo.Event, year, month, day, exact string) string {
	layout := exact
	switch e.TimePrecision {
	case geo.TimeYear:
		layout = year
	case geo.TimeMonth:
		layout = month
	case geo.TimeDay:
		layout = day
	}
	return e.Time.UTC().Format(layout)
}
