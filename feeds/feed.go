// Package feeds follows news outlets' feeds (RSS, Atom, JSON Feed): the
// list of feeds and what each last did, kept in the geonews DB (it owns the
// buckets whose names start with "feeds"); fetching them as a good citizen
// (conditional GET, timeouts, caps, backoff); and a poller that turns each
// new item into an article for the ingest use case.
package feeds

import (
	"net/url"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
)

// Interval bounds: outlets publish every few minutes at most, and a feed
// checked less than weekly is not being followed.
const (
	DefaultInterval = 10 * time.Minute
	MinInterval     = time.Minute
	MaxInterval     = 7 * 24 * time.Hour
)

// Feed is one followed feed, with what its last polls did.
type Feed struct {
	ID       int64
	URL      string
	Title    string        // the user's name for it, else the feed's own title
	Interval time.Duration // how often to poll when all is well
	Created  time.Time
	Status   Status

	// Fetch state: validators for a conditional GET and the schedule.
	ETag         string
	LastModified string
	NextPoll     time.Time
	Failures     int // consecutive failed polls, for backoff
}

// Status is what a feed's polls did, for people to see.
type Status struct {
	LastPoll   time.Time
	HTTPStatus int    // of the last poll; 0 when no answer came
	Items      int    // items in the feed at the last poll
	NewItems   int    // of which were new
	Articles   int    // articles stored from this feed, in all
	Events     int    // events read from them, in all: stored, or merged into a stored event as its source
	Skipped    int    // items skipped, in all
	SkipReason string // why the last skipped item was skipped
	LastError  string // of the last poll; "" when it went well
}

// CheckURL returns a feed URL in a normal form (trimmed, scheme and host
// lower case), or a geo.EINVALID error when it is not an absolute http or
// https URL with a host: a feed is fetched over HTTP, never from a file.
func CheckURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", geo.Errorf(geo.EINVALID, "feed URL %q cannot be read", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", geo.Errorf(geo.EINVALID, "feed URL %q: only http and https URLs can be followed", raw)
	}
	if u.Host == "" || u.User != nil {
		return "", geo.Errorf(geo.EINVALID, "feed URL %q needs a host and no user name", raw)
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment = ""
	return u.String(), nil
}

// CheckInterval returns a geo.EINVALID error for an interval out of bounds.
func CheckInterval(d time.Duration) error {
	if d < MinInterval || d > MaxInterval {
		return geo.Errorf(geo.EINVALID, "interval %s: must be between %s and %s", d, MinInterval, MaxInterval)
	}
	return nil
}
