// Package store is the bbolt event store: events, their space, time and tag
// indexes, paging and backup. It shares the one DB file with the gazetteer
// and owns only the buckets whose names start with "events".
package store

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/geonews/geonews/internal/tempfile"
	bolt "go.etcd.io/bbolt"
)

// Bucket names. Every index is persistent and maintained in the transaction
// that writes the event, so Open never rebuilds anything.
var (
	bucketEvents = []byte("events")       // event key (time key + ID) → record
	bucketIDs    = []byte("events_id")    // ID → time key
	bucketCells  = []byte("events_cell")  // level + cell ID + event key → point E7 or record (covering levels)
	bucketTags   = []byte("events_tag")   // tag + NUL + event key → point E7
	bucketStats  = []byte("events_stats") // counts: total, per cell, per tag, per cell per tag set
)

var allBuckets = [][]byte{bucketEvents, bucketIDs, bucketCells, bucketTags, bucketStats, bucketMerged}

// indexLevels are the cell levels of the spatial index. Two levels because
// one cannot serve both ends: at level 10 (0.35° × 0.18°) a city box covers
// 1-4 cells that hold little else, at level 6 (5.6° × 2.8°) a country box
// covers ~15 cells instead of ~1600. Bigger boxes walk the time order.
var indexLevels = []int{6, 10}

// coveringLevel reports whether the cell index at level holds whole records
// (a covering index) rather than points. A query through it then reads
// records in cell order without a random Get per match into the events
// bucket, which is most of the cost of a city or region query; the price is
// a second copy of each record (~130 bytes).
func coveringLevel(level int) bool { return level == 10 }

// statLevels are the levels whose per-cell counts are kept; the planner
// reads them to estimate how many events a box holds, and clustering by
// zoom (issue 6) can read them as aggregates.
var statLevels = []int{2, 4, 6, 8, 10}

// Store keeps events in a bbolt DB. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// Open returns a store on db, creating its buckets in one transaction if db
// is writable. Its cost does not depend on how many events are stored.
func Open(db *bolt.DB) (*Store, error) {
	s := &Store{db: db}
	if db.IsReadOnly() {
		return s, nil // reads treat missing buckets as empty
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		// An empty store's tag-set histograms cover every event from now
		// on; a store filled before they existed goes without them.
		stats := tx.Bucket(bucketStats)
		if stats.Get([]byte(statSetsAll)) == nil && decodeCount(stats.Get([]byte(statTotal))) == 0 {
			if err := stats.Put([]byte(statSetsAll), encodeCount(1)); err != nil {
				return err
			}
		}
		// The type aggregates are built once for a store filled before
		// they existed or in an older layout (one pass over the records).
		if !typesReady(stats) {
			return buildTypeCounts(tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CountEvents returns how many events are stored, from a maintained counter.
func (s *Store) CountEvents(ctx context.Context) (int, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketStats); b != nil {
			n = decodeCount(b.Get([]byte(statTotal)))
		}
		return nil
	})
	return int(n), err
}

// EventExtent returns the box and time span of the stored events, read in
// O(1) for the collection's extent: the span from the first and last keys
// of the time-ordered events bucket, the box from a maintained bound. The
// box never shrinks when events are deleted or moved, so it may be larger
// than needed, never smaller. ok is false when no event is stored.
func (s *Store) EventExtent(ctx context.Context) (bbox geo.BBox, iv geo.Interval, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		events, stats := tx.Bucket(bucketEvents), tx.Bucket(bucketStats)
		if events == nil || stats == nil {
			return nil
		}
		c := boltpack.NewCursor(events)
		first, _ := c.First()
		last, _ := c.Last()
		ext, found := decodeExtent(stats.Get([]byte(statExtent)))
		if first == nil || !found {
			return nil
		}
		t0, _, err := splitEventKey(first)
		if err != nil {
			return err
		}
		t1, _, err := splitEventKey(last)
		if err != nil {
			return err
		}
		bbox = geo.BBox{West: ext.Min[0], South: ext.Min[1], East: ext.Max[0], North: ext.Max[1]}
		iv, ok = geo.Interval{Start: t0, End: t1}, true
		return nil
	})
	return bbox, iv, ok, err
}

// Backup writes a consistent copy of the whole DB file (the gazetteer's
// buckets too) to w from one read transaction, so writers carry on while it
// runs. It returns the number of bytes written. The transaction lasts as
// long as w takes: for a writer slower than the disk, use Snapshot.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		return err
	})
	return n, err
}

// Snapshot copies the whole DB file at disk speed into a temporary file
// beside it and returns the copy, open at its start, with its size. The
// read transaction ends before Snapshot returns: while one is open bbolt
// cannot reuse the pages writers free, so a backup streamed at a slow
// client's pace from the transaction itself made the file grow by the
// writes' every page (192 MB to 1 GB in 40 s at 100 KB/s, issue 15). The
// copy is unlinked at once where the system allows, so a crash leaves
// nothing behind (see package tempfile).
func (s *Store) Snapshot(ctx context.Context) (io.ReadCloser, int64, error) {
	f, err := tempfile.Create(filepath.Dir(s.db.Path()), "backup")
	if err != nil {
		return nil, 0, fmt.Errorf("snapshot: %w", err)
	}
	var n int64
	err = s.db.View(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(ctxWriter{ctx, f})
		return err
	})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("snapshot: %w", err)
	}
	return f, n, nil
}

// ctxWriter stops a long backup when its context ends (a client hung up).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// notFound is the error for a missing event.
func notFound(id string) error { return geo.Errorf(geo.ENOTFOUND, "event %q not found", id) }

// The store implements geo's event store contract and these capabilities;
// without the checks a drifted signature would make callers fall back
// without a word.
var (
	_ geo.EventStore           = (*Store)(nil)
	_ geo.EventFeatureAppender = (*Store)(nil)
	_ geo.EventExtenter        = (*Store)(nil)
	_ geo.EventCounter         = (*Store)(nil)
	_ geo.EventClusterer       = (*Store)(nil)
	_ geo.EventSnapshotter     = (*Store)(nil)
	_ geo.EventTimeliner       = (*Store)(nil)
)
