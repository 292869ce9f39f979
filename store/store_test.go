package store_test

import (
	"context"
	"io"
	"os"
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

// TestSnapshot: the copy is a whole DB with the events stored before it,
// not those stored after, and it leaves no file beside the DB.
func TestSnapshot(t *testing.T) {
	s, db := MustOpenStore(t)
	ctx := context.Background()
	if _, err := s.CreateEvents(ctx, randomEvents(1, 20)); err != nil {
		t.Fatal(err)
	}
	snap, size, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvents(ctx, randomEvents(2, 5)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(snap)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size {
		t.Errorf("read %d bytes, size %d", len(b), size)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), "geonews-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cs, err := store.Open(MustOpenDB(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cs.CountEvents(ctx); err != nil || got != 20 {
		t.Errorf("the copy holds %d events (%v), want 20", got, err)
	}
}
