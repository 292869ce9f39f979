// Package geo is the spatial core of geonews: the domain types (Event,
// Place, BBox, Interval), their validation, and the Error type that every
// other package returns. It does no I/O.
package geo

import (
	"errors"
	"fmt"
)

// Error codes. The server maps each to one HTTP status in a single table.
const (
	ECONFLICT     = "conflict"     // the write clashes with what is stored
	EINTERNAL     = "internal"     // a bug or an I/O failure; details go to the log only
	EINVALID      = "invalid"      // the caller's input is malformed or out of range
	ENOTFOUND     = "not_found"    // no such record
	EUNAUTHORIZED = "unauthorized" // no credentials where they are needed
	EFORBIDDEN    = "forbidden"    // credentials present but wrong
	ETOOLARGE     = "too_large"    // a body or a batch over its documented limit
	EUNSUPPORTED  = "unsupported"  // a media type the endpoint does not take
	EUNAVAILABLE  = "unavailable"  // a resource is busy, such as a DB locked by another process
)

// ENOTIMPLEMENTED: the backend does not do that by design (a PostgreSQL
// store makes no file backups: pg_dump does).
const ENOTIMPLEMENTED = "not_implemented"

// Error is an application error whose Code says what kind of failure it is
// and whose Message is safe to show to an end user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or "internal error" for anything else, so
// that unexpected details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
