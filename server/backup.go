package server

import (
	"net/http"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// handleBackup answers GET /backup (token only) with a consistent copy of
// the database, streamed from one read transaction while writes go on.
func (s *Server) handleBackup(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.cfg.Backup == nil {
		return geo.Errorf(geo.EUNAVAILABLE, "this server cannot make backups")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="geonews-`+s.cfg.Now().UTC().Format("20060102T150405Z")+`.db"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	n, err := s.cfg.Backup.Backup(c.Request().Context(), c.Response())
	if err != nil {
		return err // logged by handleError: the status is already sent
	}
	s.logger.Info("backup", "bytes", n)
	return nil
}
