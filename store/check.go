package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// maxProblems is how many problems Check describes; it counts them all.
const maxProblems = 50

// CheckReport is what Check found.
type CheckReport struct {
	Events   int      // events stored
	Entries  int      // index entries read
	Problems []string // the first maxProblems, in words
	Count    int      // problems found, described or not
}

func (r *CheckReport) addf(format string, args ...any) {
	r.Count++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Check reads the whole store in one read transaction and reports where it
// breaks its own rules, for `geonews check` after a crash:
//   - every event decodes, and its ID is stored once (the ID index points at
//     this event's key, not another time's);
//   - every event is in every index it belongs to, with the right value
//     (the ID, both cell levels, each of its tags);
//   - every index entry points at a stored event;
//   - the counters (total, per cell at every level, per tag, and the tag-set
//     histograms where the store keeps them for every event) equal what the
//     events add up to;
//   - every report kept merged into an event decodes, is not an event of
//     its own, and its event lists it among its sources (checkMembers).
//
// It does not run bbolt's own check (tx.Check); the caller does, as it
// covers the whole file.
func (s *Store) Check(ctx context.Context) (*CheckReport, error) {
	r := &CheckReport{}
	err := s.db.View(func(tx *bolt.Tx) error {
		events, ids, cells, tags, stats := tx.Bucket(bucketEvents), tx.Bucket(bucketIDs), tx.Bucket(bucketCells), tx.Bucket(bucketTags), tx.Bucket(bucketStats)
		if events == nil || ids == nil || cells == nil || tags == nil || stats == nil {
			if events == nil && ids == nil && cells == nil && tags == nil && stats == nil {
				return nil // no store in this file yet
			}
			r.addf("some of the event buckets are missing")
			return nil
		}
		want := newCounts()
		if err := checkEvents(ctx, r, want, events, ids, cells, tags); err != nil {
			return err
		}
		for _, ix := range []struct {
			name string
			b    *bolt.Bucket
			key  func(k []byte) ([]byte, bool) // the event key in an entry's key
			want int64                         // entries the events make
		}{
			{"ID", ids, nil, want.total},
			{"cell", cells, func(k []byte) ([]byte, bool) {
				return k[min(len(k), cellPrefixLen):], len(k) > cellPrefixLen+timeKeyLen
			},
				want.total * int64(len(indexLevels))},
			{"tag", tags, func(k []byte) ([]byte, bool) {
				i := bytes.IndexByte(k, 0)
				return k[i+1:], i > 0 && len(k) > i+1+timeKeyLen
			}, want.tagged},
		} {
			n, err := checkDangling(ctx, r, ix.name, ix.b, events, ix.key)
			if err != nil {
				return err
			}
			// Every event has its entries (checkEvents), so more entries
			// than it makes are strays, such as an event's in a wrong cell.
			if n != ix.want {
				r.addf("the %s index has %d entries, the events make %d", ix.name, n, ix.want)
			}
		}
		checkCounts(r, want, stats)
		return checkMembers(ctx, r, tx)
	})
	return r, err
}

// counts are the counters the events add up to.
type counts struct {
	total  int64
	tagged int64 // tags of all events: the tag index's entries
	cells  map[geo.Cell]int64
	tags   map[string]int64
	sets   map[geo.Cell]map[string]int64 // set-level cell → tag set → events
	types  map[string]int64              // type aggregate key + NUL + type → events
}

func newCounts() *counts {
	return &counts{cells: map[geo.Cell]int64{}, tags: map[string]int64{}, sets: map[geo.Cell]map[string]int64{}, types: map[string]int64{}}
}

// checkEvents reads every event and looks it up in every index.
func checkEvents(ctx context.Context, r *CheckReport, want *counts, events, ids, cells, tags *bolt.Bucket) error {
	c := boltpack.NewCursor(events)
	var pv, key []byte
	for k, rec := c.First(); k != nil; k, rec = c.Next() {
		if r.Events%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		r.Events++
		e, err := decodeEvent(k, rec)
		if err != nil {
			r.addf("event record %x does not decode: %v", k, err)
			continue
		}
		if tk := boltpack.Get(ids, []byte(e.ID)); tk == nil {
			r.addf("event %q (%s) is missing from the ID index", e.ID, e.Time.Format("2006-01-02T15:04:05Z"))
		} else if !bytes.Equal(tk, k[:timeKeyLen]) {
			r.addf("event ID %q is stored twice, or its ID index entry points at another time", e.ID)
		}
		pv = encodePointE7(pv[:0], e.Point)
		for _, l := range indexLevels {
			key = append(cellPrefix(key[:0], geo.CellOf(e.Point, l)), k...)
			wantV := pv
			if coveringLevel(l) {
				wantV = rec
			}
			if v := boltpack.Get(cells, key); v == nil {
				r.addf("event %q is missing from the level-%d cell index", e.ID, l)
			} else if !bytes.Equal(v, wantV) {
				r.addf("event %q has a wrong value in the level-%d cell index", e.ID, l)
			}
		}
		for _, t := range e.Tags {
			key = append(tagPrefix(key[:0], t), k...)
			if v := boltpack.Get(tags, key); v == nil {
				r.addf("event %q is missing from the index of tag %q", e.ID, t)
			} else if !bytes.Equal(v, pv) {
				r.addf("event %q has a wrong point in the index of tag %q", e.ID, t)
			}
		}
		want.total++
		for _, l := range statLevels {
			want.cells[geo.CellOf(e.Point, l)]++
		}
		for _, t := range e.Tags {
			want.tags[t]++
		}
		want.tagged += int64(len(e.Tags))
		for _, l := range typeLevels {
			want.types[string(typeCellKey(geo.CellOf(e.Point, l)))+"\x00"+e.Type]++
		}
		for _, l := range dayLevels {
			want.types[string(dayCountKey(typeCellKey(geo.CellOf(e.Point, l)), dayOf(k)))+"\x00"+e.Type]++
		}
		if len(e.Tags) > 0 {
			set := string(appendTagSet(nil, e.Tags))
			for _, l := range setLevels {
				cell := geo.CellOf(e.Point, l)
				if want.sets[cell] == nil {
					want.sets[cell] = map[string]int64{}
				}
				want.sets[cell][set]++
			}
		}
	}
	if err := c.Err(); err != nil {
		r.addf("the events bucket has a block that does not decode: %v", err)
	}
	return nil
}

// checkDangling reports index entries whose event is not stored. eventKey
// returns the event key an entry's key ends with (nil for the ID index,
// whose key is the ID and whose value the time key).
func checkDangling(ctx context.Context, r *CheckReport, name string, b, events *bolt.Bucket, eventKey func([]byte) ([]byte, bool)) (n int64, err error) {
	c := boltpack.NewCursor(b)
	var buf []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if r.Entries%4096 == 0 && ctx.Err() != nil {
			return n, ctx.Err()
		}
		r.Entries++
		n++
		var ek []byte
		if eventKey == nil {
			if len(v) != timeKeyLen {
				r.addf("the ID index entry of %q has a value of %d bytes, not a time key", k, len(v))
				continue
			}
			buf = append(append(buf[:0], v...), k...)
			ek = buf
		} else {
			var ok bool
			if ek, ok = eventKey(k); !ok {
				r.addf("the %s index has a malformed key %x", name, k)
				continue
			}
		}
		if boltpack.Get(events, ek) == nil {
			t, id, _ := splitEventKey(ek)
			r.addf("the %s index has an entry for event %q at %s, which is not stored", name, id, t.Format("2006-01-02T15:04:05Z"))
		}
	}
	if err := c.Err(); err != nil {
		r.addf("the %s index has a block that does not decode: %v", name, err)
	}
	return n, nil
}

