package geo

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on text fields not declared with their records.
const (
	MaxSourceTitleLen = 500
	MaxURLLen         = 2048
)

// Times an event may carry, the years 1700 to 2199: the store keys events
// by their nanoseconds since 1970 in an int64, which reaches from 1677-09-21
// to 2262-04-11, and keeps a margin.
var (
	MinTime = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
)

// checkTime refuses a time the store cannot key.
func checkTime(field string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return Errorf(EINVALID, "%s %s is outside the years 1700 to 2199", field, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckText checks a text field as a client sent it: valid UTF-8 of at most
// max characters, without control characters (tab and newline too unless
// multiline) or the bidi embeddings, overrides and isolates (U+202A-202E,
// U+2066-2069) that can make text display other than it reads. field is
// the field's name in the API, for the error.
func CheckText(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			if !multiline {
				return Errorf(EINVALID, "%s must be one line (no tabs or line breaks)", field)
			}
		case isBidiControl(r):
			return Errorf(EINVALID, "%s contains the bidi control %U", field, r)
		case HiddenRune(r):
			return Errorf(EINVALID, "%s contains the control character %U", field, r)
		}
	}
	if n > max {
		return Errorf(EINVALID, "%s has %d characters; at most %d", field, n, max)
	}
	return nil
}

// HiddenRune reports whether r may stand in no stored one-line text: a
// control character (tab and line breaks included), a line or paragraph
// separator, or a bidi embedding, override or isolate. Code that makes text
// for storing (titles, excerpts) drops these.
func HiddenRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isBidiControl(r)
}

// isBidiControl reports the bidi embeddings, overrides and isolates
// (U+202A-202E, U+2066-2069), which can make text display other than it reads.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// CleanName checks a name (of a place, an alternate name) as CheckText does
// on one line, requires a letter in it (not only marks, digits, spaces or
// zero-width characters) and returns it trimmed and in Unicode NFC, so that
// the same name typed two ways is stored one way.
func CleanName(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if err := CheckText(field, s, max, false); err != nil {
		return "", err
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if strings.IndexFunc(s, unicode.IsLetter) < 0 {
		if s == "" {
			return "", Errorf(EINVALID, "%s: the name is empty", field)
		}
		return "", Errorf(EINVALID, "%s %q has no letter", field, s)
	}
	return s, nil
}

// CheckURL checks a link a client sent: an absolute http or https URL with
// a host, of at most MaxURLLen bytes. Other schemes (javascript:, data:,
// file:) would be handed on to every client that shows the link.
func CheckURL(field, s string) error {
	if len(s) > MaxURLLen {
		return Errorf(EINVALID, "%s is %d bytes long; at most %d", field, len(s), MaxURLLen)
	}
	if err := CheckText(field, s, MaxURLLen, false); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || strings.ContainsAny(s, " \\") {
		return Errorf(EINVALID, "%s %q is not an absolute http or https URL", field, s)
	}
	if sc := strings.ToLower(u.Scheme); sc != "http" && sc != "https" {
		return Errorf(EINVALID, "%s must be an http or https URL, not %s:", field, u.Scheme)
	}
	return nil
}
