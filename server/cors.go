package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// CORS: reads are open to every origin (commonHeaders sets
// Access-Control-Allow-Origin: * on GET and HEAD), so any page can show
// the public API's data. Writes carry the bearer token in Authorization,
// which makes browsers send a preflight first; it is granted only to the
// origins named in Config.CORSOrigins (--cors-origin), so a page elsewhere
// that got hold of a token still cannot write from a visitor's browser.
const (
	corsWriteMethods = "GET, HEAD, POST, PUT, DELETE"
	corsWriteHeaders = "Authorization, Content-Type, Accept, If-None-Match"
	corsReadMethods  = "GET, HEAD"
	corsReadHeaders  = "Accept, If-None-Match, If-Modified-Since"
	// corsMaxAge lets a browser reuse a preflight for ten minutes.
	corsMaxAge = "600"
)

// cors answers CORS preflights (OPTIONS with Origin and
// Access-Control-Request-Method) and lets the allowed origins read the
// answers to their writes.
func (s *Server) cors() echo.MiddlewareFunc {
	allowed := map[string]bool{}
	for _, o := range s.cfg.CORSOrigins {
		allowed[o] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req, h := c.Request(), c.Response().Header()
			origin := req.Header.Get("Origin")
			if origin == "" {
				return next(c)
			}
			method := req.Header.Get("Access-Control-Request-Method")
			if req.Method != http.MethodOptions || method == "" {
				if allowed[origin] && req.Method != http.MethodGet && req.Method != http.MethodHead {
					h.Set("Access-Control-Allow-Origin", origin)
					h.Add("Vary", "Origin")
					h.Set("Access-Control-Expose-Headers", "Location")
				}
				return next(c)
			}
			// A preflight: its answer depends on all three.
			h.Add("Vary", "Origin")
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			switch {
			case allowed[origin]:
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", corsWriteMethods)
				h.Set("Access-Control-Allow-Headers", corsWriteHeaders)
				h.Set("Access-Control-Expose-Headers", "Location")
			case method == http.MethodGet || method == http.MethodHead:
				h.Set("Access-Control-Allow-Origin", "*")
				h.Set("Access-Control-Allow-Methods", corsReadMethods)
				h.Set("Access-Control-Allow-Headers", corsReadHeaders)
			default:
				return geo.Errorf(geo.EFORBIDDEN, "origin %s may only read; the server takes cross-origin writes from the origins named by --cors-origin", origin)
			}
			h.Set("Access-Control-Max-Age", corsMaxAge)
			return c.NoContent(http.StatusNoContent)
		}
	}
}

// CheckOrigin checks a --cors-origin and returns it as browsers send it in
// Origin: an http or https scheme and host (and port), lower case, with no
// path, query or trailing slash.
func CheckOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !validHost(u.Host) ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", geo.Errorf(geo.EINVALID, "CORS origin %q is not an origin such as https://app.example.org (scheme, host and port only)", s)
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}
