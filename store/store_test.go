package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

// MustOpenStore opens a store on a new bbolt file in a temp dir. At cleanup
// it runs bbolt's consistency check, then closes the DB.
func MustOpenStore(tb testing.TB) (*store.Store, *bolt.DB) {
	tb.Helper()
	db := MustOpenDB(tb, filepath.Join(tb.TempDir(), "geonews.db"))
	s, err := store.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	return s, db
}

// MustOpenDB opens the bbolt file at path and checks and closes it at cleanup.
func MustOpenDB(tb testing.TB, path string) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		MustCheck(tb, db)
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// MustCheck fails tb if bbolt finds the DB inconsistent.
func MustCheck(tb testing.TB, db *bolt.DB) {
	tb.Helper()
	err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		tb.Errorf("bbolt check: %v", err)
	}
}

func TestOpen_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "geonews.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvents(context.Background(), randomEvents(1, 10)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = MustOpenDB(t, path)
	s, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.CountEvents(context.Background()); err != nil || got != 10 {
		t.Fatalf("CountEvents = %d, %v; want 10", got, err)
	}
}
