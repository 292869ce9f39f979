package placesync

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// correctionsChannel is the NOTIFY channel of correction rules; its payload
// is the rule's ID.
const correctionsChannel = "geonews_corrections"

// correctionColumns are the columns scanCorrection reads, in order.
const correctionColumns = `id, action, name, country, place_id, event_id, url, from_place_id, created, before, after_ns`

// ruleSet is a node's copy of the correction rules, by name key
// (gazetteer.Normalize), oldest (lowest ID) first, as the bbolt gazetteer
// keeps them: the geoparser pays one map lookup per name.
type ruleSet struct {
	mu    sync.RWMutex
	byKey map[string][]*gazetteer.Correction
}

// put adds or replaces rule c; remove takes rule id out. Both keep a key's
// list in ID order, so that the newest rule is the last.
func (cs *ruleSet) put(c *gazetteer.Correction) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.removeLocked(c.ID)
	if cs.byKey == nil {
		cs.byKey = map[string][]*gazetteer.Correction{}
	}
	k := c.Key()
	l := slices.Clone(cs.byKey[k])
	i, _ := slices.BinarySearchFunc(l, c.ID, func(x *gazetteer.Correction, id int64) int { return cmp.Compare(x.ID, id) })
	cs.byKey[k] = slices.Insert(l, i, c)
}

func (cs *ruleSet) remove(id int64) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.removeLocked(id)
}

// removeLocked looks through every key: a rule's name never changes, but
// the node may not know it (a notified deletion).
func (cs *ruleSet) removeLocked(id int64) {
	for k, l := range cs.byKey {
		if i := slices.IndexFunc(l, func(x *gazetteer.Correction) bool { return x.ID == id }); i >= 0 {
			if len(l) == 1 {
				delete(cs.byKey, k)
			} else {
				cs.byKey[k] = slices.Delete(slices.Clone(l), i, i+1)
			}
			return
		}
	}
}

// replace puts a whole replay in place of what the node had.
func (cs *ruleSet) replace(all []*gazetteer.Correction) {
	m := map[string][]*gazetteer.Correction{}
	for _, c := range all { // in ID order
		m[c.Key()] = append(m[c.Key()], c)
	}
	cs.mu.Lock()
	cs.byKey = m
	cs.mu.Unlock()
}

// newest returns the newest rule of name for country.
func (cs *ruleSet) newest(name, country string) (*gazetteer.Correction, bool) {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	if len(cs.byKey) == 0 || country == "" {
		return nil, false
	}
	l := cs.byKey[gazetteer.Normalize(name)]
	for i := len(l) - 1; i >= 0; i-- {
		if l[i].Country == country {
			return l[i], true
		}
	}
	return nil, false
}

// scanCorrection reads one row of correctionColumns.
func scanCorrection(row pgx.Row) (*gazetteer.Correction, error) {
	c := &gazetteer.Correction{}
	var afterNs int64
	if err := row.Scan(&c.ID, &c.Action, &c.Name, &c.Country, &c.PlaceID, &c.EventID, &c.URL, &c.FromPlaceID, &c.Created, &c.Before, &afterNs); err != nil {
		return nil, err
	}
	c.Created = c.Created.UTC()
	if len(c.Before) == 0 {
		c.Before = nil
	}
	if afterNs != 0 {
		c.After = time.Unix(0, afterNs).UTC()
	}
	return c, nil
}

