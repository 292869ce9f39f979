package geo

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestFeature_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		e    Event
	}{
		{"minimal", Event{ID: "a", Point: orb.Point{0, 0}, Time: time.Date(2017, 10, 11, 0, 0, 0, 0, time.UTC), Title: "x", Tags: []string{}, Confidence: 1}},
		{"full", Event{
			ID: "ev-1", Point: orb.Point{38.998123456789, -35.9594}, Time: time.Date(2017, 10, 11, 12, 30, 0, 123456789, time.UTC),
			Tags: []string{"talks", "evacuation"}, Title: "Talks on a \"civilian\" exit from Raqa\n\t\\ \u2028 <b>&",
			Place:   EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: PrecisionCity},
			Source:  Source{URL: "https://example.com/a?b=c&d", Title: "AFP", Published: time.Date(2017, 10, 11, 9, 0, 0, 0, time.UTC), Start: 10, End: 99, Outlet: "Agence \"X\""},
			Excerpt: "…\x01", Confidence: 0.875,
			TimePrecision: TimeDay, Type: "Violence against civilians", SubType: "Attack", Actor1: "IS \"fighters\"", Actor2: "civilians",
			Why: &Why{Trigger: "shelled", Mention: WhyMention{Start: 3, End: 7, Text: "Raqa"}, PlaceReason: "the dateline\n", DateReason: "\"Wednesday\" before publication"},
		}},
		{"empty why", Event{ID: "b", Point: orb.Point{1, 2}, Time: time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC), TimePrecision: TimeMonth, Title: "x", Tags: []string{}, Confidence: 1, Why: &Why{}}},
		{"control and unicode", Event{ID: "ü", Point: orb.Point{-180, 90}, Time: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), Title: "\x00\x1f日本", Tags: []string{"ä"}, Confidence: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := AppendFeature(nil, &tc.e)
			if !json.Valid(b) {
				t.Fatalf("invalid JSON: %s", b)
			}
			got, err := DecodeFeature(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.e) {
				t.Fatalf("round trip:\n got %+v\nwant %+v\njson %s", *got, tc.e, b)
			}
		})
	}
	if got := string(AppendJSONString(nil, "a\xffb")); got != `"a\ufffdb"` {
		t.Errorf("invalid UTF-8 encodes as %s", got)
	}
}

func TestDecodeFeature(t *testing.T) {
	tests := []struct {
		name, in, err string
		id, place     string
	}{
		{name: "number id", in: `{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z"}}`, id: "7"},
		{name: "place name", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","place":"Raqqa"}}`, place: "Raqqa"},
		{name: "not a feature", in: `{"type":"FeatureCollection"}`, err: `type is "FeatureCollection"; want Feature`},
		{name: "line", in: `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}}`, err: `geometry.type "LineString" is not supported`},
		{name: "no geometry", in: `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2017-01-01T00:00:00Z"}}`, err: "an event needs a Point geometry"},
		{name: "bad time", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"yesterday"}}`, err: "RFC 3339"},
		{name: "bad id", in: `{"type":"Feature","id":[1],"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z"}}`, err: "id"},
		{name: "syntax", in: `{"type":`, err: "feature ends before its JSON is complete"},
		{name: "actor not a string", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","actor1":5}}`, err: "properties.actor1"},
		{name: "why not an object", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","why":"because"}}`, err: "properties.why"},
		{name: "mention start not a number", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","why":{"mention":{"start":"a"}}}}`, err: "properties.why.mention.start"},
		{name: "published not RFC 3339", in: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","source":{"published":"Jan 2, 2017"}}}`, err: `properties.source.published "Jan 2, 2017" is not RFC 3339`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := DecodeFeature([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || ErrorCode(err) != EINVALID {
					t.Fatalf("err = %v, want EINVALID containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := e.ID, tc.id; got != want {
				t.Errorf("ID = %q, want %q", got, want)
			}
			if got, want := e.Place.Name, tc.place; got != want {
				t.Errorf("Place.Name = %q, want %q", got, want)
			}
		})
	}
}

