package gazetteer

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/sams96/rgeo"
)

// Natural Earth data ships inside the Go module github.com/sams96/rgeo as
// gzipped GeoJSON: admin-0 countries and admin-1 states and provinces at
// 1:10m. Only the properties are read here; the polygons are skipped.

// neLanguages are the name_xx / NAME_XX columns taken as alternate names.
var neLanguages = []string{"en", "ar", "de", "es", "fr", "it", "nl", "pt", "ru", "tr", "zh"}

// NaturalEarthPlaces returns the countries and first-level regions of
// Natural Earth 1:10m as places with source "naturalearth". Regions keep
// their GeoNames id where Natural Earth records one.
func NaturalEarthPlaces() ([]*geo.Place, error) {
	countries, err := readNEFeatures(rgeo.Countries10())
	if err != nil {
		return nil, fmt.Errorf("natural earth countries: %w", err)
	}
	regions, err := readNEFeatures(rgeo.Provinces10())
	if err != nil {
		return nil, fmt.Errorf("natural earth regions: %w", err)
	}
	var out []*geo.Place
	for _, f := range countries {
		if p := neCountry(f); p != nil {
			out = append(out, p)
		}
	}
	for _, f := range regions {
		if p := neRegion(f); p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

type neProps map[string]any

func (m neProps) str(k string) string {
	switch v := m[k].(type) {
	case string:
		if v == "-99" {
			return ""
		}
		return strings.TrimSpace(v)
	}
	return ""
}

func (m neProps) num(k string) float64 {
	if v, ok := m[k].(float64); ok {
		return v
	}
	return 0
}

func readNEFeatures(gz []byte) ([]neProps, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			Properties neProps `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(io.LimitReader(zr, 1<<30)).Decode(&fc); err != nil {
		return nil, err
	}
	out := make([]neProps, len(fc.Features))
	for i, f := range fc.Features {
		out[i] = f.Properties
	}
	return out, nil
}

func neCountry(m neProps) *geo.Place {
	// ISO_A2 is empty or a placeholder ("CN-TW" for Taiwan) where Natural
	// Earth's own reading of the code (ISO_A2_EH) has the two letters.
	cc := m.str("ISO_A2")
	if len(cc) != 2 {
		cc = m.str("ISO_A2_EH")
	}
	code := ""
	switch m.str("TYPE") {
	case "Sovereign country", "Sovereignty", "Country", "Disputed":
		code = "PCLI"
	case "Dependency":
		code = "PCLD"
	default: // "Indeterminate", "Lease": small areas, not countries
		code = "AREA"
	}
	neID := int64(m.num("NE_ID"))
	if neID <= 0 || m.str("NAME") == "" {
		return nil
	}
	p := &geo.Place{
		ID: naturalEarthIDBase + neID, Name: m.str("NAME"), FeatureClass: "A", FeatureCode: code,
		Country: cc, Population: int64(m.num("POP_EST")), Source: geo.SourceNaturalEarth,
	}
	if code == "AREA" {
		p.FeatureClass = "L"
	}
	p.Point[0], p.Point[1] = m.num("LABEL_X"), m.num("LABEL_Y")
	for _, k := range []string{"NAME_LONG", "ADMIN", "FORMAL_EN", "BRK_NAME", "NAME_SORT", "NAME_CIAWF", "GEOUNIT", "SUBUNIT", "NAME_ALT"} {
		p.AlternateNames = append(p.AlternateNames, m.str(k))
	}
	for _, l := range neLanguages {
		p.AlternateNames = append(p.AlternateNames, m.str("NAME_"+strings.ToUpper(l)))
	}
	if p.Validate() != nil {
		return nil
	}
	return p
}

func neRegion(m neProps) *geo.Place {
	name := m.str("name")
	if name == "" {
		name = m.str("gn_name")
	}
	cc := m.str("iso_a2")
	if name == "" || len(cc) != 2 {
		return nil
	}
	id := int64(m.num("gn_id"))
	if id <= 0 {
		neID := int64(m.num("ne_id"))
		if neID <= 0 {
			return nil
		}
		id = naturalEarthIDBase + neID
	}
	p := &geo.Place{
		ID: id, Name: name, FeatureClass: "A", FeatureCode: "ADM1", Country: cc, Source: geo.SourceNaturalEarth,
	}
	if _, a1, ok := strings.Cut(m.str("gn_a1_code"), "."); ok {
		p.Admin1 = a1
	}
	p.Point[0], p.Point[1] = m.num("longitude"), m.num("latitude")
	p.AlternateNames = append(p.AlternateNames, strings.Split(m.str("name_alt"), "|")...)
	for _, k := range []string{"gn_name", "woe_name", "name_local"} {
		p.AlternateNames = append(p.AlternateNames, m.str(k))
	}
	for _, l := range neLanguages {
		p.AlternateNames = append(p.AlternateNames, m.str("name_"+l))
	}
	if p.Validate() != nil {
		return nil
	}
	return p
}

// ImportNaturalEarth upserts Natural Earth's countries and regions.
func (g *Gazetteer) ImportNaturalEarth(ctx context.Context, opt ImportOptions) (ImportStats, []int64, error) {
	places, err := NaturalEarthPlaces()
	if err != nil {
		return ImportStats{}, nil, err
	}
	ids := make([]int64, len(places))
	for i, p := range places {
		ids[i] = p.ID
	}
	st, err := g.importPlaces(ctx, opt, func(emit func(*geo.Place) error, st *ImportStats) error {
		for _, p := range places {
			st.Rows++
			if err := emit(p); err != nil {
				return err
			}
		}
		return nil
	})
	return st, ids, err
}
