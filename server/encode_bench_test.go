package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

// pageEvents returns n events shaped like the benchmark data's.
func pageEvents(n int) []*geo.Event {
	evs := make([]*geo.Event, n)
	for i := range evs {
		evs[i] = &geo.Event{ID: strconv.Itoa(100000 + i), Point: orb.Point{36.123456 + float64(i)/1000, 35.654321}, Time: day("2019-03-04T05:06:07Z").Add(time.Duration(i) * time.Minute),
			Tags: []string{"airstrike", "protest"}, Title: "Airstrike reported near the northern outskirts of the city", Place: geo.EventPlace{ID: 163915, Name: "Ar Raqqah", Precision: "city"},
			Source: geo.Source{URL: "https://example.org/news/" + strconv.Itoa(i), Title: "Wire"}, Confidence: 0.8}
	}
	return evs
}

// pageStore answers every query with the same page, so that the benchmark
// below measures the server alone.
type pageStore struct {
	*fakeEvents
	page *geo.EventPage
}

func (p pageStore) FindEvents(ctx context.Context, f geo.EventFilter) (*geo.EventPage, error) {
	return p.page, nil
}

// BenchmarkItemsHandler is the server's own cost for one page of 1000
// features (no store, no network): what it adds to a query.
func BenchmarkItemsHandler(b *testing.B) {
	evs := pageStore{newFakeEvents(), &geo.EventPage{Events: pageEvents(1000), NumberMatched: -1, Next: "o1000"}}
	s, err := New(Config{Events: evs, Token: "t"})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	req := httptest.NewRequest("GET", "/collections/events/items?limit=1000&bbox=-180,-90,180,90", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{header: http.Header{}}
		h.ServeHTTP(w, req)
		if w.status != 200 {
			b.Fatal(w.status)
		}
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "features/s")
}

// discardWriter is a ResponseWriter that keeps only the status, so that a
// growing recorder buffer does not dominate what is measured.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return len(p), nil
}

// BenchmarkEncodePage compares the append encoder the server uses with
// encoding/json on the same 1000 features.
func BenchmarkEncodePage(b *testing.B) {
	evs := pageEvents(1000)
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = buf[:0]
			for _, e := range evs {
				buf = appendEventFeature(buf, e)
			}
		}
		b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "features/s")
	})
	b.Run("encoding-json", func(b *testing.B) {
		type props struct {
			Title      string         `json:"title"`
			Time       time.Time      `json:"time"`
			Tags       []string       `json:"tags"`
			Place      geo.EventPlace `json:"place"`
			Source     geo.Source     `json:"source"`
			Excerpt    string         `json:"excerpt,omitempty"`
			Confidence float64        `json:"confidence"`
		}
		type geom struct {
			Type        string     `json:"type"`
			Coordinates [2]float64 `json:"coordinates"`
		}
		type feature struct {
			Type       string `json:"type"`
			ID         string `json:"id"`
			Geometry   geom   `json:"geometry"`
			Properties props  `json:"properties"`
		}
		enc := json.NewEncoder(io.Discard)
		for b.Loop() {
			for _, e := range evs {
				enc.Encode(feature{"Feature", e.ID, geom{"Point", [2]float64{e.Point[0], e.Point[1]}},
					props{e.Title, e.Time, e.Tags, e.Place, e.Source, e.Excerpt, e.Confidence}})
			}
		}
		b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "features/s")
	})
}
