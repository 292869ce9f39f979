package store_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
)

// feed returns a next function for ImportEvents that yields events in
// slices of n.
func feed(events []*geo.Event, n int) func() ([]*geo.Event, error) {
	return func() ([]*geo.Event, error) {
		if len(events) == 0 {
			return nil, io.EOF
		}
		b := events[:min(n, len(events))]
		events = events[len(b):]
		return b, nil
	}
}

// importInput is events for an import test: some stored beforehand, some
// repeated with another time (the earlier wins), some without an ID.
func importInput() (before, input []*geo.Event) {
	all := randomEvents(7, 3000)
	before = all[:200]
	input = all[100:]
	for i, e := range randomEvents(7, 400)[300:] {
		e.Time = e.Time.Add(time.Duration(i%3-1) * time.Hour)
		input = append(input, e)
	}
	for _, e := range randomEvents(8, 50) {
		e.ID = ""
		input = append(input, e)
	}
	return before, input
}

// TestImportEvents_SameAsCreateEvents checks that a bulk import, in many
// batches and spilled runs, writes exactly what one CreateEvents call does:
// every record, index entry and counter.
func TestImportEvents_SameAsCreateEvents(t *testing.T) {
	ctx := context.Background()
	sa, dba := MustOpenStore(t)
	before, input := importInput()
	if _, err := sa.CreateEvents(ctx, before); err != nil {
		t.Fatal(err)
	}
	want, err := sa.CreateEvents(ctx, input)
	if err != nil {
		t.Fatal(err)
	}

	for _, opt := range []store.ImportOptions{{}, {Batch: 333, RunBytes: 40000}, {Batch: 50, RunBytes: 3000}} {
		sb, dbb := MustOpenStore(t)
		before, input := importInput()
		if _, err := sb.CreateEvents(ctx, before); err != nil {
			t.Fatal(err)
		}
		got, err := sb.ImportEvents(ctx, feed(input, 128), opt)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%+v: imported %d, CreateEvents stored %d", opt, got, want)
		}
		da, err := store.DumpBuckets(dba)
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.DumpBuckets(dbb)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(da, db) {
			for i := range min(len(da), len(db)) {
				if da[i] != db[i] {
					t.Fatalf("%+v: %d entries, want %d; first difference:\n got %s\nwant %s", opt, len(db), len(da), db[i], da[i])
				}
			}
			t.Fatalf("%+v: %d entries, want %d", opt, len(db), len(da))
		}
		// Again: everything is stored already.
		_, input = importInput()
		if n, err := sb.ImportEvents(ctx, feed(input, 1000), opt); err != nil || n != 0 {
			t.Fatalf("import again: %d, %v; want 0", n, err)
		}
	}
}

// TestImportEvents_Invalid checks that one bad event stores nothing, even
// when it comes after many batches' worth of good ones.
func TestImportEvents_Invalid(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpenStore(t)
	events := randomEvents(9, 500)
	events[450].Point = orb.Point{200, 0}
	_, err := s.ImportEvents(ctx, feed(events, 100), store.ImportOptions{Batch: 10, RunBytes: 1000})
	if got, want := geo.ErrorCode(err), geo.EINVALID; got != want {
		t.Fatalf("code %q (%v), want %q", got, err, want)
	}
	if n, _ := s.CountEvents(ctx); n != 0 {
		t.Fatalf("%d events stored, want 0", n)
	}
}

// TestImportEvents_Stopped checks that an import whose reading fails or
// whose context ends stores nothing and leaves no temporary files.
func TestImportEvents_Stopped(t *testing.T) {
	dir := t.TempDir()
	db := MustOpenDB(t, filepath.Join(dir, "geonews.db"))
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	events := randomEvents(10, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	failing := func() ([]*geo.Event, error) {
		if calls++; calls == 5 {
			return nil, errors.New("read failed")
		}
		return events[(calls-1)*100 : calls*100], nil
	}
	cancelling := func() ([]*geo.Event, error) {
		if calls++; calls == 5 {
			cancel()
		}
		return events[(calls-1)*100 : calls*100], nil
	}
	for name, next := range map[string]func() ([]*geo.Event, error){"read error": failing, "cancelled": cancelling} {
		calls = 0
		if _, err := s.ImportEvents(ctx, next, store.ImportOptions{Batch: 50, RunBytes: 5000}); err == nil {
			t.Fatalf("%s: no error", name)
		}
		if n, _ := s.CountEvents(context.Background()); n != 0 {
			t.Fatalf("%s: %d events stored, want 0", name, n)
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 {
			t.Fatalf("%s: %d files left in the DB's folder, want only the DB", name, len(files))
		}
	}
}
