package geo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// RS is the record separator that starts every text of an RFC 8142 GeoJSON
// text sequence.
const RS = 0x1E

// AppendFeature appends e as a GeoJSON Feature to dst. It is a hand-written
// encoder because encoding/json is 3-4x slower on the items hot path
// (../shared/bench/README.md); its output is plain JSON that encoding/json
// reads back into the same event (see the round-trip test).
func AppendFeature(dst []byte, e *Event) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = AppendJSONString(dst, e.ID)
	dst = append(dst, `,"geometry":{"type":"Point","coordinates":[`...)
	dst = appendCoord(dst, e.Point[0])
	dst = append(dst, ',')
	dst = appendCoord(dst, e.Point[1])
	dst = append(dst, `]},"properties":{"title":`...)
	dst = AppendJSONString(dst, e.Title)
	dst = append(dst, `,"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","tags":[`...)
	for i, t := range e.Tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, t)
	}
	dst = append(dst, `],"place":{`...)
	if e.Place.ID != 0 {
		dst = append(dst, `"id":`...)
		dst = strconv.AppendInt(dst, e.Place.ID, 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"name":`...)
	dst = AppendJSONString(dst, e.Place.Name)
	if e.Place.Precision != "" {
		dst = append(dst, `,"precision":`...)
		dst = AppendJSONString(dst, e.Place.Precision)
	}
	dst = append(dst, `},"source":`...)
	dst = appendSource(dst, &e.Source)
	// Every top-level property is written, with a stable type, on every
	// feature: GIS clients such as GDAL derive a layer's schema from the
	// first page and drop or mistype fields it lacked there.
	dst = append(dst, `,"excerpt":`...)
	dst = AppendJSONString(dst, e.Excerpt)
	dst = append(dst, `,"confidence":`...)
	n := len(dst)
	dst = appendCoord(dst, e.Confidence)
	if !bytes.ContainsAny(dst[n:], ".eE") {
		dst = append(dst, ".0"...) // a real, even when whole: 1.0, not 1
	}
	dst = append(dst, `,"num_sources":`...)
	dst = strconv.AppendInt(dst, int64(e.NumSources()), 10)
	dst = append(dst, `,"num_articles":`...)
	dst = strconv.AppendInt(dst, int64(e.NumArticles()), 10)
	if e.TimePrecision == "" && e.Type == "" && e.SubType == "" && e.Actor1 == "" && e.Actor2 == "" && e.Why == nil && e.Sources == nil && e.Merge == nil {
		return append(dst, emptyExtraProps...) // most events: one copy
	}
	dst = append(dst, `,"time_precision":`...)
	dst = AppendJSONString(dst, e.TimePrecision)
	dst = append(dst, `,"type":`...)
	dst = AppendJSONString(dst, e.Type)
	dst = append(dst, `,"sub_type":`...)
	dst = AppendJSONString(dst, e.SubType)
	dst = append(dst, `,"actor1":`...)
	dst = AppendJSONString(dst, e.Actor1)
	dst = append(dst, `,"actor2":`...)
	dst = AppendJSONString(dst, e.Actor2)
	dst = append(dst, `,"why":`...)
	if w := e.Why; w == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"trigger":`...)
		dst = AppendJSONString(dst, w.Trigger)
		dst = append(dst, `,"mention":{"start":`...)
		dst = strconv.AppendInt(dst, int64(w.Mention.Start), 10)
		dst = append(dst, `,"end":`...)
		dst = strconv.AppendInt(dst, int64(w.Mention.End), 10)
		dst = append(dst, `,"text":`...)
		dst = AppendJSONString(dst, w.Mention.Text)
		dst = append(dst, `},"place_reason":`...)
		dst = AppendJSONString(dst, w.PlaceReason)
		dst = append(dst, `,"date_reason":`...)
		dst = AppendJSONString(dst, w.DateReason)
		dst = append(dst, '}')
	}
	if e.Sources != nil {
		dst = append(dst, `,"sources":[`...)
		for i := range e.Sources {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendSource(dst, &e.Sources[i])
		}
		dst = append(dst, ']')
	}
	if m := e.Merge; m != nil {
		dst = append(dst, `,"merge":{"rule":`...)
		dst = AppendJSONString(dst, m.Rule)
		dst = append(dst, `,"detail":`...)
		dst = AppendJSONString(dst, m.Detail)
		if m.Into != "" {
			dst = append(dst, `,"into":`...)
			dst = AppendJSONString(dst, m.Into)
		}
		dst = append(dst, '}')
	}
	return append(dst, "}}"...)
}

