package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// logRequests logs one line per request with its status and duration. It
// runs the error handler itself so that the status it logs is the one the
// client got.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		lvl := slog.LevelInfo
		if res.Status >= 500 {
			lvl = slog.LevelError
		}
		s.logger.LogAttrs(req.Context(), lvl, "http",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("query", redactQuery(req.URL)),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", req.RemoteAddr))
		return nil
	}
}

// Limits on a request's head, below net/http's own (MaxHeaderBytes, 1 MiB),
// so that a request over them gets our JSON answer; past net/http's, the
// connection gets Go's plain-text 431 before any handler runs.
const (
	maxURILen     = 8 << 10
	maxHeaderSize = 32 << 10
)

// checkRequest refuses what would otherwise be read wrongly: a query
// string that does not parse (url.Values drops a malformed pair, such as
// bbox=%ZZ or a;b, and with it the filter), and heads over their limits.
func (s *Server) checkRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if len(req.RequestURI) > maxURILen {
			return echo.NewHTTPError(http.StatusRequestURITooLong, "the request URI is over the limit of "+formatBytes(maxURILen))
		}
		n := 0
		for k, vs := range req.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > maxHeaderSize {
			return echo.NewHTTPError(http.StatusRequestHeaderFieldsTooLarge, "the request headers are over the limit of "+formatBytes(maxHeaderSize))
		}
		if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
			return geo.Errorf(geo.EINVALID, "the query string is malformed (%s): encode %% as %%25 and separate parameters with &", strings.TrimPrefix(err.Error(), "invalid URL escape "))
		}
		return next(c)
	}
}

// recoverPanics turns a panicking handler into a 500 whose details stay in
// the log.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		return next(c)
	}
}

// commonHeaders sets what every response carries: no MIME sniffing (user
// text is served as JSON, never as HTML), no framing by other sites, a
// policy that runs nothing (the map page sets its own, web.go), no
// Referer beyond the origin to other sites (the start-up URL carries the
// token), and a Cache-Control that handlers may override: reads are
// revalidated, since any write changes them; nothing else is stored. CORS
// is allowed for reads, so that browser clients on other origins can read
// the public API; writes only from the origins Config.CORSOrigins names
// (cors.go).
func (s *Server) commonHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Cache-Control", "no-cache")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// requireToken guards writes: Authorization: Bearer TOKEN. Comparing
// SHA-256 digests in constant time hides both the token and its length
// from timing.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	want := sha256.Sum256([]byte(s.cfg.Token))
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		if h == "" {
			return geo.Errorf(geo.EUNAUTHORIZED, "this request needs an Authorization: Bearer TOKEN header (the token is set with --token or GEONEWS_TOKEN, or printed by geonews serve at start)")
		}
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return geo.Errorf(geo.EUNAUTHORIZED, "the Authorization header must be Bearer TOKEN")
		}
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return geo.Errorf(geo.EFORBIDDEN, "the token is wrong")
		}
		return next(c)
	}
}
