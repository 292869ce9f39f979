package geo

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// BBox is a bounding box in CRS84 longitude/latitude. West may be greater
// than East, in which case the box crosses the antimeridian (OGC API –
// Features, Part 1, 7.15.3).
type BBox struct {
	West, South, East, North float64
}

// World is the box that contains every point.
var World = BBox{-180, -90, 180, 90}

// ParseBBox parses "west,south,east,north" (or the six-number form with
// minimum and maximum heights, whose heights are ignored) and validates it.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, Errorf(EINVALID, "bbox must have 4 numbers (west,south,east,north), got %d", len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !IsDecimal(strings.TrimSpace(p)) || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, Errorf(EINVALID, "bbox value %q is not a decimal number", p)
		}
		v[i] = f
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	if len(v) == 6 {
		b = BBox{v[0], v[1], v[3], v[4]}
	}
	return b, b.Validate()
}

// IsDecimal reports whether s is a number in plain decimal notation, an
// exponent allowed (-12.5, 3, 1e-05): strconv.ParseFloat also reads Go's
// hexadecimal floats (0x1p3), underscores (1_0), inf and nan, which no
// client means in a query.
func IsDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp, digits = true, 0
			if i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-') {
				i++
			}
		default:
			return false
		}
	}
	return digits > 0
}

// Validate reports whether the box is well formed: longitudes in [-180,180],
// latitudes in [-90,90] and south <= north.
func (b BBox) Validate() error {
	for _, lon := range []float64{b.West, b.East} {
		if !(lon >= -180 && lon <= 180) {
			return Errorf(EINVALID, "bbox longitude %g is outside -180..180", lon)
		}
	}
	for _, lat := range []float64{b.South, b.North} {
		if !(lat >= -90 && lat <= 90) {
			return Errorf(EINVALID, "bbox latitude %g is outside -90..90", lat)
		}
	}
	if b.South > b.North {
		return Errorf(EINVALID, "bbox south %g is greater than north %g", b.South, b.North)
	}
	return nil
}

// CrossesAntimeridian reports whether the box wraps from 180 to -180.
func (b BBox) CrossesAntimeridian() bool { return b.West > b.East }

// Contains reports whether p lies inside the box, edges included.
func (b BBox) Contains(p orb.Point) bool {
	if p[1] < b.South || p[1] > b.North {
		return false
	}
	if b.CrossesAntimeridian() {
		return p[0] >= b.West || p[0] <= b.East
	}
	return p[0] >= b.West && p[0] <= b.East
}

// Bounds returns the box as one or two orb.Bounds that do not cross the
// antimeridian, for indexes that only understand plain rectangles.
func (b BBox) Bounds() []orb.Bound {
	if b.CrossesAntimeridian() {
		return []orb.Bound{
			{Min: orb.Point{b.West, b.South}, Max: orb.Point{180, b.North}},
			{Min: orb.Point{-180, b.South}, Max: orb.Point{b.East, b.North}},
		}
	}
	return []orb.Bound{{Min: orb.Point{b.West, b.South}, Max: orb.Point{b.East, b.North}}}
}

// String formats the box the way ParseBBox reads it.
func (b BBox) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return f(b.West) + "," + f(b.South) + "," + f(b.East) + "," + f(b.North)
}
