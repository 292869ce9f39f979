package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// FeedService is what the server needs of the feeds followed (a
// feeds.Poller).
type FeedService interface {
	// Feeds returns every feed with its status.
	Feeds(ctx context.Context) ([]*feeds.Feed, error)
	// CreateFeed follows a feed, setting its ID; a bad URL or interval is
	// geo.EINVALID, a URL already followed geo.ECONFLICT.
	CreateFeed(ctx context.Context, f *feeds.Feed) error
	// DeleteFeed stops following a feed (geo.ENOTFOUND if absent).
	DeleteFeed(ctx context.Context, id int64) error
	// PollFeed polls a feed now and returns it with its new status.
	PollFeed(ctx context.Context, id int64) (*feeds.Feed, error)
}

var _ FeedService = (*feeds.Poller)(nil)

// feedsSvc returns the feed service, or a 503 in a build without one.
func (s *Server) feedsSvc() (FeedService, error) {
	if s.cfg.Feeds == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "this server follows no feeds")
	}
	return s.cfg.Feeds, nil
}

// feedJSON is a feed as the API shows it.
type feedJSON struct {
	ID              int64          `json:"id"`
	URL             string         `json:"url"`
	Title           string         `json:"title"`
	Interval        string         `json:"interval"`
	IntervalSeconds int64          `json:"interval_seconds"`
	Created         time.Time      `json:"created"`
	NextPoll        *time.Time     `json:"next_poll"` // null: due now
	Failures        int            `json:"failures"`
	Status          feedStatusJSON `json:"status"`
}

type feedStatusJSON struct {
	LastPoll   *time.Time `json:"last_poll"` // null: never polled
	HTTPStatus int        `json:"http_status"`
	Items      int        `json:"items"`
	NewItems   int        `json:"new_items"`
	Articles   int        `json:"articles"`
	Events     int        `json:"events"`
	Skipped    int        `json:"skipped"`
	SkipReason string     `json:"skip_reason"`
	LastError  string     `json:"last_error"`
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toFeedJSON(f *feeds.Feed) feedJSON {
	st := f.Status
	return feedJSON{ID: f.ID, URL: f.URL, Title: f.Title, Interval: f.Interval.String(), IntervalSeconds: int64(f.Interval / time.Second),
		Created: f.Created, NextPoll: timeOrNull(f.NextPoll), Failures: f.Failures,
		Status: feedStatusJSON{LastPoll: timeOrNull(st.LastPoll), HTTPStatus: st.HTTPStatus, Items: st.Items, NewItems: st.NewItems,
			Articles: st.Articles, Events: st.Events, Skipped: st.Skipped, SkipReason: st.SkipReason, LastError: st.LastError}}
}

// listFeeds returns every feed, for a GET without parameters.
func (s *Server) listFeeds(c echo.Context) ([]*feeds.Feed, error) {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return nil, err
	}
	svc, err := s.feedsSvc()
	if err != nil {
		return nil, err
	}
	return svc.Feeds(c.Request().Context())
}

// handleFeeds answers GET /feeds: every feed followed, with its status.
func (s *Server) handleFeeds(c echo.Context) error {
	fs, err := s.listFeeds(c)
	if err != nil {
		return err
	}
	out := make([]feedJSON, len(fs))
	for i, f := range fs {
		out[i] = toFeedJSON(f)
	}
	return c.JSON(http.StatusOK, map[string]any{"feeds": out})
}

// handleFeedsOPML answers GET /feeds.opml: the feeds as an OPML
// subscription list, which feed readers import.
func (s *Server) handleFeedsOPML(c echo.Context) error {
	fs, err := s.listFeeds(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := feeds.WriteOPML(&buf, fs, s.cfg.Now()); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="geonews-feeds.opml"`)
	return c.Blob(http.StatusOK, "text/x-opml; charset=utf-8", buf.Bytes())
}

// feedIn is the JSON body of POST /feeds.
type feedIn struct {
	URL      string `json:"url"`
	Interval string `json:"interval"` // a Go duration: "10m", "1h30m"
	Title    string `json:"title"`
}

// handleCreateFeed answers POST /feeds: follow a feed.
func (s *Server) handleCreateFeed(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	svc, err := s.feedsSvc()
	if err != nil {
		return err
	}
	body, _, err := readBody(c, MaxFeatureBody, "application/json")
	if err != nil {
		return err
	}
	var in feedIn
	if err := decodeJSON(body, &in, true, "the feed"); err != nil {
		return err
	}
	if strings.TrimSpace(in.URL) == "" {
		return geo.Errorf(geo.EINVALID, "url is required")
	}
	f := &feeds.Feed{URL: in.URL, Title: strings.TrimSpace(in.Title)}
	if in.Interval != "" {
		if f.Interval, err = time.ParseDuration(in.Interval); err != nil {
			return geo.Errorf(geo.EINVALID, "interval %q: use a duration such as 10m or 1h", in.Interval)
		}
	}
	if err := svc.CreateFeed(c.Request().Context(), f); err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/feeds/"+itoa(f.ID))
	return c.JSON(http.StatusCreated, toFeedJSON(f))
}

// feedTarget returns the feed service and the {id} of a feed path.
func (s *Server) feedTarget(c echo.Context) (FeedService, int64, error) {
	svc, err := s.feedsSvc()
	if err != nil {
		return nil, 0, err
	}
	id, err := strconv.ParseInt(pathParam(c, "id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, 0, geo.Errorf(geo.EINVALID, "feed id %q is not a positive number", pathParam(c, "id"))
	}
	return svc, id, nil
}

// handleDeleteFeed answers DELETE /feeds/{id}.
func (s *Server) handleDeleteFeed(c echo.Context) error {
	svc, id, err := s.feedTarget(c)
	if err != nil {
		return err
	}
	if err := svc.DeleteFeed(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handlePollFeed answers POST /feeds/{id}/poll: poll a feed now and return
// it with its new status (what went wrong with the feed is in the status).
func (s *Server) handlePollFeed(c echo.Context) error {
	svc, id, err := s.feedTarget(c)
	if err != nil {
		return err
	}
	f, err := svc.PollFeed(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFeedJSON(f))
}