// appendSource appends a source object, without the fields it lacks.
func appendSource(dst []byte, s *Source) []byte {
	dst = append(dst, '{')
	n := len(dst)
	if s.URL != "" {
		dst = append(dst, `"url":`...)
		dst = AppendJSONString(dst, s.URL)
	}
	if s.Title != "" {
		dst = appendComma(dst, n)
		dst = append(dst, `"title":`...)
		dst = AppendJSONString(dst, s.Title)
	}
	if !s.Published.IsZero() {
		dst = appendComma(dst, n)
		dst = append(dst, `"published":"`...)
		dst = s.Published.UTC().AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, '"')
	}
	if s.Start != 0 || s.End != 0 {
		dst = appendComma(dst, n)
		dst = append(dst, `"start":`...)
		dst = strconv.AppendInt(dst, int64(s.Start), 10)
		dst = append(dst, `,"end":`...)
		dst = strconv.AppendInt(dst, int64(s.End), 10)
	}
	if s.Outlet != "" {
		dst = appendComma(dst, n)
		dst = append(dst, `"outlet":`...)
		dst = AppendJSONString(dst, s.Outlet)
	}
	if s.Event != "" {
		dst = appendComma(dst, n)
		dst = append(dst, `"event":`...)
		dst = AppendJSONString(dst, s.Event)
	}
	return append(dst, '}')
}

// emptyExtraProps ends the properties of an event without precision, type,
// actors or why: AppendFeature's general case on such an event.
const emptyExtraProps = `,"time_precision":"","type":"","sub_type":"","actor1":"","actor2":"","why":null}}`

// AppendFeatureCollection appends events as a bare GeoJSON FeatureCollection
// (no links or counts: the server adds those around its own).
func AppendFeatureCollection(dst []byte, events []*Event) []byte {
	dst = append(dst, `{"type":"FeatureCollection","features":[`...)
	for i, e := range events {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendFeature(dst, e)
	}
	return append(dst, "]}"...)
}

func appendComma(dst []byte, start int) []byte {
	if len(dst) > start {
		return append(dst, ',')
	}
	return dst
}

// appendCoord writes a coordinate with the fewest digits that read back to
// the same float64: strconv.AppendFloat(dst, f, 'f', -1, 64), byte for byte.
// Coordinates and confidences mostly have a few decimals, and trying
// n/10^d for d up to 7 finds them 3-4 times faster than the general
// shortest-digits search. Why it is exact: a decimal of at most 15
// significant digits is the only one of its length that reads back to its
// float64 (their spacing exceeds an ulp), f·10^d rounds to that n (its error
// is under 0.5), and IEEE division rounds n/10^d exactly as ParseFloat does,
// so the first d that reads back is the shortest.
func appendCoord(dst []byte, f float64) []byte {
	if a := math.Abs(f); a < 1e8 && a != 0 {
		for d, p := range pow10 {
			n := math.Round(f * p)
			if n/p == f {
				return appendDecimal(dst, int64(n), d)
			}
		}
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7}

// appendDecimal writes n·10^-d in fixed point.
func appendDecimal(dst []byte, n int64, d int) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	var buf [24]byte
	digits := strconv.AppendInt(buf[:0], n, 10)
	if d == 0 {
		return append(dst, digits...)
	}
	if len(digits) <= d {
		dst = append(dst, '0', '.')
		for range d - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-d]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-d:]...)
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the bytes AppendJSONString copies as they are: printable
// ASCII but '"' and '\\'. One lookup per byte instead of three tests.
var jsonPlain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string, escaping what JSON requires
// (and U+2028/U+2029 for script contexts); invalid UTF-8 becomes U+FFFD.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if jsonPlain[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// readPublished reads properties.source.published with parse, or as RFC
// 3339 without one, in UTC; its error names the property. Every reader of
// posted or imported events goes through it, so that they agree.
func readPublished(s string, parse PublishedParser) (time.Time, error) {
	var t time.Time
	var err error
	if parse != nil {
		if t, err = parse(s); err != nil {
			return time.Time{}, Errorf(EINVALID, "properties.source.published %q is not a date we can read", s)
		}
	} else if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return time.Time{}, Errorf(EINVALID, "properties.source.published %q is not RFC 3339", s)
	}
	// the zero time (0001-01-01) would read as "none" and be dropped
	if t.Before(MinTime) || t.After(MaxTime) {
		return time.Time{}, Errorf(EINVALID, "properties.source.published %s is outside the years 1700 to 2199", s)
	}
	return t.UTC(), nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.As(err, &te):
		return "field " + te.Field + " must be " + te.Type.String() + ", not " + te.Value
	}
	return err.Error()
}

