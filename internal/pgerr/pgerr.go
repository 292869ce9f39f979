// Package pgerr reads PostgreSQL's errors as geo errors, once for every
// package that talks to the database: a lost or refused connection is
// geo.EUNAVAILABLE (a 503: try again), input the database refused is
// geo.EINVALID, anything else is returned wrapped, for the log.
package pgerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5/pgconn"
)

// Map returns err as a geo error where it has a meaning for clients; what
// is wrapped, with prefix, is an internal error. A geo error, a
// cancellation and nil pass through.
func Map(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var ge *geo.Error
	if errors.As(err, &ge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", pe.Code == "53300":
			return Unavailable()
		case pe.Code == "40001", pe.Code == "40P01":
			return geo.Errorf(geo.EUNAVAILABLE, "the write clashed with another; try again")
		case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"):
			return geo.Errorf(geo.EINVALID, "the database refused the input: %s", pe.Message)
		}
		return fmt.Errorf("%s: %w", prefix, err)
	}
	var ne net.Error
	if errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connect") || strings.Contains(err.Error(), "closed") {
		return Unavailable()
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// Unavailable is the error of a database that cannot be reached.
func Unavailable() error {
	return geo.Errorf(geo.EUNAVAILABLE, "the database is unavailable; try again shortly")
}
