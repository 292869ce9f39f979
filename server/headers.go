package server

import (
	"net/url"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// baseURL is what every link and Location starts with: the configured base
// URL (or the address the server listens on), never the request's Host,
// which is the client's to pick (a link to javascript://evil… came back
// for Host: evil and X-Forwarded-Proto: javascript, issue 15). Behind a
// reverse proxy (TrustProxy) the proxy's Host and X-Forwarded-* are used,
// when they are a plain http(s) scheme and host.
func (s *Server) baseURL(c echo.Context) string {
	if !s.cfg.TrustProxy {
		if s.base == "" { // a Handler() used without Open, in tests
			return "http://localhost"
		}
		return s.base
	}
	h := c.Request().Header
	scheme := "http"
	if c.Request().TLS != nil {
		scheme = "https"
	}
	if p := strings.ToLower(strings.TrimSpace(firstValue(h.Get("X-Forwarded-Proto")))); p != "" {
		scheme = p
	}
	host := c.Request().Host
	if fh := strings.TrimSpace(firstValue(h.Get("X-Forwarded-Host"))); fh != "" {
		host = fh
	}
	if (scheme != "http" && scheme != "https") || !validHost(host) {
		return s.base
	}
	return scheme + "://" + host
}

// firstValue is the first of a comma list, as proxies append theirs.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return first
}

// validHost reports whether h is a host name or IP, with an optional port,
// and nothing else.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:[]", r)) {
			return false
		}
	}
	return true
}

// CheckBaseURL checks a --base-url and returns it without a trailing
// slash: an absolute http(s) URL with a host, and no query or fragment.
func CheckBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !validHost(u.Host) || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", geo.Errorf(geo.EINVALID, "base URL %q is not an http or https URL such as https://news.example.org", s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// pageCSP is the map page's Content-Security-Policy: its scripts, styles and
// data come from this server only, images also from the tile server, and
// no other site may frame it (the page writes with the stored token).
func pageCSP(tiles string) string {
	img := "'self' data: blob:"
	if o := tileOrigin(tiles); o != "" {
		img += " " + o
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// apiCSP is the policy of every other response: nothing runs, nothing frames it.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// tileOrigin is the scheme and host of a tile URL template; a {s}
// subdomain becomes a wildcard. "" if the template is not an http(s) URL.
func tileOrigin(tmpl string) string {
	if tmpl == "" {
		return ""
	}
	u, err := url.Parse(strings.ReplaceAll(tmpl, "{s}", "sub"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := u.Host
	if strings.Contains(tmpl, "{s}.") {
		host = strings.Replace(host, "sub.", "*.", 1)
	}
	return u.Scheme + "://" + host
}

// sensitiveParams are words that mark a query parameter whose value is a
// secret, wherever they appear in its name (access_token, api_key, apikey,
// X-Amz-Signature, client_secret…).
var sensitiveParams = []string{"token", "key", "secret", "password", "passwd", "pwd", "auth", "signature", "sig", "credential", "session", "jwt", "bearer", "code"}

// redactQuery returns the request's query for the log with the value of
// every parameter whose name looks secret replaced.
func redactQuery(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "(malformed, not logged)"
	}
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		for _, w := range sensitiveParams {
			if strings.Contains(lk, w) {
				q[k] = []string{"REDACTED"}
				changed = true
				break
			}
		}
	}
	if !changed {
		return u.RawQuery
	}
	return q.Encode()
}
