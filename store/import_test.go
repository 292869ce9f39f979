package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
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

// diffBuckets returns "" if the stores in got and want hold the same
// entries (store.DumpBuckets) but those ignore picks, else how they differ.
func diffBuckets(tb testing.TB, got, want *bolt.DB, ignore func(line string) bool) string {
	tb.Helper()
	g, err := store.DumpBuckets(got)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := store.DumpBuckets(want)
	if err != nil {
		tb.Fatal(err)
	}
	if ignore != nil {
		g, w = slices.DeleteFunc(g, ignore), slices.DeleteFunc(w, ignore)
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("%d entries, want %d; first difference:\n got %.300s\nwant %.300s", len(g), len(w), g[i], w[i])
		}
	}
	if len(g) != len(w) {
		return fmt.Sprintf("%d entries, want %d", len(g), len(w))
	}
	return ""
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
		if diff := diffBuckets(t, dbb, dba, nil); diff != "" {
			t.Fatalf("%+v: %s", opt, diff)
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

// TestImportEvents_ThenEdit edits events a bulk import packed into blocks
// (updates that move them in time and space, deletes) and checks that the
// store then holds exactly what storing the final events one by one does.
func TestImportEvents_ThenEdit(t *testing.T) {
	ctx := context.Background()
	events := randomEvents(11, 4000)
	sa, dba := MustOpenStore(t)
	if _, err := sa.ImportEvents(ctx, feed(events, 500), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var final []*geo.Event
	for i, e := range randomEvents(11, 4000) {
		switch i % 7 {
		case 0:
			if err := sa.DeleteEvent(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			continue
		case 1, 2:
			e.Time = e.Time.Add(time.Duration(i) * time.Minute)
			e.Point = orb.Point{e.Point[1] / 2, e.Point[0] / 4}
			e.Tags = e.Tags[:len(e.Tags)/2]
			if err := sa.UpdateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		final = append(final, e)
	}

	sb, dbb := MustOpenStore(t)
	for _, e := range final {
		if _, err := sb.CreateEvents(ctx, []*geo.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	// Tag sets are numbered in the order they are first seen, which
	// differs (the histograms are compared through clusters below), and
	// the stored extent never shrinks (EventExtent).
	numbered := func(line string) bool {
		for _, p := range []string{"53", "73", "68", "4e ", "78 "} {
			if strings.HasPrefix(line, "events_stats "+p) {
				return true
			}
		}
		return false
	}
	if diff := diffBuckets(t, dba, dbb, numbered); diff != "" {
		t.Fatalf("edited import against one by one: %s", diff)
	}
	for _, tags := range [][]string{{"airstrike"}, {"protest", "flood"}} {
		f := geo.EventFilter{Tags: tags}
		ca, na, err := sa.Clusters(ctx, f, 4)
		if err != nil {
			t.Fatal(err)
		}
		cb, nb, err := sb.Clusters(ctx, f, 4)
		if err != nil {
			t.Fatal(err)
		}
		if na != nb || len(ca) != len(cb) || na == 0 {
			t.Fatalf("clusters with tags %v: %d events in %d clusters, one by one %d in %d", tags, na, len(ca), nb, len(cb))
		}
	}
	for _, e := range final[:50] {
		got, err := sa.Event(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Time.Equal(e.Time) || got.Point != e.Point {
			t.Fatalf("event %s: %v %v, want %v %v", e.ID, got.Time, got.Point, e.Time, e.Point)
		}
	}
}

// TestImportEvents_RunsUnlinked: the runs an import spills have no name
// while it reads (so a killed import leaves none), yet they are read back.
func TestImportEvents_RunsUnlinked(t *testing.T) {
	dir := t.TempDir()
	db := MustOpenDB(t, filepath.Join(dir, "geonews.db"))
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	events := randomEvents(11, 2000)
	calls := 0
	next := func() ([]*geo.Event, error) {
		if calls*100 >= len(events) {
			return nil, io.EOF
		}
		if calls > 2 { // runs of 5,000 bytes have been spilled by now
			if files, _ := os.ReadDir(dir); len(files) != 1 {
				t.Errorf("after %d events, %d files in the DB's folder, want only the DB", calls*100, len(files))
			}
		}
		calls++
		return events[(calls-1)*100 : calls*100], nil
	}
	n, err := s.ImportEvents(context.Background(), next, store.ImportOptions{Batch: 50, RunBytes: 5000})
	if err != nil || n != len(events) {
		t.Fatalf("imported %d, %v; want %d", n, err, len(events))
	}
}
