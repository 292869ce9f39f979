package geo

import (
	"strings"
	"time"
)

// Interval is a closed time interval; a zero Start or End leaves that side
// open. An instant is an Interval whose Start equals its End.
type Interval struct {
	Start, End time.Time
}

// ParseInterval parses an OGC API datetime parameter: an RFC 3339 instant or
// a full date, "a/b", "../b", "a/.." (an empty side counts as open too).
// A full date as an instant or an end covers the whole day.
func ParseInterval(s string) (Interval, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Interval{}, Errorf(EINVALID, "datetime is empty")
	}
	start, end, isRange := strings.Cut(s, "/")
	if !isRange {
		t, day, err := parseTime(s)
		if err != nil {
			return Interval{}, err
		}
		if day {
			return Interval{Start: t, End: t.Add(24*time.Hour - time.Nanosecond)}, nil
		}
		return Interval{Start: t, End: t}, nil
	}
	if strings.Contains(end, "/") {
		return Interval{}, Errorf(EINVALID, "datetime %q has more than one '/'", s)
	}
	var iv Interval
	if start != ".." && start != "" {
		t, _, err := parseTime(start)
		if err != nil {
			return Interval{}, err
		}
		iv.Start = t
	}
	if end != ".." && end != "" {
		t, day, err := parseTime(end)
		if err != nil {
			return Interval{}, err
		}
		if day {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		iv.End = t
	}
	if iv.Start.IsZero() && iv.End.IsZero() {
		return Interval{}, Errorf(EINVALID, "datetime %q is open at both ends", s)
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
		return Interval{}, Errorf(EINVALID, "datetime %q ends before it starts", s)
	}
	return iv, nil
}

// parseTime reads an RFC 3339 timestamp or a YYYY-MM-DD date (day=true).
// A time outside the years events may have (MinTime, MaxTime) is moved to
// just outside them: it selects the same events, and 0001-01-01, the zero
// time, would otherwise read as an open end and drop the filter.
func parseTime(s string) (t time.Time, day bool, err error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return clampTime(t.UTC()), false, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return clampTime(t), true, nil
	}
	return time.Time{}, false, Errorf(EINVALID, "datetime %q is not RFC 3339 (e.g. 2017-10-11T12:00:00Z or 2017-10-11)", s)
}

// clampTime moves t to within a nanosecond of the times events may have.
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(MinTime):
		return MinTime.Add(-time.Nanosecond)
	case t.After(MaxTime):
		return MaxTime.Add(time.Nanosecond)
	}
	return t
}

// Contains reports whether t lies inside the interval, ends included.
func (iv Interval) Contains(t time.Time) bool {
	if !iv.Start.IsZero() && t.Before(iv.Start) {
		return false
	}
	if !iv.End.IsZero() && t.After(iv.End) {
		return false
	}
	return true
}

// IsZero reports whether the interval is unbounded on both sides (no filter).
func (iv Interval) IsZero() bool { return iv.Start.IsZero() && iv.End.IsZero() }

// String formats the interval the way ParseInterval reads it.
func (iv Interval) String() string {
	if iv.IsZero() {
		return ""
	}
	f := func(t time.Time) string {
		if t.IsZero() {
			return ".."
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	if iv.Start.Equal(iv.End) {
		return f(iv.Start)
	}
	return f(iv.Start) + "/" + f(iv.End)
}
