package store

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// sampleEvents are events over a few cells and tags, some without tags.
func sampleEvents(n int) []*geo.Event {
	tags := [][]string{{"airstrike"}, {"protest", "aid"}, nil, {"aid"}}
	evs := make([]*geo.Event, n)
	for i := range evs {
		evs[i] = &geo.Event{ID: fmt.Sprintf("c%04d", i), Point: orb.Point{float64(i%40) - 20.5, float64(i%30) - 15.25},
			Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour), Tags: tags[i%len(tags)],
			Title: "check", Confidence: 1}
	}
	return evs
}

// checkedStore is a store holding events written both ways (an import and
// single writes, so that both block shapes are present).
func checkedStore(t *testing.T) (*Store, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	evs := sampleEvents(600)
	done := false
	if _, err := s.ImportEvents(context.Background(), func() ([]*geo.Event, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		return evs[:500], nil
	}, ImportOptions{Batch: 100}); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs[500:] {
		if _, err := s.CreateEvents(context.Background(), []*geo.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteEvent(context.Background(), "c0003"); err != nil {
		t.Fatal(err)
	}
	return s, db
}

// TestCheck: a store as written passes; each way of breaking it on purpose
// is found and named.
func TestCheck(t *testing.T) {
	s, _ := checkedStore(t)
	r, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Count != 0 || r.Events != 599 {
		t.Fatalf("a store as written: %d events, problems %q", r.Events, r.Problems)
	}
	ev := sampleEvents(600)[9] // tags protest, aid
	key := eventKey(ev.Time, ev.ID)
	del := func(bucket []byte, k []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			var w boltpack.Writer
			return w.Delete(tx.Bucket(bucket), [][]byte{k})
		}
	}
	put := func(bucket []byte, k, v []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			var w boltpack.Writer
			return w.Put(tx.Bucket(bucket), []boltpack.Entry{{Key: k, Value: v}})
		}
	}
	for _, tc := range []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		want    string
	}{
		{"ID entry removed", del(bucketIDs, []byte(ev.ID)), "missing from the ID index"},
		{"cell entry removed", del(bucketCells, append(cellPrefix(nil, geo.CellOf(ev.Point, 6)), key...)), "missing from the level-6 cell index"},
		{"covering entry removed", del(bucketCells, append(cellPrefix(nil, geo.CellOf(ev.Point, 10)), key...)), "missing from the level-10 cell index"},
		{"tag entry removed", del(bucketTags, append(tagPrefix(nil, "aid"), key...)), `missing from the index of tag "aid"`},
		{"stray tag entry", put(bucketTags, append(tagPrefix(nil, "aid"), eventKey(ev.Time, "ghost")...), encodePointE7(nil, ev.Point)),
			`entry for event "ghost"`},
		{"stray ID entry", put(bucketIDs, []byte("ghost"), appendTimeKey(nil, ev.Time)), `ID index has an entry for event "ghost"`},
		{"entry in a wrong cell", put(bucketCells, append(cellPrefix(nil, geo.CellOf(orb.Point{100, 10}, 6)), key...), encodePointE7(nil, ev.Point)),
			"the cell index has 1199 entries, the events make 1198"},
		{"event record removed", del(bucketEvents, key), `entry for event "c0009"`},
		{"duplicate ID", func(tx *bolt.Tx) error {
			return put(bucketEvents, eventKey(ev.Time.Add(time.Minute), ev.ID), encodeEvent(nil, ev))(tx)
		}, `event ID "c0009" is stored twice`},
		{"total wrong", func(tx *bolt.Tx) error { return tx.Bucket(bucketStats).Put([]byte(statTotal), encodeCount(7)) }, "the event count says 7"},
		{"tag count wrong", func(tx *bolt.Tx) error { return tx.Bucket(bucketStats).Put(tagStatKey("aid"), encodeCount(1)) }, `the tag count of "aid" says 1`},
		{"cell count wrong", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketStats).Put(cellStatKey(geo.CellOf(ev.Point, 4)), encodeCount(1000))
		}, "the cell count of 4/"},
		{"histogram wrong", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketStats).Put(setCellKey(geo.CellOf(ev.Point, 2)), []byte{0, 1})
		}, "tag-set (cell 2/"},
		{"type count wrong", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketStats).Put(typeCellKey(geo.CellOf(ev.Point, 6)), encodeTypeCounts(typeCounts{"": 5, "riot": 1}))
		}, `the type count of "riot" of z`},
		{"day count wrong", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketStats).Delete(typeDayKey(geo.CellOf(ev.Point, 8), dayOf(key)))
		}, `the type count of "" of y`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db := checkedStore(t)
			if err := db.Update(tc.corrupt); err != nil {
				t.Fatal(err)
			}
			r, err := s.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.Count == 0 {
				t.Fatal("no problem found")
			}
			if !strings.Contains(strings.Join(r.Problems, "\n"), tc.want) {
				t.Errorf("problems do not say %q:\n%s", tc.want, strings.Join(r.Problems, "\n"))
			}
		})
	}
}
