package postgis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/jackc/pgx/v5"
)

// mergeLock is the transaction lock under which merges and splits run, one
// at a time across every node ("geonmerg"): the lookup of a happening's
// stored reports and the write of a new one must not interleave with
// another node's, or two reports ingested at once would make two events.
const mergeLock = 0x67656f6e6d657267

// MergeEvents stores events as CreateEvents does, in one transaction,
// except that an event which rule says reports the happening of an event
// stored before, or of one earlier in the batch, is added to that event's
// sources (geo.Event.AddReport) instead of being stored on its own, and
// kept in geonews_event_members for a split. Candidates are the events in
// rule.Window's box and span. It returns how many events it stored and how
// many reports it merged (the bbolt store's rule, on PostgreSQL).
func (s *Store) MergeEvents(ctx context.Context, events []*geo.Event, rule geo.MergeRule) (created, merged int, err error) {
	if err := prepare(events); err != nil {
		return 0, 0, err
	}
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b *geo.Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(sorted))
	for i, e := range sorted {
		ids[i] = e.ID
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		created, merged = 0, 0
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(mergeLock)); err != nil {
			return err
		}
		stored, err := storedIDs(ctx, tx, ids)
		if err != nil {
			return err
		}
		var fresh []*geo.Event             // stored by this call
		touched := map[string]*geo.Event{} // stored before, gaining sources
		type member struct{ target, e *geo.Event }
		var absorbed []member
		for _, e := range sorted {
			if stored[e.ID] {
				continue
			}
			stored[e.ID] = true // once per batch
			e.Created, e.Updated = now, now
			target, m, err := findSame(ctx, tx, rule, e, fresh, touched)
			if err != nil {
				return err
			}
			if target != nil {
				before := touched[target.ID] == nil && !slices.Contains(fresh, target)
				if target.AddReport(e, m) {
					if before {
						touched[target.ID] = target
					}
					target.Updated = now
					e.Merge = &geo.Merge{Rule: m.Rule, Detail: m.Detail, Into: target.ID}
					absorbed = append(absorbed, member{target, e})
					merged++
					continue
				}
			}
			fresh = append(fresh, e)
			created++
		}
		for _, t := range touched {
			if err := updateRow(ctx, tx, t); err != nil {
				return err
			}
		}
		for _, e := range fresh {
			if err := insertRow(ctx, tx, e); err != nil {
				return err
			}
		}
		for _, m := range absorbed {
			kept := *m.e // as it was before it merged
			kept.Merge = nil
			buf := geo.AppendFeature(nil, &kept)
			if _, err := tx.Exec(ctx, `INSERT INTO geonews_event_members (id, target, created, feature) VALUES ($1, $2, $3, $4)`,
				m.e.ID, m.target.ID, m.e.Created, string(buf)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, dbError(err)
	}
	return created, merged, nil
}

// storedIDs returns which of ids are stored, as events or as reports
// merged into one.
func storedIDs(ctx context.Context, tx pgx.Tx, ids []string) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM geonews_events WHERE id = ANY($1)
		UNION ALL SELECT id FROM geonews_event_members WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// findSame returns the event whose happening e reports, by rule: one of
// fresh (this call's, not yet written) or one stored before, newest first,
// in the rule's window (touched holds those already given sources by this
// call). nil when none.
func findSame(ctx context.Context, tx pgx.Tx, rule geo.MergeRule, e *geo.Event, fresh []*geo.Event, touched map[string]*geo.Event) (*geo.Event, *geo.Merge, error) {
	box, span, ok := rule.Window(e)
	if !ok {
		return nil, nil, nil
	}
	if f, m := geo.SameIn(rule, fresh, e); f != nil {
		return f, m, nil
	}
	w, err := compile(geo.EventFilter{BBox: &box, Interval: span})
	if err != nil {
		return nil, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT feature, created, updated FROM geonews_events WHERE `+w.sql()+` ORDER BY time DESC, id DESC`, w.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var feature string
		var created, updated time.Time
		if err := rows.Scan(&feature, &created, &updated); err != nil {
			return nil, nil, err
		}
		c, err := decode(feature, created, updated)
		if err != nil {
			return nil, nil, err
		}
		if t := touched[c.ID]; t != nil {
			c = t
		}
		if len(c.Sources) >= geo.MaxSources {
			continue
		}
		if m, ok := rule.Same(c, e); ok {
			return c, m, nil
		}
	}
	return nil, nil, rows.Err()
}

// SplitEvent undoes the merges of the event with the given ID: it becomes
// the report of its first source again, and every other report is stored
// as the event it was before it merged. It returns the events, the split
// one first; an ENOTFOUND error when no such event is stored, an EINVALID
// one when it lists one source.
func (s *Store) SplitEvent(ctx context.Context, id string) ([]*geo.Event, error) {
	var out []*geo.Event
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(mergeLock)); err != nil {
			return err
		}
		var feature string
		var created, updated time.Time
		err := tx.QueryRow(ctx, `SELECT feature, created, updated FROM geonews_events WHERE id = $1`, id).Scan(&feature, &created, &updated)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(id)
		} else if err != nil {
			return err
		}
		old, err := decode(feature, created, updated)
		if err != nil {
			return err
		}
		if len(old.Sources) < 2 {
			return geo.Errorf(geo.EINVALID, "event %q was reported by one article: there is nothing to split", id)
		}
		var restored []*geo.Event
		for _, src := range old.Sources[1:] {
			var mf string
			var mc time.Time
			err := tx.QueryRow(ctx, `DELETE FROM geonews_event_members WHERE id = $1 AND target = $2 RETURNING feature, created`,
				src.Event, id).Scan(&mf, &mc)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // its report was deleted with a former target
			} else if err != nil {
				return err
			}
			var again bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM geonews_events WHERE id = $1)`, src.Event).Scan(&again); err != nil {
				return err
			}
			if again {
				continue // stored again since, by an import
			}
			e, err := decode(mf, mc, now)
			if err != nil {
				return err
			}
			restored = append(restored, e)
		}
		split := *old
		split.Unmerge()
		split.Updated = now
		if err := updateRow(ctx, tx, &split); err != nil {
			return err
		}
		for _, e := range restored {
			if err := insertRow(ctx, tx, e); err != nil {
				return err
			}
		}
		out = append([]*geo.Event{&split}, restored...)
		return nil
	})
	if err != nil {
		return nil, dbError(err)
	}
	return out, nil
}

// insertRow stores one event with its own Created and Updated times.
func insertRow(ctx context.Context, tx pgx.Tx, e *geo.Event) error {
	r, _ := newRow(e, nil)
	_, err := tx.Exec(ctx, `INSERT INTO geonews_events (id, time, geom, cx, cy, tags, title, place, created, updated, feature, type)
		VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.id, r.time, r.lon, r.lat, r.cx, r.cy, r.tags, r.title, r.place, e.Created, e.Updated, r.feature, r.typ)
	return err
}

// updateRow rewrites a stored event's columns, with its Updated time.
func updateRow(ctx context.Context, tx pgx.Tx, e *geo.Event) error {
	r, _ := newRow(e, nil)
	_, err := tx.Exec(ctx, `UPDATE geonews_events SET time = $2, geom = ST_SetSRID(ST_MakePoint($3, $4), 4326), cx = $5, cy = $6,
		tags = $7, title = $8, place = $9, feature = $10, updated = $11, type = $12 WHERE id = $1`,
		r.id, r.time, r.lon, r.lat, r.cx, r.cy, r.tags, r.title, r.place, r.feature, e.Updated, r.typ)
	return err
}