func TestEventReader(t *testing.T) {
	f := func(id string) string {
		return `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z"}}`
	}
	tests := []struct {
		name, in string
		ids      []string
		err      string
	}{
		{name: "ndjson", in: f("a") + "\n\n" + f("b") + "\n", ids: []string{"a", "b"}},
		{name: "ndjson without final newline", in: f("a") + "\n" + f("b"), ids: []string{"a", "b"}},
		{name: "seq", in: "\x1e" + f("a") + "\n\x1e" + f("b") + "\n", ids: []string{"a", "b"}},
		{name: "bom crlf", in: "\xef\xbb\xbf" + f("a") + "\r\n" + f("b") + "\r\n", ids: []string{"a", "b"}},
		{name: "collection one line", in: `{"type":"FeatureCollection","features":[` + f("a") + "," + f("b") + "]}", ids: []string{"a", "b"}},
		{name: "collection pretty", in: "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [\n    " + f("a") + ",\n    " + f("b") + "\n  ]\n}\n", ids: []string{"a", "b"}},
		{name: "empty collection", in: `{"type":"FeatureCollection","features":[]}`},
		{name: "empty", in: ""},
		{name: "bad line", in: f("a") + "\n" + f("b") + "\n\n{oops}\n", ids: []string{"a", "b"}, err: "line 4:"},
		{name: "bad feature in collection", in: "{\"type\":\"FeatureCollection\",\"features\":[\n" + f("a") + ",\n{\"type\":\"Feature\"}\n]}", ids: []string{"a"}, err: "line 3:"},
	}
	for _, tc := range tests {
		for _, batch := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				r := NewEventReader(strings.NewReader(tc.in))
				var ids []string
				var err error
				for {
					if batch {
						var events []*Event
						if events, _, err = r.ReadBatch(1); err == nil {
							ids = append(ids, events[0].ID)
						}
					} else {
						var e *Event
						if e, err = r.Next(); err == nil {
							ids = append(ids, e.ID)
						}
					}
					if err != nil {
						break
					}
				}
				if tc.err == "" && !errors.Is(err, io.EOF) || tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				if !reflect.DeepEqual(ids, tc.ids) {
					t.Fatalf("ids %v, want %v", ids, tc.ids)
				}
			})
		}
	}
	// A big batch decodes in parallel and names the first bad line.
	var lines []string
	for i := 0; i < 3000; i++ {
		lines = append(lines, f("x"))
	}
	lines[2000], lines[2500] = "{", "{"
	_, _, err := NewEventReader(strings.NewReader(strings.Join(lines, "\n"))).ReadBatch(5000)
	if err == nil || !strings.HasPrefix(err.Error(), "line 2001:") {
		t.Fatalf("ReadBatch err = %v, want line 2001", err)
	}
}

// DecodeFeatureWith reads properties.source.published with the caller's
// parser and words its refusals itself.
func TestDecodeFeatureWith(t *testing.T) {
	in := func(pub string) []byte {
		return []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z","source":{"url":"u","published":"` + pub + `"}}}`)
	}
	parse := func(s string) (time.Time, error) {
		if s == "Jan 2, 2017" {
			return time.Date(2017, 1, 2, 5, 0, 0, 0, time.FixedZone("EST", -5*3600)), nil
		}
		return time.Time{}, Errorf(EINVALID, "no")
	}
	e, err := DecodeFeatureWith(in("Jan 2, 2017"), parse)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Source.Published, time.Date(2017, 1, 2, 10, 0, 0, 0, time.UTC); got != want {
		t.Errorf("published = %v, want %v", got, want)
	}
	_, err = DecodeFeatureWith(in("soon"), parse)
	if got, want := ErrorMessage(err), `properties.source.published "soon" is not a date we can read`; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
	r := NewEventReader(strings.NewReader(string(in("Jan 2, 2017")) + "\n"))
	r.Published = parse
	if events, _, err := r.ReadBatch(10); err != nil || len(events) != 1 || events[0].Source.Published.IsZero() {
		t.Errorf("ReadBatch with Published = %v, %v", events, err)
	}
}

