package ingest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/geonews/geonews/geo"
	orbgeo "github.com/paulmach/orb/geo"
)

// HappeningStore is the optional capability of an event store to merge
// the reports of one happening from different articles into one event
// that lists every source (issue 12, 5b). The store finds the candidates
// through its own indexes and writes in the transaction it looked them up
// in, so that two reports ingested at once still make one event. A store
// without it stores every report as an event of its own.
type HappeningStore interface {
	MergeEvents(ctx context.Context, events []*geo.Event, rule geo.MergeRule) (created, merged int, err error)
}

// RuleSameHappening names the rule of SameHappening in geo.Merge.
const RuleSameHappening = "same-happening"

// Radii within which two reports' places are one, by the coarser of their
// precisions. A city-precision place is the gazetteer's point for the
// town, so two reports of one strike "in Raqa" and "near Raqa" sit up to
// a town's size apart; towns 200 km apart never merge.
const (
	pointRadiusKm = 10
	cityRadiusKm  = 25
)

// SameHappening is the rule by which events of different articles are
// one happening: the same type, the same day and a place within the
// events' precision (within 10 km for two points, 25 km when either is a
// city; the same gazetteer region for regions). Country-precision events,
// events without a type or a day, and events without a source URL (which
// could not be listed as a source) never merge.
type SameHappening struct{}

var _ geo.MergeRule = SameHappening{}

// Window is the box around e's point that holds every place Same could
// accept, and e's day.
func (SameHappening) Window(e *geo.Event) (geo.BBox, geo.Interval, bool) {
	day, ok := mergeDay(e)
	if !ok || e.Type == "" || e.Source.URL == "" {
		return geo.BBox{}, geo.Interval{}, false
	}
	var km float64
	switch e.Place.Precision {
	case geo.PrecisionPoint, geo.PrecisionCity, "":
		km = cityRadiusKm
	case geo.PrecisionRegion:
		km = 1 // the same region: the same point
	default:
		return geo.BBox{}, geo.Interval{}, false
	}
	return boxAround(e.Point[0], e.Point[1], km), geo.Interval{Start: day, End: day.Add(24*time.Hour - time.Nanosecond)}, true
}

// Same reports whether e reports stored's happening by the rule, with the
// rule's detail in words.
func (r SameHappening) Same(stored, e *geo.Event) (*geo.Merge, bool) {
	if stored.Type != e.Type || e.Type == "" || e.Source.URL == "" || stored.HasArticle(e.Source.URL) {
		return nil, false
	}
	d1, ok1 := mergeDay(stored)
	d2, ok2 := mergeDay(e)
	if !ok1 || !ok2 || !d1.Equal(d2) {
		return nil, false
	}
	var where string
	switch p1, p2 := stored.Place.Precision, e.Place.Precision; {
	case p1 == geo.PrecisionRegion || p2 == geo.PrecisionRegion:
		if p1 != p2 || stored.Place.ID == 0 || stored.Place.ID != e.Place.ID {
			return nil, false
		}
		where = fmt.Sprintf("the same region (%s)", e.Place.Name)
	case p1 == geo.PrecisionCountry || p2 == geo.PrecisionCountry:
		return nil, false
	default:
		limit, prec := float64(cityRadiusKm), "a city"
		if p1 == geo.PrecisionPoint && p2 == geo.PrecisionPoint {
			limit, prec = pointRadiusKm, "two points"
		}
		km := orbgeo.DistanceHaversine(stored.Point, e.Point) / 1000
		if km > limit {
			return nil, false
		}
		where = fmt.Sprintf("places %.1f km apart (within %.0f km for %s)", km, limit, prec)
	}
	return &geo.Merge{Rule: RuleSameHappening,
		Detail: fmt.Sprintf("same type (%s), same day (%s), %s", e.Type, d2.Format(time.DateOnly), where)}, true
}

// mergeDay is the UTC day of an event dated to the day or more finely.
func mergeDay(e *geo.Event) (time.Time, bool) {
	if e.TimePrecision != geo.TimeDay && e.TimePrecision != "" {
		return time.Time{}, false
	}
	t := e.Time.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// boxAround is the box of the points within km of (lon, lat), a little
// larger; it crosses the antimeridian where they do.
func boxAround(lon, lat, km float64) geo.BBox {
	const kmPerDegree = 111.19
	dlat := km / kmPerDegree
	south, north := math.Max(lat-dlat, -90), math.Min(lat+dlat, 90)
	cos := math.Cos(math.Max(math.Abs(lat)+dlat, 0) * math.Pi / 180)
	if cos < 0.01 || km/(kmPerDegree*cos) >= 180 {
		return geo.BBox{West: -180, South: south, East: 180, North: north}
	}
	dlon := km / (kmPerDegree * cos)
	west, east := lon-dlon, lon+dlon
	if west < -180 {
		west += 360
	}
	if east > 180 {
		east -= 360
	}
	return geo.BBox{West: west, South: south, East: east, North: north}
}
