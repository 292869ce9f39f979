package geo

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Place sources: where a gazetteer entry came from. Imports refresh the
// entries of their own source and never touch SourceUser entries.
const (
	SourceGeoNames     = "geonames"
	SourceNaturalEarth = "naturalearth"
	SourceSeed         = "seed"
	SourceUser         = "user"
)

// Place is a gazetteer entry, shaped after a GeoNames record so that a
// GeoNames dump maps onto it field for field.
type Place struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	ASCIIName      string    `json:"ascii_name,omitempty"`
	AlternateNames []string  `json:"alternate_names,omitempty"`
	Point          orb.Point `json:"-"` // {lon, lat}
	FeatureClass   string    `json:"feature_class,omitempty"`
	FeatureCode    string    `json:"feature_code,omitempty"`
	Country        string    `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Admin1         string    `json:"admin1,omitempty"`  // GeoNames admin1 code
	Population     int64     `json:"population"`
	Source         string    `json:"source"`
}

// Lat returns the place's latitude.
func (p *Place) Lat() float64 { return p.Point[1] }

// Lon returns the place's longitude.
func (p *Place) Lon() float64 { return p.Point[0] }

// Limits on user-supplied place fields; GeoNames' own longest name is under 200.
const (
	MaxNameLen       = 200
	MaxAlternateName = 1000
)

// Validate checks a place before it is stored and cleans up its names
// (trimmed, empty and duplicate alternate names dropped).
func (p *Place) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return Errorf(EINVALID, "properties.name: the place name is empty")
	}
	if p.Source == SourceUser {
		if err := p.checkUser(); err != nil {
			return err
		}
	}
	if !utf8.ValidString(p.Name) || utf8.RuneCountInString(p.Name) > MaxNameLen {
		return Errorf(EINVALID, "properties.name must be valid UTF-8 of at most %d characters", MaxNameLen)
	}
	if err := ValidatePoint(p.Point); err != nil {
		return err
	}
	if len(p.AlternateNames) > MaxAlternateName {
		return Errorf(EINVALID, "properties.alternate_names has %d names; at most %d", len(p.AlternateNames), MaxAlternateName)
	}
	// Duplicates are dropped: searched for in a short list (most places
	// have a few names; a map per place was 7% of a GeoNames import), a
	// map for a long one.
	var seen map[string]bool
	if len(p.AlternateNames) > 16 {
		seen = make(map[string]bool, len(p.AlternateNames)+1)
		seen[p.Name] = true
	}
	alts := p.AlternateNames[:0]
	for _, a := range p.AlternateNames {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if seen != nil {
			if seen[a] {
				continue
			}
			seen[a] = true
		} else if a == p.Name || slices.Contains(alts, a) {
			continue
		}
		if !utf8.ValidString(a) || utf8.RuneCountInString(a) > MaxNameLen {
			return Errorf(EINVALID, "properties.alternate_names: each must be valid UTF-8 of at most %d characters", MaxNameLen)
		}
		alts = append(alts, a)
	}
	p.AlternateNames = alts
	if p.Country != "" {
		p.Country = strings.ToUpper(strings.TrimSpace(p.Country))
		if len(p.Country) != 2 || p.Country[0] < 'A' || p.Country[0] > 'Z' || p.Country[1] < 'A' || p.Country[1] > 'Z' {
			return Errorf(EINVALID, "properties.country %q is not an ISO 3166-1 alpha-2 code", p.Country)
		}
	}
	if p.Population < 0 {
		return Errorf(EINVALID, "properties.population %d is negative", p.Population)
	}
	switch p.Source {
	case SourceGeoNames, SourceNaturalEarth, SourceSeed, SourceUser:
	default:
		return Errorf(EINVALID, "properties.source %q is not one of geonames, naturalearth, seed, user", p.Source)
	}
	return nil
}

// MaxAdmin1Len bounds an admin1 code; GeoNames' are at most 20 characters.
const MaxAdmin1Len = 20

// checkUser holds an entry a user writes to stricter rules than the
// imported data, which is taken as its source has it: names in NFC with a
// letter and no control or bidi characters (CleanName), and a feature
// class and code from GeoNames' list.
func (p *Place) checkUser() error {
	var err error
	if p.Name, err = CleanName("properties.name", p.Name, MaxNameLen); err != nil {
		return err
	}
	if len(p.AlternateNames) > MaxAlternateName {
		return Errorf(EINVALID, "properties.alternate_names has %d names; at most %d", len(p.AlternateNames), MaxAlternateName)
	}
	for i, a := range p.AlternateNames {
		if p.AlternateNames[i], err = CleanName("properties.alternate_names", a, MaxNameLen); err != nil {
			return err
		}
	}
	if p.FeatureClass != "" && !IsFeatureClass(p.FeatureClass) {
		return Errorf(EINVALID, "properties.feature_class %q is not a GeoNames feature class (A, H, L, P, R, S, T, U, V)", p.FeatureClass)
	}
	if p.FeatureCode != "" && (p.FeatureClass == "" || !IsFeatureCode(p.FeatureClass, p.FeatureCode)) {
		return Errorf(EINVALID, "properties.feature_code %q is not a GeoNames feature code of class %q (https://www.geonames.org/export/codes.html)", p.FeatureCode, p.FeatureClass)
	}
	return CheckText("properties.admin1", p.Admin1, MaxAdmin1Len, false)
}

// ValidatePoint checks that p is a finite {lon, lat} inside the CRS84 range.
func ValidatePoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return Errorf(EINVALID, "latitude %g is outside -90..90", lat)
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return Errorf(EINVALID, "longitude %g is outside -180..180", lon)
	}
	return nil
}

// Kinds maps the plain words users pick for a new entry to GeoNames feature
// class and code (https://www.geonames.org/export/codes.html).
var Kinds = map[string][2]string{
	"city":     {"P", "PPL"},
	"town":     {"P", "PPL"},
	"village":  {"P", "PPL"},
	"capital":  {"P", "PPLC"},
	"district": {"P", "PPLX"},
	"camp":     {"S", "CMP"},
	"region":   {"A", "ADM1"},
	"province": {"A", "ADM1"},
	"county":   {"A", "ADM2"},
	"country":  {"A", "PCLI"},
	"area":     {"L", "AREA"},
	"landmark": {"S", "BLDG"},
	"airport":  {"S", "AIRP"},
	"border":   {"S", "PSTB"},
	"river":    {"H", "STM"},
	"valley":   {"T", "VAL"},
	"mountain": {"T", "MT"},
	"island":   {"T", "ISL"},
}

// KindNames lists the keys of Kinds in order, for help texts and errors.
func KindNames() []string {
	names := make([]string, 0, len(Kinds))
	for k := range Kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Precision returns how precisely the place's point locates something at it:
// "country", "region", "city" or "point".
func (p *Place) Precision() string {
	switch {
	case strings.HasPrefix(p.FeatureCode, "PCL") || p.FeatureCode == "TERR":
		return PrecisionCountry
	case p.FeatureClass == "A" || p.FeatureClass == "L" || p.FeatureClass == "T" && p.FeatureCode != "MT":
		return PrecisionRegion
	case p.FeatureClass == "P":
		return PrecisionCity
	}
	return PrecisionPoint
}

// Precisions of an event's location, from finest to coarsest.
const (
	PrecisionPoint   = "point"
	PrecisionCity    = "city"
	PrecisionRegion  = "region"
	PrecisionCountry = "country"
)
