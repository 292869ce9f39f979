package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// codeStatus is the one table from application error codes to HTTP statuses.
var codeStatus = map[string]int{
	geo.EINVALID:      http.StatusBadRequest,
	geo.EUNAUTHORIZED: http.StatusUnauthorized,
	geo.EFORBIDDEN:    http.StatusForbidden,
	geo.ENOTFOUND:     http.StatusNotFound,
	geo.ECONFLICT:     http.StatusConflict,
	geo.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	geo.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	geo.EUNAVAILABLE:  http.StatusServiceUnavailable,
	geo.EINTERNAL:     http.StatusInternalServerError,
	// a backend without the feature (PostgreSQL: /backup is pg_dump's job)
	geo.ENOTIMPLEMENTED: http.StatusNotImplemented,
}

// statusCode is the reverse of codeStatus, for Echo's own errors (unknown
// route, wrong method), so they carry the same codes as ours.
var statusCode = map[int]string{
	http.StatusBadRequest:                  geo.EINVALID,
	http.StatusUnauthorized:                geo.EUNAUTHORIZED,
	http.StatusForbidden:                   geo.EFORBIDDEN,
	http.StatusNotFound:                    geo.ENOTFOUND,
	http.StatusMethodNotAllowed:            "method_not_allowed",
	http.StatusConflict:                    geo.ECONFLICT,
	http.StatusRequestEntityTooLarge:       geo.ETOOLARGE,
	http.StatusRequestURITooLong:           geo.ETOOLARGE,
	http.StatusUnsupportedMediaType:        geo.EUNSUPPORTED,
	http.StatusRequestHeaderFieldsTooLarge: geo.ETOOLARGE,
	http.StatusServiceUnavailable:          geo.EUNAVAILABLE,
	http.StatusInternalServerError:         geo.EINTERNAL,
}

// ErrorStatus returns the HTTP status for an application error code; any
// code it does not know is a 500, so a new code fails loudly, not silently.
func ErrorStatus(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the OGC API exception shape.
type errorBody struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// handleError is the server's only error handler: every handler returns its
// error and this turns it into a status and a JSON body. Messages of
// *geo.Error are meant for users; anything else is logged and answered with
// a bare "internal error".
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// A streamed body (a backup, a large page) failed half way: the
		// status is gone, so all we can do is log and cut the connection.
		s.logger.Error("error after response started", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away mid-request; nobody reads the answer, and it
		// is no server failure. 499 is nginx's "client closed request".
		c.Response().WriteHeader(499)
		return
	}
	body, status := errorBody{}, 0
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		status = http.StatusRequestEntityTooLarge
		body = errorBody{geo.ETOOLARGE, "request body is over the limit of " + formatBytes(mbe.Limit)}
	case errors.As(err, &he):
		status = he.Code
		body.Code = statusCode[status]
		if body.Code == "" {
			body.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		}
		switch status {
		case http.StatusNotFound:
			body.Description = "no resource at " + c.Request().URL.Path
		case http.StatusMethodNotAllowed:
			body.Description = "method " + c.Request().Method + " is not allowed on " + c.Request().URL.Path
		default:
			if msg, ok := he.Message.(string); ok && status < 500 {
				body.Description = msg
			} else {
				body.Description = strings.ToLower(http.StatusText(status))
			}
		}
		if status >= 500 {
			s.logger.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
			body = errorBody{geo.EINTERNAL, "internal error"}
		}
	default:
		code := geo.ErrorCode(err)
		status = ErrorStatus(code)
		body = errorBody{code, geo.ErrorMessage(err)}
		if status >= 500 {
			lvl := slog.LevelError
			if code == geo.EUNAVAILABLE {
				lvl = slog.LevelWarn
			}
			s.logger.Log(c.Request().Context(), lvl, "request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
			if code == geo.EINTERNAL {
				body.Description = "internal error"
			}
		}
	}
	// An error is an answer to this request only.
	c.Response().Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="geonews"`)
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		s.logger.Error("write error response", "err", err)
	}
}

// formatBytes writes a body limit the way the API documentation states it.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