// EventReader reads events from a GeoJSON FeatureCollection, newline-delimited
// GeoJSON (one Feature a line) or an RFC 8142 GeoJSON text sequence, telling
// them apart by their first bytes. Errors name the line they were found on.
type EventReader struct {
	// Published reads properties.source.published (DecodeFeatureWith);
	// nil: RFC 3339 only.
	Published PublishedParser

	br   *bufio.Reader
	line int // line of the last text read (1-based)
	// fc holds a whole FeatureCollection once detected; fcDec walks its features.
	fc      []byte
	fcLine  int // line the collection starts on
	fcDec   *json.Decoder
	started bool
	done    bool
}

// NewEventReader returns a reader of the events in r.
func NewEventReader(r io.Reader) *EventReader {
	return &EventReader{br: bufio.NewReaderSize(r, 1<<20)}
}

// Line returns the line number of the event Next returned last.
func (r *EventReader) Line() int { return r.line }

// Next returns the next event, or io.EOF after the last one. A malformed
// event is an EINVALID error that starts with "line N:".
func (r *EventReader) Next() (*Event, error) {
	if r.done {
		return nil, io.EOF
	}
	if r.fcDec != nil {
		return r.nextInCollection()
	}
	text, trimmed, last, err := r.readText()
	if err != nil {
		return nil, err
	}
	if !r.started {
		r.started = true
		if !bytes.HasPrefix(trimmed, []byte(`{"type":"Feature"`)) && isCollection(trimmed, last) {
			return r.startCollection(text)
		}
	}
	e, err := DecodeFeatureWith(trimmed, r.Published)
	if err != nil {
		return nil, Errorf(EINVALID, "line %d: %s", r.line, ErrorMessage(err))
	}
	return e, nil
}

// readText returns the next non-blank line, whole and without its RS, BOM
// and surrounding space; last reports that no newline ended it. The slices
// are valid until the next read.
func (r *EventReader) readText() (text, trimmed []byte, last bool, err error) {
	for {
		text, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: gather it whole.
			long := append([]byte(nil), text...)
			for errors.Is(err, bufio.ErrBufferFull) {
				text, err = r.br.ReadSlice('\n')
				long = append(long, text...)
			}
			text = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, false, err
		}
		if len(text) == 0 && err != nil {
			r.done = true
			return nil, nil, false, io.EOF
		}
		r.line++
		trimmed := bytes.TrimLeft(text, "\x1e \t\r\n")
		trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
		trimmed = bytes.TrimSpace(trimmed)
		if len(trimmed) == 0 {
			if err != nil {
				r.done = true
				return nil, nil, false, io.EOF
			}
			continue
		}
		return text, trimmed, err != nil, nil
	}
}

