package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/sams96/rgeo"
)

// basemapPath is where the map page finds its offline basemap: Natural Earth
// 1:110m country outlines, drawn when tiles are off or unreachable, and used
// to prefill the country of a place added on the map.
const basemapPath = "basemap.geojson"

// basemap is the outlines as gzipped GeoJSON, built once on first request.
// rgeo embeds them with ~90 Natural Earth attributes a country; the page
// needs a name and an ISO code, which cuts the download from 208 to ~150 KB
// gzipped and the browser's parse by three quarters.
var basemap struct {
	once sync.Once
	gz   []byte
	etag string
	err  error
}

// basemapFeature is one country as the page reads it.
type basemapFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties struct {
		Name string `json:"name"`
		ISO  string `json:"iso_a2,omitempty"`
	} `json:"properties"`
}

// buildBasemap slims rgeo's countries to what the page needs.
func buildBasemap() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(rgeo.Countries110()))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var in struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	out := struct {
		Type        string           `json:"type"`
		Attribution string           `json:"attribution"`
		Features    []basemapFeature `json:"features"`
	}{Type: "FeatureCollection", Attribution: "Natural Earth (public domain)"}
	for _, f := range in.Features {
		var bf basemapFeature
		bf.Type, bf.Geometry = "Feature", f.Geometry
		bf.Properties.Name, _ = f.Properties["ADMIN"].(string)
		// Natural Earth writes -99 where a country's ISO code is disputed
		// (France, Norway, Kosovo); ISO_A2_EH holds the code in use.
		for _, k := range []string{"ISO_A2", "ISO_A2_EH", "WB_A2"} {
			if s, ok := f.Properties[k].(string); ok && len(s) == 2 && s != "-9" {
				bf.Properties.ISO = strings.ToUpper(s)
				break
			}
		}
		out.Features = append(out.Features, bf)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(out); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// handleBasemap serves the outlines, gzipped to clients that accept it (all
// browsers) and inflated for the others. They only change with rgeo, that
// is with the binary: cache for a day, then revalidate by ETag.
func (s *Server) handleBasemap(c echo.Context) error {
	basemap.once.Do(func() {
		basemap.gz, basemap.err = buildBasemap()
		basemap.etag = fmt.Sprintf(`"ne110-%d"`, len(basemap.gz))
	})
	if basemap.err != nil {
		return basemap.err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", basemap.etag)
	h.Add("Vary", "Accept-Encoding")
	if c.Request().Header.Get("If-None-Match") == basemap.etag {
		return c.NoContent(http.StatusNotModified)
	}
	if !strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(basemap.gz))
		if err != nil {
			return err
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), zr)
		return err
	}
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", fmt.Sprint(len(basemap.gz)))
	return c.Blob(http.StatusOK, "application/geo+json", basemap.gz)
}
