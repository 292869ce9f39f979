package tempfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir, "import")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("run"); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("an open temporary file has a name: %v", ents)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRemoveStale removes the files of a process that has exited and keeps
// this process's, a live one's, and anything not named by Create.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to get the id of an exited process")
	}
	dead := cmd.Process.Pid
	names := map[string]bool{ // name → removed
		"geonews-import-" + strconv.Itoa(dead) + "-123.tmp":        true,
		"geonews-backup-" + strconv.Itoa(dead) + "-9.tmp":          true,
		"geonews-import-" + strconv.Itoa(os.Getpid()) + "-123.tmp": false,
		"geonews-import-1-123.tmp":                                 false, // init runs
		"geonews.db":                                               false,
		"geonews-import-x-1.tmp":                                   false,
		"notes-" + strconv.Itoa(dead) + "-1.tmp":                   false,
	}
	for n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Errorf("removed %v", removed)
	}
	for n, gone := range names {
		_, err := os.Stat(filepath.Join(dir, n))
		if got := os.IsNotExist(err); got != gone {
			t.Errorf("%s: removed %v, want %v", n, got, gone)
		}
	}
}