// ReadBatch returns up to n events and the lines they start on, fewer only
// at the end of the input, and io.EOF once there are none. Lines of newline-delimited input are decoded
// on all CPUs, which makes bulk imports about twice as fast on two cores.
// On a malformed event it returns the error of the first one.
func (r *EventReader) ReadBatch(n int) ([]*Event, []int, error) {
	var out []*Event
	var lines []int
	for len(out) < n && (!r.started || r.fcDec != nil) {
		e, err := r.Next()
		if errors.Is(err, io.EOF) && len(out) > 0 {
			return out, lines, nil
		} else if err != nil {
			return nil, nil, err
		}
		out = append(out, e)
		lines = append(lines, r.line)
	}
	type text struct {
		line int
		b    []byte
	}
	var texts []text
	for len(out)+len(texts) < n && !r.done {
		_, trimmed, _, err := r.readText()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, err
		}
		texts = append(texts, text{r.line, append([]byte(nil), trimmed...)})
		lines = append(lines, r.line)
	}
	if len(out)+len(texts) == 0 {
		return nil, nil, io.EOF
	}
	events := make([]*Event, len(texts))
	errs := make([]error, len(texts))
	workers := min(runtime.GOMAXPROCS(0), 1+len(texts)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				e, err := DecodeFeatureWith(texts[i].b, r.Published)
				if err != nil {
					err = Errorf(EINVALID, "line %d: %s", texts[i].line, ErrorMessage(err))
				}
				events[i], errs[i] = e, err
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return append(out, events...), lines, nil
}

// isCollection reports whether a first text starts a FeatureCollection: its
// "type" is FeatureCollection, or it is not a complete JSON value on its own
// line (a pretty-printed collection).
func isCollection(text []byte, last bool) bool {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(text, &probe); err != nil {
		return !last && len(text) > 0 && text[0] == '{' && !json.Valid(text)
	}
	return probe.Type == "FeatureCollection"
}

// startCollection reads the rest of the input as one FeatureCollection and
// positions a decoder on its features array.
func (r *EventReader) startCollection(first []byte) (*Event, error) {
	r.fcLine = r.line
	rest, err := io.ReadAll(r.br)
	if err != nil {
		return nil, err
	}
	r.fc = append(append([]byte(nil), first...), rest...)
	r.fcDec = json.NewDecoder(bytes.NewReader(r.fc))
	bad := func(msg string) error {
		return Errorf(EINVALID, "line %d: %s", r.lineAt(r.fcDec.InputOffset()), msg)
	}
	if t, err := r.fcDec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad("expected a GeoJSON object")
	}
	for r.fcDec.More() {
		t, err := r.fcDec.Token()
		if err != nil {
			return nil, bad("invalid JSON")
		}
		if t == "features" {
			if t, err := r.fcDec.Token(); err != nil || t != json.Delim('[') {
				return nil, bad("features must be an array")
			}
			return r.nextInCollection()
		}
		var skip json.RawMessage
		if err := r.fcDec.Decode(&skip); err != nil {
			return nil, bad("invalid JSON")
		}
	}
	return nil, bad("FeatureCollection has no features")
}

func (r *EventReader) nextInCollection() (*Event, error) {
	if !r.fcDec.More() {
		r.done = true
		return nil, io.EOF
	}
	var raw json.RawMessage
	off := r.fcDec.InputOffset()
	if err := r.fcDec.Decode(&raw); err != nil {
		return nil, Errorf(EINVALID, "line %d: invalid JSON: %s", r.lineAt(off), jsonErrorText(err))
	}
	// The feature starts after the separator and whitespace that precede it.
	start := off
	for start < int64(len(r.fc)) && (r.fc[start] == ',' || r.fc[start] == ' ' || r.fc[start] == '\n' || r.fc[start] == '\r' || r.fc[start] == '\t') {
		start++
	}
	r.line = r.lineAt(start)
	e, err := DecodeFeatureWith(raw, r.Published)
	if err != nil {
		return nil, Errorf(EINVALID, "line %d: %s", r.line, ErrorMessage(err))
	}
	return e, nil
}

func (r *EventReader) lineAt(off int64) int {
	if off > int64(len(r.fc)) {
		off = int64(len(r.fc))
	}
	return r.fcLine + bytes.Count(r.fc[:off], []byte{'\n'})
}
