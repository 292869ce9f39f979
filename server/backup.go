package server

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/labstack/echo/v4"
)

// backupChunk is how much of a backup is written under one deadline.
const backupChunk = 256 << 10

// handleBackup answers GET /backup (token only) with a consistent copy of
// the database. The copy is taken at disk speed (BackupService.Snapshot)
// and only then streamed at the client's pace, each chunk under a write
// deadline, so a slow or stalled client holds neither a read transaction
// nor, for long, a goroutine and a temporary file.
func (s *Server) handleBackup(c echo.Context) error {
	if err := checkParams(c.QueryParams(), nil); err != nil {
		return err
	}
	if s.cfg.Backup == nil {
		return geo.Errorf(geo.EUNAVAILABLE, "this server cannot make backups")
	}
	start := time.Now()
	snap, size, err := s.cfg.Backup.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	defer snap.Close()
	copied := time.Since(start)
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	h.Set(echo.HeaderContentDisposition, `attachment; filename="geonews-`+s.cfg.Now().UTC().Format("20060102T150405Z")+`.db"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.Response())
	buf := make([]byte, backupChunk)
	var n int64
	for {
		m, rerr := snap.Read(buf)
		if m > 0 {
			if err := rc.SetWriteDeadline(time.Now().Add(s.cfg.BackupStall)); err != nil {
				return err
			}
			w, werr := c.Response().Write(buf[:m])
			n += int64(w)
			if werr != nil {
				return werr // logged by handleError: the status is already sent
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	s.logger.Info("backup", "bytes", n, "copy", copied, "stream", time.Since(start)-copied)
	return nil
}
