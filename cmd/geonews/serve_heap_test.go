package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestServeMaxHeap: serve sets the Go memory limit from --max-heap (or
// GEONEWS_MAX_HEAP; default defaultMaxHeap) while it runs and puts the
// previous one back when it stops; GOMEMLIMIT in the environment wins;
// bad values are a usage error.
func TestServeMaxHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int64
	}{
		{"default", nil, nil, defaultMaxHeap << 20},
		{"flag", nil, []string{"--max-heap", "64"}, 64 << 20},
		{"environment", map[string]string{"GEONEWS_MAX_HEAP": "70"}, nil, 70 << 20},
		{"off", nil, []string{"--max-heap", "0"}, before},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, nil, before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServe(t, filepath.Join(t.TempDir(), "heap.db"), tc.env, tc.args...)
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Errorf("memory limit %d MB while serving, want %d MB", got>>20, tc.want>>20)
			}
			s.stop()
			if got := debug.SetMemoryLimit(-1); got != before {
				t.Errorf("memory limit %d after serve stopped, want %d back", got, before)
			}
		})
	}
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--max-heap", "-1"}, "", "--max-heap -1: must be 0 (no limit) or more"},
		{nil, "lots", `GEONEWS_MAX_HEAP="lots": not a number of MB`},
	} {
		var errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &errb, Stderr: &errb, Logger: slog.New(slog.DiscardHandler),
			Getenv: func(k string) string { return map[string]string{"GEONEWS_MAX_HEAP": tc.env}[k] }}
		code := Run(context.Background(), env, append([]string{"serve", "--db", filepath.Join(t.TempDir(), "never.db"), "--addr", "127.0.0.1:0"}, tc.args...))
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v env %q: exit %d, %q; want 2 and %q", tc.args, tc.env, code, errb.String(), tc.want)
		}
	}
}
