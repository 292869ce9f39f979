package main

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// corruptDB changes the raw DB file under the store's feet.
func corruptDB(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckCommand: a database as written passes `geonews check`; one
// whose index or counters were broken on purpose fails it with one line.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := range 300 {
		lines = append(lines, feature(i))
	}
	mk := func(name string) string {
		db := filepath.Join(dir, name)
		if code, _, stderr := runEventsCmd(t, strings.Join(lines, "\n"), "events", "import", "--db", db, "-"); code != 0 {
			t.Fatal(stderr)
		}
		return db
	}
	good := mk("good.db")
	code, stdout, stderr := runEventsCmd(t, "", "check", "--db", good)
	if code != 0 || !strings.HasPrefix(stdout, "ok: ") || !strings.Contains(stdout, "300 events") {
		t.Fatalf("check of a good DB: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runEventsCmd(t, "", "check", "--help"); code != 0 || !strings.Contains(stderr, "Usage: geonews check") {
		t.Errorf("check --help: exit %d, %q", code, stderr)
	}
	for _, tc := range []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		want    string
	}{
		{"a tag index block deleted", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte("events_tag")).Cursor().First()
			return tx.Bucket([]byte("events_tag")).Delete(k)
		}, "missing from the index of tag"},
		{"an ID index block deleted", func(tx *bolt.Tx) error {
			k, _ := tx.Bucket([]byte("events_id")).Cursor().Last()
			return tx.Bucket([]byte("events_id")).Delete(k)
		}, "missing from the ID index"},
		{"the events deleted", func(tx *bolt.Tx) error {
			c := tx.Bucket([]byte("events")).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			return nil
		}, "which is not stored"},
		{"the count wrong", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("events_stats")).Put([]byte("n"), binary.BigEndian.AppendUint64(nil, 301))
		}, "the event count says 301, the events are 300"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mk(strings.ReplaceAll(tc.name, " ", "-") + ".db")
			corruptDB(t, db, tc.corrupt)
			code, stdout, stderr := runEventsCmd(t, "", "check", "--db", db)
			if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and one line with %q", code, stdout, stderr, tc.want)
			}
			if code, _, stderr := runEventsCmd(t, "", "check", "-v", "--db", db); code != 1 || strings.Count(stderr, "\n") < 2 {
				t.Errorf("check -v: exit %d, %q", code, stderr)
			}
		})
	}
}