// The fast decoder and encoding/json agree on every input the fast one takes.
func TestDecodeFeatureFast(t *testing.T) {
	base := `{"type":"Feature","id":12,"geometry":{"type":"Point","coordinates":[-73.985,40.758]},"properties":{"id":12,"time":"2019-03-04T05:06:07Z","tags":["airstrike","protest"],"title":"Clashes reported near Times Square"}}`
	variants := []string{
		base,
		strings.ReplaceAll(base, `"id":12,`, ``),
		strings.ReplaceAll(base, `12`, `"x-12"`),
		strings.ReplaceAll(base, `"coordinates":[-73.985,40.758]`, `"coordinates":[-73.985,40.758,3]`),
		strings.ReplaceAll(base, `{"type":"Point",`, `{`) + "",
		strings.ReplaceAll(base, `"title"`, `"excerpt":"ü","confidence":0.25,"title"`),
		strings.ReplaceAll(base, `"title"`, `"time_precision":"day","type":"Protests","sub_type":"Peaceful protest","actor1":"students","actor2":"","why":null,"title"`),
		strings.ReplaceAll(base, `"title"`, `"why":{"trigger":"clashes"},"title"`),
		strings.ReplaceAll(base, `"title"`, `"why":nul,"title"`),
		strings.ReplaceAll(base, `"title"`, `"actor1":null,"title"`),
		strings.ReplaceAll(base, `"title"`, `"Title"`),
		strings.ReplaceAll(base, `Square`, `Sq\"uare`),
		strings.ReplaceAll(base, `-73.985`, `-073.985`),
		strings.ReplaceAll(base, `-73.985`, `1e2`),
		strings.ReplaceAll(base, `"tags":["airstrike","protest"]`, `"tags":[]`),
		strings.ReplaceAll(base, `"tags":["airstrike","protest"]`, `"tags":null`),
		strings.ReplaceAll(base, `}}`, `},"bbox":[1,2,3,4]}`),
		base + " x",
		" " + strings.ReplaceAll(base, ",", " , ") + "\n",
		strings.ReplaceAll(base, `Square`, "Squ\xffare"),
		strings.ReplaceAll(base, `12`, `12.5`),
		strings.Replace(base, `12`, `13`, 1),
		strings.ReplaceAll(base, `2019-03-04`, `1019-03-04`),
		strings.ReplaceAll(base, `40.758`, `95`),
		strings.ReplaceAll(base, `"id":12,"geometry"`, `"geometry"`),
		strings.ReplaceAll(base, `"title"`, `"place":{"id":163915,"name":" Raqqa ","precision":"city"},"source":{"url":"https://a.example/1","title":"AFP","published":"2019-03-04T05:06:07+02:00","start":3,"end":9,"outlet":"X"},"num_sources":1,"num_articles":1,"title"`),
		strings.ReplaceAll(base, `"title"`, `"place":" Raqqa ","title"`),
		strings.ReplaceAll(base, `"title"`, `"place":{"id":1.5},"title"`),
		strings.ReplaceAll(base, `"title"`, `"place":{"name":"a","colour":"red"},"title"`),
		strings.ReplaceAll(base, `"title"`, `"source":{"published":"whenever"},"title"`),
		strings.ReplaceAll(base, `"title"`, `"source":{"author":"me"},"title"`),
	}
	if _, ok := decodeFeatureFast([]byte(base), nil); !ok {
		t.Fatal("the gen-events shape does not take the fast path")
	}
	if e, ok := decodeFeatureFast([]byte(variants[6]), nil); !ok || e.Actor1 != "students" || e.TimePrecision != TimeDay {
		t.Fatalf("the new string properties do not take the fast path: %+v", e)
	}
	for i, v := range variants {
		fast, ok := decodeFeatureFast([]byte(v), nil)
		if !ok {
			continue
		}
		if !json.Valid([]byte(v)) {
			t.Errorf("variant %d: fast path took invalid JSON %s", i, v)
			continue
		}
		// DecodeFeature would have taken the fast path; compare with the
		// slow path by decoding through a copy that defeats it (an escape).
		slow, err := DecodeFeature([]byte(strings.Replace(v, `"title":"Clashes`, `"title":"\u0000Clashes`, 1)))
		if err != nil {
			t.Fatalf("variant %d: %v", i, err)
		}
		slow.Title = strings.TrimPrefix(slow.Title, "\x00")
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("variant %d:\nfast %+v\nslow %+v", i, fast, slow)
		}
	}
}

// TestAppendCoord checks the fast path of appendCoord against strconv on
// values with few decimals, grid points, full doubles and the edges.
func TestAppendCoord(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 1e-7, -1e-7, 1e-8, 0.1 + 0.2, 180, -180, 90, 99999999.9999999,
		1e8, 123456789.5, 1e21, 5e-324, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 38.9981, 35.9594, 0.875}
	for range 200000 {
		d := r.IntN(9)
		vals = append(vals,
			float64(r.Int64N(3600000001)-1800000000)/1e7,           // E7 grid points
			float64(r.Int64N(2e9)-1e9)/math.Pow(10, float64(d)),    // few decimals
			(r.Float64()*2-1)*math.Pow(10, float64(r.IntN(20)-10)), // full doubles
			math.Float64frombits(r.Uint64()),                       // anything
			math.Round((r.Float64()*360-180)*1e6)/1e6)              // rounded by multiplication
	}
	for _, f := range vals {
		if got, want := string(appendCoord(nil, f)), strconv.FormatFloat(f, 'f', -1, 64); got != want {
			t.Fatalf("appendCoord(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestAppendJSONString_Bytes reads back every ASCII byte, and runes of each
// UTF-8 length, inside text, through encoding/json.
func TestAppendJSONString_Bytes(t *testing.T) {
	var ins []string
	for b := range 0x80 {
		ins = append(ins, "a"+string(rune(b))+"z")
	}
	ins = append(ins, "é", "€ \u2028 \u2029", "𝄞", "plain title, no escapes", "")
	for _, in := range ins {
		out := AppendJSONString(nil, in)
		var got string
		if err := json.Unmarshal(out, &got); err != nil || got != in {
			t.Errorf("AppendJSONString(%q) = %s, reads back as %q, %v", in, out, got, err)
		}
	}
}
