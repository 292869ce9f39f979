// Package tempfile makes the temporary files geonews keeps beside its
// database (import runs, backup snapshots) and removes the ones a killed
// process left. Each is named for the process that made it,
// geonews-KIND-PID-RANDOM.tmp, so a later process can tell whose it is.
package tempfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// prefix starts every name this package makes; RemoveStale looks at no other file.
const prefix = "geonews-"

// Create makes a new temporary file in dir for this process, open for
// reading and writing. It is unlinked at once where the system allows it
// (the open file stays usable), so even SIGKILL leaves nothing behind;
// Close removes it otherwise. kind names what it holds ("import", "backup").
func Create(dir, kind string) (*File, error) {
	f, err := os.CreateTemp(dir, prefix+kind+"-"+strconv.Itoa(os.Getpid())+"-*.tmp")
	if err != nil {
		return nil, err
	}
	return &File{File: f, linked: os.Remove(f.Name()) != nil}, nil
}

// File is a temporary file that goes away when closed.
type File struct {
	*os.File
	linked bool // still has a name to remove
}

// Close closes the file and removes it if it still has a name.
func (f *File) Close() error {
	err := f.File.Close()
	if f.linked {
		if rerr := os.Remove(f.File.Name()); err == nil && !os.IsNotExist(rerr) {
			err = rerr
		}
		f.linked = false
	}
	return err
}

// RemoveStale removes the temporary files in dir left by processes that no
// longer run, and returns their names. Files of live processes (another
// import, a server's backup) are left alone.
func RemoveStale(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		pid, ok := ownerPID(e.Name())
		if !ok || e.IsDir() || pid == os.Getpid() || alive(pid) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return removed, fmt.Errorf("remove stale temporary file: %w", err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// ownerPID reads the process id out of a name Create made.
func ownerPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || !strings.HasSuffix(name, ".tmp") {
		return 0, false
	}
	parts := strings.Split(strings.TrimSuffix(rest, ".tmp"), "-")
	if len(parts) != 3 {
		return 0, false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}
