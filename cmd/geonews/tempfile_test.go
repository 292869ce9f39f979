package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestStaleTempFiles: the temporary files a killed process left beside the
// database are removed by the next command that writes it (an import, the
// server at start); a live process's are kept.
func TestStaleTempFiles(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to get the id of an exited process")
	}
	dead := strconv.Itoa(cmd.Process.Pid)
	for _, run := range []struct {
		name string
		run  func(t *testing.T, db string)
	}{
		{"events import", func(t *testing.T, db string) {
			if code, _, stderr := runEventsCmd(t, feature(1), "events", "import", "--db", db, "-"); code != 0 {
				t.Fatal(stderr)
			}
		}},
		{"serve", func(t *testing.T, db string) { startServe(t, db, nil, "--token", "x").stop() }},
	} {
		t.Run(run.name, func(t *testing.T) {
			dir := t.TempDir()
			stale := []string{"geonews-import-" + dead + "-1.tmp", "geonews-backup-" + dead + "-2.tmp"}
			kept := []string{"geonews-import-" + strconv.Itoa(os.Getpid()) + "-3.tmp", "notes.txt"}
			for _, n := range append(stale, kept...) {
				if err := os.WriteFile(filepath.Join(dir, n), make([]byte, 1<<20), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			run.run(t, filepath.Join(dir, "g.db"))
			for _, n := range stale {
				if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
					t.Errorf("%s left by a dead process is still there", n)
				}
			}
			for _, n := range kept {
				if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
					t.Errorf("%s: %v", n, err)
				}
			}
		})
	}
}
