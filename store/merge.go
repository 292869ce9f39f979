package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// bucketMerged keeps the reports merged into another event, so that a
// split restores them: member ID → target ID, event key and record (see
// encodeMember). A member's ID is taken as stored, so re-ingesting its
// article stores nothing new.
var bucketMerged = []byte("events_merged")

// MergeEvents stores events as CreateEvents does, in one write
// transaction, except that an event which rule says reports the happening
// of an event stored before, or of one earlier in the batch, is added to
// that event's sources (geo.Event.AddReport) instead of being stored on
// its own. The candidates are found through the spatial and time indexes
// in rule.Window's box and span. Because the lookup and the write share
// the transaction, and bbolt has one writer at a time, two reports
// ingested at once still make one event. A merged report's Merge names the
// event it went into. It returns how many events it stored and how many
// reports it merged.
func (s *Store) MergeEvents(ctx context.Context, events []*geo.Event, rule geo.MergeRule) (created, merged int, err error) {
	sorted, err := prepare(events)
	if err != nil {
		return 0, 0, err
	}
	now := time.Now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		created, merged = 0, 0
		w := newWriter().bind(tx)
		members := tx.Bucket(bucketMerged)
		total := decodeCount(w.stats.Get([]byte(statTotal)))
		var fresh []*geo.Event             // stored by this call
		touched := map[string]*geo.Event{} // stored before, gaining sources
		var olds []*geo.Event              // touched ones as they were stored
		type member struct{ target, e *geo.Event }
		var absorbed []member
		err := eachNew(ctx, tx, sorted, now, func(e *geo.Event) error {
			target, m, err := findSame(ctx, tx, total, rule, e, fresh, touched)
			if err != nil {
				return err
			}
			if target != nil {
				stored := touched[target.ID] == nil && !slices.Contains(fresh, target)
				before := *target
				before.Sources = slices.Clone(target.Sources)
				if target.AddReport(e, m) {
					if stored {
						olds = append(olds, &before)
						touched[target.ID] = target
					}
					target.Updated = now
					e.Merge = &geo.Merge{Rule: m.Rule, Detail: m.Detail, Into: target.ID}
					absorbed = append(absorbed, member{target, e})
					merged++
					return nil
				}
			}
			fresh = append(fresh, e)
			created++
			return nil
		})
		if err != nil {
			return err
		}
		// Every lookup is done: now change the buckets.
		for _, old := range olds {
			if err := w.remove(old); err != nil {
				return err
			}
			w.put(touched[old.ID])
		}
		for _, e := range fresh {
			w.put(e)
		}
		for _, m := range absorbed {
			if err := members.Put([]byte(m.e.ID), encodeMember(m.target.ID, m.e)); err != nil {
				return err
			}
		}
		return w.flush()
	})
	if err != nil {
		return 0, 0, err
	}
	return created, merged, nil
}

