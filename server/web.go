package server

import (
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
	if name == "index.html" {
		// The page is small and changes with the binary: always revalidate.
		c.Response().Header().Set("Cache-Control", "no-cache")
		c.Response().Header().Set("Vary", "Accept")
	}
	http.ServeFileFS(c.Response(), c.Request(), s.cfg.Web, name)
	return nil
}
