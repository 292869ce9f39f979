package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestNoInlineCode: the page runs under a Content-Security-Policy without
// 'unsafe-inline' (server/headers.go), so its HTML may carry no inline
// script, event handler attribute, style attribute or javascript: URL:
// the browser would refuse them.
func TestNoInlineCode(t *testing.T) {
	b, err := fs.ReadFile(Files(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range regexp.MustCompile(`(?i)<script\b[^>]*>`).FindAll(b, -1) {
		if !regexp.MustCompile(`\ssrc=`).Match(tag) {
			t.Errorf("index.html has a script without src: %s", tag)
		}
	}
	for name, re := range map[string]*regexp.Regexp{
		"inline script":   regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`),
		"event handler":   regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`),
		"style attribute": regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`),
		"style element":   regexp.MustCompile(`(?i)<style\b`),
		"javascript URL":  regexp.MustCompile(`(?i)javascript:`),
	} {
		if m := re.Find(b); m != nil {
			t.Errorf("index.html has an %s: %s", name, m)
		}
	}
}
