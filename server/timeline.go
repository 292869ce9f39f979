package server

import (
	"net/http"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// EventTimeliner is geo's optional timeline capability of an EventService.
type EventTimeliner = geo.EventTimeliner

// timelineParams are the timeline's query parameters: the view's box and
// types, and the bucket size. No datetime: the timeline is what a map's
// time brush chooses from.
var timelineParams = []string{"bbox", "type", "step", "f"}

// timelineBucket is one bar of the histogram.
type timelineBucket struct {
	Start string         `json:"start"` // the bucket's first day, YYYY-MM-DD (UTC)
	Count int            `json:"count"`
	Types map[string]int `json:"types"` // count per type; "" for events without one
}

// handleTimeline answers GET /collections/events/timeline: the events of
// a bbox (and types) per day, week (from Monday) or month, oldest first,
// each bucket with its count per type, from the store's per-day
// aggregates, so that a map can draw a time histogram of its view without
// loading events. A window of whole buckets sums to the items'
// numberMatched for the same bbox, types and datetime=FIRST/LAST (dates).
func (s *Server) handleTimeline(c echo.Context) error {
	if id, err := s.collection(c); err != nil {
		return err
	} else if id != collEvents {
		return geo.Errorf(geo.ENOTFOUND, "collection %q has no timeline; only %q has", id, collEvents)
	}
	q, err := parseItemsQuery(c, timelineParams)
	if err != nil {
		return err
	}
	step := "day"
	if v, ok := lookup(c.QueryParams(), "step"); ok {
		if v != "day" && v != "week" && v != "month" {
			return geo.Errorf(geo.EINVALID, "step must be day, week or month, not %q", v)
		}
		step = v
	}
	if _, err := s.events(); err != nil {
		return err
	}
	svc, ok := s.cfg.Events.(EventTimeliner)
	if !ok {
		return geo.Errorf(geo.EUNAVAILABLE, "this server's event store has no timeline")
	}
	days, err := svc.EventTimeline(c.Request().Context(), geo.EventFilter{BBox: q.BBox, Types: q.Types})
	if err != nil {
		return err
	}
	out := struct {
		Step    string           `json:"step"`
		Total   int              `json:"total"`
		Types   map[string]int   `json:"types"`
		Buckets []timelineBucket `json:"buckets"`
	}{Step: step, Types: map[string]int{}, Buckets: []timelineBucket{}}
	for _, d := range days {
		start := bucketStart(d.Day, step).Format(time.DateOnly)
		if n := len(out.Buckets); n == 0 || out.Buckets[n-1].Start != start {
			out.Buckets = append(out.Buckets, timelineBucket{Start: start, Types: map[string]int{}})
		}
		b := &out.Buckets[len(out.Buckets)-1]
		b.Count += d.Count
		b.Types[d.Type] += d.Count
		out.Types[d.Type] += d.Count
		out.Total += d.Count
	}
	// days come sorted by day, so buckets are in order
	return c.JSON(http.StatusOK, out)
}

// bucketStart is the first day of the bucket of day d.
func bucketStart(d time.Time, step string) time.Time {
	switch step {
	case "week":
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "month":
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}
