package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/tempfile"
	bolt "go.etcd.io/bbolt"
)

// openDB opens the one bbolt file that holds the gazetteer and the events.
// bbolt takes an exclusive file lock, so a second process gets a clear
// "in use" error after one second instead of hanging.
func openDB(path string, readOnly bool) (*bolt.DB, error) {
	if readOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, geo.Errorf(geo.ENOTFOUND, "database %s does not exist (run `make setup` or `geonews gazetteer build`)", path)
		}
	} else if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	// InitialMmapSize reserves address space, not memory: without it a large
	// import remaps the file again and again as it grows.
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly, InitialMmapSize: 1 << 30})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "database %s is in use by another geonews process (a running `geonews serve`? use its HTTP API, or stop it first)", path)
	} else if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !readOnly {
		// Where a system keeps open files' names, a killed import or backup
		// leaves its temporary files here: whoever writes next clears them.
		if _, err := tempfile.RemoveStale(filepath.Dir(path)); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}