func afterNs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// readCorrections returns every rule, oldest first.
func readCorrections(ctx context.Context, q querier) ([]*gazetteer.Correction, error) {
	rows, err := q.Query(ctx, `SELECT `+correctionColumns+` FROM geonews_corrections ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*gazetteer.Correction
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// replayCorrections loads every rule (at start, and after the listener
// reconnects: a rule undone meanwhile is gone from the table, so the replay
// replaces the node's copy rather than adding to it).
func (o *Overlay) replayCorrections(ctx context.Context, q querier) error {
	all, err := readCorrections(ctx, q)
	if err != nil {
		return err
	}
	o.corr.replace(all)
	return nil
}

// loadCorrection brings the node's copy of rule id in line with the table.
func (o *Overlay) loadCorrection(ctx context.Context, q querier, id int64) error {
	rows, err := q.Query(ctx, `SELECT `+correctionColumns+` FROM geonews_corrections WHERE id = $1`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		o.corr.remove(id)
		return nil
	}
	c, err := scanCorrection(rows)
	if err != nil {
		return err
	}
	o.corr.put(c)
	return rows.Err()
}

// correctionHandler applies notified rules and replays the table on
// (re)connection.
type correctionHandler struct{ o *Overlay }

func (h correctionHandler) HandleNotification(ctx context.Context, n *pgconn.Notification, conn *pgx.Conn) error {
	id, err := strconv.ParseInt(n.Payload, 10, 64)
	if err != nil {
		return err
	}
	return h.o.loadCorrection(ctx, conn, id)
}

func (h correctionHandler) HandleBacklog(ctx context.Context, _ string, conn *pgx.Conn) error {
	return h.o.replayCorrections(ctx, conn)
}

// HasCorrections reports whether name has a rule in some country: a map
// lookup, asked by the geoparser for every name it resolves.
func (o *Overlay) HasCorrections(name string) bool {
	o.corr.mu.RLock()
	defer o.corr.mu.RUnlock()
	return len(o.corr.byKey) > 0 && len(o.corr.byKey[gazetteer.Normalize(name)]) > 0
}

// Correction returns the newest rule for name in an article about country,
// as the geoparser reads it; a rule whose place was deleted since (from the
// file or on PostgreSQL) is ignored, as on bbolt.
func (o *Overlay) Correction(ctx context.Context, name, country string) (geoparse.Correction, bool, error) {
	c, ok := o.corr.newest(name, country)
	if !ok {
		return geoparse.Correction{}, false, nil
	}
	if c.Action == gazetteer.CorrectNotPlace {
		return geoparse.Correction{ID: c.ID, NotPlace: true}, true, nil
	}
	p, err := o.Place(ctx, c.PlaceID)
	if geo.ErrorCode(err) == geo.ENOTFOUND {
		return geoparse.Correction{}, false, nil
	} else if err != nil {
		return geoparse.Correction{}, false, err
	}
	return geoparse.Correction{ID: c.ID, Place: p}, true, nil
}

// Rules returns the overlay as the corrections service's rule store: the
// rules are written to PostgreSQL and used by every node's geoparser
// within a second.
func (o *Overlay) Rules() *Rules { return &Rules{o} }

// Rules keeps the correction rules in PostgreSQL for a corrections.Service.
// It is a sibling of Overlay rather than Overlay itself because the
// geoparser's Correction (by name) and the service's (by ID) share a name.
type Rules struct{ o *Overlay }

var _ corrections.Rules = (*Rules)(nil)

// Place returns one entry of the overlay, or a geo.ENOTFOUND error.
func (r *Rules) Place(ctx context.Context, id int64) (*geo.Place, error) { return r.o.Place(ctx, id) }

// FindPlaces pages through the overlay's places (a dragged marker's nearest).
func (r *Rules) FindPlaces(ctx context.Context, f geo.PlaceFilter) (*geo.PlacePage, error) {
	return r.o.FindPlaces(ctx, f)
}

// AddCorrection validates and stores a rule, setting its ID and, if zero,
// its Created time; this node uses it as soon as this returns, the others
// when the notification reaches them. A move to a place the overlay lacks
// is geo.EINVALID.
func (r *Rules) AddCorrection(ctx context.Context, c *gazetteer.Correction) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Action == gazetteer.CorrectMove {
		if _, err := r.o.Place(ctx, c.PlaceID); geo.ErrorCode(err) == geo.ENOTFOUND {
			return geo.Errorf(geo.EINVALID, "place_id %d is not in the gazetteer", c.PlaceID)
		} else if err != nil {
			return err
		}
	}
	if c.Created.IsZero() {
		c.Created = time.Now().UTC()
	}
	c.Created = c.Created.Truncate(time.Microsecond) // what timestamptz keeps
	err := r.o.notifyCorrection(ctx, func(tx pgx.Tx) (int64, error) {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO geonews_corrections (action, name, country, place_id, event_id, url, from_place_id, created, before, after_ns)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			c.Action, c.Name, c.Country, c.PlaceID, c.EventID, c.URL, c.FromPlaceID, c.Created, c.Before, afterNs(c.After)).Scan(&id)
		c.ID = id
		return id, err
	})
	if err != nil {
		c.ID = 0
		return err
	}
	cp := *c
	r.o.corr.put(&cp)
	return nil
}

// SetCorrectionAfter records the corrected event's update time, once the
// event has been written.
func (r *Rules) SetCorrectionAfter(ctx context.Context, id int64, after time.Time) error {
	var c *gazetteer.Correction
	err := r.o.notifyCorrection(ctx, func(tx pgx.Tx) (_ int64, err error) {
		c, err = scanCorrection(tx.QueryRow(ctx, `UPDATE geonews_corrections SET after_ns = $2 WHERE id = $1 RETURNING `+correctionColumns, id, afterNs(after)))
		return id, notFound(err, id)
	})
	if err != nil {
		return err
	}
	r.o.corr.put(c)
	return nil
}

// Correction returns one rule as the database has it, or a geo.ENOTFOUND
// error.
func (r *Rules) Correction(ctx context.Context, id int64) (*gazetteer.Correction, error) {
	c, err := scanCorrection(r.o.pool.QueryRow(ctx, `SELECT `+correctionColumns+` FROM geonews_corrections WHERE id = $1`, id))
	if err := notFound(err, id); err != nil {
		return nil, err
	}
	return c, nil
}

// Corrections returns every rule, oldest first.
func (r *Rules) Corrections(ctx context.Context) ([]*gazetteer.Correction, error) {
	all, err := readCorrections(ctx, r.o.pool)
	if err != nil {
		return nil, unavailable(err)
	}
	return all, nil
}

// DeleteCorrection forgets a rule (geo.ENOTFOUND if absent) and returns it:
// later articles, on every node, resolve the name as they did before it.
func (r *Rules) DeleteCorrection(ctx context.Context, id int64) (*gazetteer.Correction, error) {
	var c *gazetteer.Correction
	err := r.o.notifyCorrection(ctx, func(tx pgx.Tx) (_ int64, err error) {
		c, err = scanCorrection(tx.QueryRow(ctx, `DELETE FROM geonews_corrections WHERE id = $1 RETURNING `+correctionColumns, id))
		return id, notFound(err, id)
	})
	if err != nil {
		return nil, err
	}
	r.o.corr.remove(id)
	return c, nil
}

// notifyCorrection runs write, which returns the ID of the rule it wrote,
// and announces that rule in the same transaction.
func (o *Overlay) notifyCorrection(ctx context.Context, write func(pgx.Tx) (int64, error)) error {
	tx, err := o.pool.Begin(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback(ctx)
	id, err := write(tx)
	if err != nil {
		return unavailable(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, correctionsChannel, strconv.FormatInt(id, 10)); err != nil {
		return unavailable(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// notFound turns "no rows" into the geo.ENOTFOUND error of rule id, and
// a lost connection into geo.EUNAVAILABLE.
func notFound(err error, id int64) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return geo.Errorf(geo.ENOTFOUND, "correction %d not found", id)
	}
	if err != nil {
		return unavailable(err)
	}
	return nil
}
