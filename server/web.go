package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// handleWebFile serves the map page's files (scripts, styles, Leaflet) by
// path, and its offline basemap (basemap.go); whatever is neither an API
// route nor a file is a JSON 404.
func (s *Server) handleWebFile(c echo.Context) error {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	if name == basemapPath {
		if err := checkParams(c.QueryParams(), nil); err != nil {
			return err
		}
		return s.handleBasemap(c)
	}
	return s.serveWebFile(c, name)
}

func (s *Server) serveWebFile(c echo.Context, name string) error {
	notFound := geo.Errorf(geo.ENOTFOUND, "no resource at %s", c.Request().URL.Path)
	if s.cfg.Web == nil || !fs.ValidPath(name) || name == "." {
		return notFound
	}
	st, err := fs.Stat(s.cfg.Web, name)
	if errors.Is(err, fs.ErrNotExist) || err == nil && st.IsDir() {
		return notFound
	} else if err != nil {
		return err
	}
	// The files change with the binary, and embedded files have no
	// modification time: revalidate every time, by a digest of the content,
	// so that a reload gets 304s for Leaflet and the rest.
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	if tag, err := webETag(s.cfg.Web, name); err == nil {
		h.Set("ETag", tag)
	}
	if name == "index.html" {
		h.Set("Vary", "Accept")
	}
	if path.Ext(name) == ".html" {
		h.Set("Content-Security-Policy", s.pageCSP)
	}
	http.ServeFileFS(c.Response(), c.Request(), s.cfg.Web, name)
	return nil
}

// webETag is a strong validator for a web file: the start of its SHA-256.
// Hashing Leaflet (150 KB) takes well under a millisecond.
func webETag(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`, nil
}
