package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	bolt "go.etcd.io/bbolt"
)

// runEventsCmd runs geonews in-process with stdin and returns its exit
// code, stdout and stderr.
func runEventsCmd(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	code := Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// feature returns an NDJSON line of a valid event i.
func feature(i int) string {
	return fmt.Sprintf(`{"type":"Feature","id":"e%d","geometry":{"type":"Point","coordinates":[%g,%g]},`+
		`"properties":{"title":"Event %d in \"Raqqa\"","time":"2017-10-%02dT12:00:00Z","tags":["talks","t%d"],`+
		`"place":{"id":163915,"name":"Ar Raqqah","precision":"city"},"source":{"url":"https://example.com/%d"},"confidence":0.5}}`,
		i, 38+float64(i)/100, 35+float64(i)/200, i, 1+i%28, i%3, i)
}

func storedIDs(t *testing.T, path string) []string {
	t.Helper()
	s, db := mustOpenStore(t, path, true)
	defer db.Close()
	page, err := s.FindEvents(context.Background(), geo.EventFilter{Limit: geo.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range page.Events {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestEventsImport(t *testing.T) {
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, feature(i))
	}
	ndjson := strings.Join(lines, "\n") + "\n"
	seq := "\x1e" + strings.Join(lines, "\n\x1e") + "\n"
	fc := "{\n\"type\": \"FeatureCollection\",\n\"features\": [\n" + strings.Join(lines, ",\n") + "\n]\n}\n"
	var want []string
	for i := 0; i < 30; i++ {
		want = append(want, fmt.Sprintf("e%d", i))
	}
	slices.Sort(want)
	tests := []struct {
		name, input string
	}{
		{"ndjson", ndjson},
		{"seq", seq},
		{"collection", fc},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "g.db")
			file := filepath.Join(dir, "in.json")
			if err := os.WriteFile(file, []byte(tc.input), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runEventsCmd(t, "", "events", "import", "--db", db, file)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := storedIDs(t, db); !slices.Equal(got, want) {
				t.Fatalf("stored %v, want %v", got, want)
			}
			// Again from stdin: nothing new.
			code, _, stderr = runEventsCmd(t, tc.input, "events", "import", "--db", db, "-")
			if code != 0 || !strings.Contains(stderr, "imported 0 new events (30 already stored)") {
				t.Fatalf("re-import exit %d: %s", code, stderr)
			}
		})
	}
}

func TestEventsImport_BadLine(t *testing.T) {
	var lines []string
	for i := 0; i < 12; i++ {
		lines = append(lines, feature(i))
	}
	tests := []struct {
		name, bad, line, input string
	}{
		{name: "syntax", bad: `{"type":"Feature",`, line: "line 8:"},
		{name: "no time", bad: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"title":"x"}}`, line: "line 8:"},
		{name: "latitude", bad: `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,95]},"properties":{"title":"x","time":"2017-01-01T00:00:00Z"}}`, line: "line 8: geometry.coordinates: latitude"},
		{name: "collection", line: "line 10:", input: "{\"type\":\"FeatureCollection\",\n\"features\":[\n" +
			strings.Join(lines[:7], ",\n") + ",\n" + `{"type":"Feature","geometry":null,"properties":{}}` + "\n]}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := tc.input
			if input == "" {
				l := slices.Clone(lines)
				l[7] = tc.bad
				input = strings.Join(l, "\n") + "\n"
			}
			db := filepath.Join(t.TempDir(), "g.db")
			// Every line is checked before any is stored, whatever the batch.
			code, _, stderr := runEventsCmd(t, input, "events", "import", "--db", db, "--batch", "5", "-")
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, stderr)
			}
			all := strings.Split(strings.TrimSpace(stderr), "\n")
			last := all[len(all)-1]
			if !strings.Contains(last, tc.line) || !strings.HasPrefix(last, "geonews events: ") {
				t.Fatalf("error line %q does not name %q", last, tc.line)
			}
			if got := storedIDs(t, db); len(got) != 0 {
				t.Fatalf("stored %v, want none", got)
			}
		})
	}
}

func TestEventsExport_RoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, feature(i))
	}
	if code, _, stderr := runEventsCmd(t, strings.Join(lines, "\n"), "events", "import", "--db", db, "-"); code != 0 {
		t.Fatal(stderr)
	}
	var first string
	for _, format := range []string{"geojson", "ndjson", "seq"} {
		code, out, stderr := runEventsCmd(t, "", "events", "export", "--db", db, "--format", format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		db2 := filepath.Join(dir, format+".db")
		if code, _, stderr := runEventsCmd(t, out, "events", "import", "--db", db2, "-"); code != 0 {
			t.Fatalf("%s: re-import: %s", format, stderr)
		}
		code, again, _ := runEventsCmd(t, "", "events", "export", "--db", db2, "--format", "ndjson")
		if code != 0 {
			t.Fatal("export of the copy failed")
		}
		if first == "" {
			first = again
		} else if again != first {
			t.Fatalf("%s round trip differs:\n%s\nvs\n%s", format, again, first)
		}
	}
	if got := strings.Count(first, "\n"); got != 40 {
		t.Fatalf("exported %d lines, want 40", got)
	}
	// Filters and a limit.
	code, out, stderr := runEventsCmd(t, "", "events", "export", "--db", db, "--format", "ndjson",
		"--bbox", "38,35,38.1,36", "--datetime", "2017-10-01/2017-10-31", "--tags", "t1,t2", "--limit", "3")
	if code != 0 {
		t.Fatal(stderr)
	}
	if got := strings.Count(out, "\n"); got != 3 {
		t.Fatalf("filtered export has %d lines, want 3:\n%s", got, out)
	}
	for _, args := range [][]string{{"--bbox", "1,2,3"}, {"--format", "xml"}, {"--datetime", "yesterday"}} {
		if code, _, _ := runEventsCmd(t, "", append([]string{"events", "export", "--db", db}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := runEventsCmd(t, "", "events", "export", "--help"); code != 0 || !strings.Contains(stderr, "--format") {
		t.Errorf("--help: exit %d %s", code, stderr)
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	if code, _, stderr := runEventsCmd(t, feature(1)+"\n"+feature(2), "events", "import", "--db", db, "-"); code != 0 {
		t.Fatal(stderr)
	}
	dst := filepath.Join(dir, "copy.db")
	if code, _, stderr := runEventsCmd(t, "", "backup", "--db", db, dst); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	b, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	b.Close()
	if err != nil {
		t.Fatalf("backup fails bbolt check: %v", err)
	}
	if got := storedIDs(t, dst); !slices.Equal(got, []string{"e1", "e2"}) {
		t.Fatalf("backup holds %v", got)
	}
	if code, _, _ := runEventsCmd(t, "", "backup", "--db", db); code != 2 {
		t.Errorf("backup without FILE: exit %d, want 2", code)
	}
}