// checkCounts compares the stored counters with what the events add up to.
func checkCounts(r *CheckReport, want *counts, stats *bolt.Bucket) {
	if got := decodeCount(stats.Get([]byte(statTotal))); got != want.total {
		r.addf("the event count says %d, the events are %d", got, want.total)
	}
	gotCells, gotTags := map[geo.Cell]int64{}, map[string]int64{}
	hists := map[geo.Cell]histogram{}
	setNames := map[uint32]string{}
	c := stats.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		switch {
		case len(k) == 1+cellPrefixLen && k[0] == statCell:
			gotCells[geo.Cell{Level: int(k[1]), ID: binary.BigEndian.Uint32(k[2:])}] = decodeCount(v)
		case len(k) > 1 && k[0] == statTag:
			gotTags[string(k[1:])] = decodeCount(v)
		case len(k) == 1+cellPrefixLen && k[0] == statSetCell:
			h := histogram{}
			if err := decodeHistogram(v, h); err != nil {
				r.addf("a tag-set histogram does not decode")
				continue
			}
			hists[geo.Cell{Level: int(k[1]), ID: binary.BigEndian.Uint32(k[2:])}] = h
		case len(k) == 5 && k[0] == statSetName:
			setNames[binary.BigEndian.Uint32(k[1:])] = string(v)
		}
	}
	compareCounts(r, "cell", gotCells, want.cells, func(c geo.Cell) string { return fmt.Sprintf("%d/%d", c.Level, c.ID) })
	if typesReady(stats) { // an older layout is rebuilt at the next read-write open
		gotTypes := map[string]int64{}
		c := stats.Cursor()
		for k, v := c.Seek([]byte{statTypeDay}); k != nil && k[0] == statTypeDay; k, v = c.Next() {
			err := eachDayTypeCount(k, v, func(day uint32, t []byte, n int64) {
				gotTypes[string(dayCountKey(k[:6], day))+"\x00"+string(t)] += n
			})
			if err != nil {
				r.addf("a per-day type aggregate does not decode")
			}
		}
		for k, v := c.Seek([]byte{statTypeCell}); k != nil && k[0] == statTypeCell; k, v = c.Next() {
			if err := eachTypeCount(v, func(t []byte, n int64) { gotTypes[string(k)+"\x00"+string(t)] += n }); err != nil {
				r.addf("a type aggregate does not decode")
			}
		}
		compareCounts(r, "type", gotTypes, want.types, func(k string) string {
			i := strings.LastIndexByte(k, 0) // types hold no NUL; keys may
			return fmt.Sprintf("%q of %c %x", k[i+1:], k[0], k[1:i])
		})
	}
	compareCounts(r, "tag", gotTags, want.tags, func(t string) string { return fmt.Sprintf("%q", t) })
	if stats.Get([]byte(statSetsAll)) == nil {
		return // histograms cover only the events stored since they exist
	}
	got := map[geo.Cell]map[string]int64{}
	for cell, h := range hists {
		got[cell] = map[string]int64{}
		for id, n := range h {
			name, ok := setNames[id]
			if !ok {
				r.addf("the tag-set histogram of cell %d/%d counts set %d, which has no name", cell.Level, cell.ID, id)
				continue
			}
			got[cell][name] += n
		}
	}
	for cell := range got {
		if want.sets[cell] == nil {
			want.sets[cell] = map[string]int64{}
		}
	}
	for cell, sets := range want.sets {
		compareCounts(r, fmt.Sprintf("tag-set (cell %d/%d)", cell.Level, cell.ID), got[cell], sets, func(s string) string {
			return fmt.Sprintf("%q", bytes.ReplaceAll([]byte(s), []byte{0}, []byte{','}))
		})
	}
}

// dayCountKey names the per-day counts of one day of a cell (the prefix of
// its 'z' or 'y' key: kind, level, cell ID) in check's reports.
func dayCountKey(cellKey []byte, day uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte{statTypeDay}, cellKey[1:6]...), day)
}

// compareCounts reports each key whose stored count differs from the
// events' (a missing count is zero).
func compareCounts[K comparable](r *CheckReport, what string, got, want map[K]int64, name func(K) string) {
	var bad []string
	for k, n := range want {
		if got[k] != n {
			bad = append(bad, fmt.Sprintf("the %s count of %s says %d, the events are %d", what, name(k), got[k], n))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok && n != 0 {
			bad = append(bad, fmt.Sprintf("the %s count of %s says %d, the events are 0", what, name(k), n))
		}
	}
	slices.Sort(bad) // a stable report
	for _, b := range bad {
		r.addf("%s", b)
	}
}