// eachNew calls fn with each of sorted that is not stored, as an event or
// merged into one (bucketMerged), nor repeated, with Created and Updated
// set to now.
func eachNew(ctx context.Context, tx *bolt.Tx, sorted []*geo.Event, now time.Time, fn func(e *geo.Event) error) error {
	ids, members := tx.Bucket(bucketIDs), tx.Bucket(bucketMerged)
	seen := make(map[string]bool, len(sorted))
	for i, e := range sorted {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if seen[e.ID] || boltpack.Get(ids, []byte(e.ID)) != nil || members.Get([]byte(e.ID)) != nil {
			continue
		}
		seen[e.ID] = true
		e.Created, e.Updated = now, now
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// prepare validates events, gives those without an ID theirs and returns
// them in event key order, as CreateEvents writes them.
func prepare(events []*geo.Event) ([]*geo.Event, error) {
	for i, e := range events {
		if err := geo.ValidateEvent(e); err != nil {
			if len(events) == 1 {
				return nil, err
			}
			return nil, geo.Errorf(geo.ErrorCode(err), "event %d of %d: %s", i+1, len(events), geo.ErrorMessage(err))
		}
		if e.ID == "" {
			e.ID = geo.NewEventID(e)
		}
	}
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b *geo.Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return sorted, nil
}

// findSame returns the event whose happening e reports, by rule: one of
// fresh (stored by this transaction, not yet written) or one stored
// before, found through the indexes in the rule's window (touched holds
// those already given sources in this transaction). nil when none.
func findSame(ctx context.Context, tx *bolt.Tx, total int64, rule geo.MergeRule, e *geo.Event, fresh []*geo.Event, touched map[string]*geo.Event) (*geo.Event, *geo.Merge, error) {
	box, span, ok := rule.Window(e)
	if !ok {
		return nil, nil, nil
	}
	if f, m := geo.SameIn(rule, fresh, e); f != nil {
		return f, m, nil
	}
	if err := box.Validate(); err != nil {
		return nil, nil, err
	}
	q := &query{desc: true, bounds: box.Bounds(),
		lo: appendTimeKey(nil, clampTime(span.Start)), hi: appendTimeKey(nil, clampTime(span.End).Add(time.Nanosecond))}
	q.skip = func(rec []byte) bool {
		_, n, ok := recordBody(rec)
		return ok && n >= geo.MaxSources
	}
	q.plan(tx, 16, total)
	var found *geo.Event
	var merge *geo.Merge
	err := q.run(ctx, tx, true, func(_ []byte, c *geo.Event) bool {
		if t := touched[c.ID]; t != nil {
			c = t
		}
		if len(c.Sources) >= geo.MaxSources {
			return true
		}
		if m, ok := rule.Same(c, e); ok {
			found, merge = c, m
			return false
		}
		return true
	})
	return found, merge, err
}

// SplitEvent undoes the merges of the event with the given ID: it becomes
// the report of its first source again, and every other report is stored
// as the event it was before it merged. It returns the events, the split
// one first; an ENOTFOUND error when no such event is stored, an EINVALID
// one when it lists one source.
func (s *Store) SplitEvent(ctx context.Context, id string) ([]*geo.Event, error) {
	var out []*geo.Event
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = nil
		k, rec := lookup(tx, id)
		if k == nil {
			return notFound(id)
		}
		old, err := decodeEvent(k, rec)
		if err != nil {
			return err
		}
		if len(old.Sources) < 2 {
			return geo.Errorf(geo.EINVALID, "event %q was reported by one article: there is nothing to split", id)
		}
		members := tx.Bucket(bucketMerged)
		w := newWriter().bind(tx)
		var restored []*geo.Event
		for _, src := range old.Sources[1:] {
			v := members.Get([]byte(src.Event))
			if v == nil {
				continue // its report was deleted with a former target
			}
			target, e, err := decodeMember(v)
			if err != nil {
				return err
			}
			if target != id {
				continue
			}
			if err := members.Delete([]byte(src.Event)); err != nil {
				return err
			}
			if boltpack.Get(w.ids, []byte(e.ID)) != nil {
				continue // stored again since, by an import
			}
			e.Updated = time.Now().UTC()
			restored = append(restored, e)
		}
		if err := w.remove(old); err != nil {
			return err
		}
		split := *old
		split.Unmerge()
		split.Updated = time.Now().UTC()
		w.put(&split)
		for _, e := range restored {
			w.put(e)
		}
		out = append([]*geo.Event{&split}, restored...)
		return w.flush()
	})
	return out, err
}

// deleteMembers removes the stored reports merged into e, which go with it.
func deleteMembers(tx *bolt.Tx, e *geo.Event) error {
	members := tx.Bucket(bucketMerged)
	for _, src := range e.Sources {
		if src.Event == "" || src.Event == e.ID {
			continue
		}
		if v := members.Get([]byte(src.Event)); v != nil {
			if target, _, err := decodeMember(v); err == nil && target == e.ID {
				if err := members.Delete([]byte(src.Event)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// encodeMember is the value of a merged report: uvarint-prefixed target
// ID and event key, then the event's record.
func encodeMember(target string, e *geo.Event) []byte {
	v := appendString(nil, target)
	v = appendString(v, string(eventKey(e.Time, e.ID)))
	return encodeEvent(v, e)
}

// decodeMember decodes a value of encodeMember, copying what it keeps.
func decodeMember(v []byte) (target string, e *geo.Event, err error) {
	r := viewReader{b: v}
	t := r.string()
	key := []byte(r.string())
	if r.err {
		return "", nil, errCorrupt
	}
	e, err = decodeEvent(key, r.b)
	return strings.Clone(t), e, err
}

// checkMembers is Check's part for the reports kept merged into events.
func checkMembers(ctx context.Context, r *CheckReport, tx *bolt.Tx) error {
	members, ids := tx.Bucket(bucketMerged), tx.Bucket(bucketIDs)
	if members == nil {
		return nil // a store from before merges
	}
	c := members.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		target, e, err := decodeMember(v)
		if err != nil || e.ID != string(k) {
			r.addf("merged report %q does not decode: %v", k, err)
			continue
		}
		if boltpack.Get(ids, k) != nil {
			r.addf("merged report %q is an event of its own too", k)
		}
		tk, rec := lookup(tx, target)
		if tk == nil {
			r.addf("merged report %q names event %q, which is not stored", k, target)
			continue
		}
		t, err := decodeEvent(tk, rec)
		if err != nil {
			continue // checkEvents said so
		}
		if !slices.ContainsFunc(t.Sources, func(s geo.Source) bool { return s.Event == e.ID }) {
			r.addf("event %q does not list its merged report %q among its sources", target, k)
		}
	}
	return nil
}
