// Package placesync shares gazetteer edits between geonews nodes on one
// PostgreSQL database. Each node keeps the embedded gazetteer file,
// opened read-only (several nodes on a machine share it), so names still
// resolve in microseconds; the places users add, change or delete are
// written to the table geonews_places, announced with NOTIFY, and held by
// every node in an in-memory overlay over the file. The rules learned from
// users' corrections of events travel the same way (geonews_corrections).
// A starting node replays the tables, and so does a node whose listening
// connection was lost, so no edit is missed.
package placesync

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgxlisten"
	"github.com/paulmach/orb"
)

// channel is the NOTIFY channel of place edits; its payload is the ID.
const channel = "geonews_places"

// ListenerName is the application_name of each node's listening connection.
const ListenerName = "geonews gazetteer edits"

// Overlay is the gazetteer of a node: the shared file and the edits from
// PostgreSQL over it. It is both the geoparser's gazetteer (with the users'
// correction rules) and the server's place service; Rules is its side for
// the corrections service.
type Overlay struct {
	base *gazetteer.Gazetteer
	pool *pgxpool.Pool
	log  *slog.Logger

	mu     sync.RWMutex
	places map[int64]*geo.Place // edited or added; nil: deleted
	names  map[string][]int64   // gazetteer.Normalize of each name → IDs

	corr ruleSet // the rules learned from users' corrections (correction.go)

	edits atomic.Uint64 // place edits applied, for Version
}

var (
	_ geoparse.Gazetteer = (*Overlay)(nil)
	_ geoparse.Corrector = (*Overlay)(nil)
	_ geoparse.Versioned = (*Overlay)(nil)
)

// Open creates or migrates the tables, replays them and listens for edits
// until ctx ends.
func Open(ctx context.Context, pool *pgxpool.Pool, base *gazetteer.Gazetteer, log *slog.Logger) (*Overlay, error) {
	o := &Overlay{base: base, pool: pool, log: log, places: map[int64]*geo.Place{}, names: map[string][]int64{}}
	if err := migrate(ctx, pool); err != nil {
		return nil, err
	}
	if err := o.replay(ctx, pool); err != nil {
		return nil, err
	}
	if err := o.replayCorrections(ctx, pool); err != nil {
		return nil, err
	}
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			cfg := pool.Config().ConnConfig.Copy()
			cfg.RuntimeParams["application_name"] = ListenerName // to tell it in pg_stat_activity
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil { // not the listener's own end
				log.Warn("gazetteer edits: listening", "err", err)
			}
		},
		ReconnectDelay: time.Second,
	}
	l.Handle(channel, handler{o})
	l.Handle(correctionsChannel, correctionHandler{o})
	go l.Listen(ctx)
	return o, nil
}

// querier is a pool or a connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// replay loads every edit (at start, and after the listener reconnects).
func (o *Overlay) replay(ctx context.Context, q querier) error {
	return o.load(ctx, q, `SELECT id, place, lon, lat, deleted FROM geonews_places`)
}

// load applies the rows of a query over geonews_places.
func (o *Overlay) load(ctx context.Context, q querier, sql string, args ...any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw []byte
		var lon, lat *float64
		var deleted bool
		if err := rows.Scan(&id, &raw, &lon, &lat, &deleted); err != nil {
			return err
		}
		var p *geo.Place
		if !deleted {
			p = &geo.Place{}
			if err := json.Unmarshal(raw, p); err != nil {
				return err
			}
			p.ID = id
			if lon != nil && lat != nil {
				p.Point = orb.Point{*lon, *lat}
			}
		}
		o.apply(id, p)
	}
	return rows.Err()
}

// apply puts one edit into the overlay (p nil: a deletion).
func (o *Overlay) apply(id int64, p *geo.Place) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if old := o.places[id]; old != nil {
		for _, n := range names(old) {
			ids := o.names[n]
			for i, x := range ids {
				if x == id {
					o.names[n] = append(ids[:i:i], ids[i+1:]...)
					break
				}
			}
		}
	}
	o.places[id] = p
	if p != nil {
		for _, n := range names(p) {
			o.names[n] = append(o.names[n], id)
		}
	}
	o.edits.Add(1) // with the maps changed, so that a parser caching lookups drops them
}

// Version counts the place edits the overlay has applied, its own and
// other nodes', and the file's own writes: the geoparser drops its cached
// lookups when it moves, so that an edit counts from the next article.
func (o *Overlay) Version() uint64 { return o.edits.Load() + o.base.Version() }

// names are a place's normalised names, each once.
func names(p *geo.Place) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range append([]string{p.Name, p.ASCIIName}, p.AlternateNames...) {
		if k := gazetteer.Normalize(n); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// handler applies notified edits and replays the table on (re)connection.
type handler struct{ o *Overlay }

func (h handler) HandleNotification(ctx context.Context, n *pgconn.Notification, conn *pgx.Conn) error {
	id, err := strconv.ParseInt(n.Payload, 10, 64)
	if err != nil {
		return err
	}
	return h.o.load(ctx, conn, `SELECT id, place, lon, lat, deleted FROM geonews_places WHERE id = $1`, id)
}

func (h handler) HandleBacklog(ctx context.Context, _ string, conn *pgx.Conn) error {
	return h.o.replay(ctx, conn)
}

// write stores an edit and announces it in one transaction, then applies
// it here at once (the notification comes back too, harmlessly).
func (o *Overlay) write(ctx context.Context, id int64, p *geo.Place) error {
	var raw *string // text: the pool sends arguments as unnamed statements, where []byte would be bytea
	var lon, lat *float64
	if p != nil {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		js := string(b)
		raw, lon, lat = &js, &p.Point[0], &p.Point[1]
	}
	tx, err := o.pool.Begin(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO geonews_places (id, place, lon, lat, deleted, updated) VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (id) DO UPDATE SET place = EXCLUDED.place, lon = EXCLUDED.lon, lat = EXCLUDED.lat, deleted = EXCLUDED.deleted, updated = now()`,
		id, raw, lon, lat, p == nil); err != nil {
		return unavailable(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, strconv.FormatInt(id, 10)); err != nil {
		return unavailable(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(err)
	}
	o.apply(id, p)
	return nil
}

func unavailable(err error) error {
	var ge *geo.Error
	if errors.As(err, &ge) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return err
	}
	return geo.Errorf(geo.EUNAVAILABLE, "the database is unavailable; try again shortly")
}

// HasName reports whether name names a place of the overlay or the file.
func (o *Overlay) HasName(name string) bool {
	o.mu.RLock()
	n := len(o.names[gazetteer.Normalize(name)])
	o.mu.RUnlock()
	return n > 0 || o.base.HasName(name)
}

// Resolve returns the places called name: the overlay's first (a user's
// own entries), then the file's that the overlay has not changed or deleted.
func (o *Overlay) Resolve(ctx context.Context, name string, h geoparse.Hints) ([]geoparse.Candidate, error) {
	base, err := geoparse.FromGazetteer(o.base).Resolve(ctx, name, h)
	if err != nil {
		return nil, err
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []geoparse.Candidate
	for _, id := range o.names[gazetteer.Normalize(name)] {
		if p := o.places[id]; p != nil {
			out = append(out, geoparse.Candidate{Place: p, Score: 3, Prior: 1, Match: "exact", Form: p.Name, Reason: "a user's entry"})
		}
	}
	for _, c := range base {
		if _, edited := o.places[c.Place.ID]; !edited {
			out = append(out, c)
		}
	}
	if h.Limit > 0 && len(out) > h.Limit {
		out = out[:h.Limit]
	}
	return out, nil
}

// Place returns one entry, or a geo.ENOTFOUND error.
func (o *Overlay) Place(ctx context.Context, id int64) (*geo.Place, error) {
	o.mu.RLock()
	p, edited := o.places[id]
	o.mu.RUnlock()
	if !edited {
		return o.base.Place(ctx, id)
	}
	if p == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "place %d not found", id)
	}
	c := *p
	return &c, nil
}

// CreatePlace adds an entry with a new ID, usable by every node at once.
func (o *Overlay) CreatePlace(ctx context.Context, p *geo.Place) error {
	p.Source = geo.SourceUser
	if err := p.Validate(); err != nil {
		return err
	}
	if p.ID != 0 {
		if _, err := o.Place(ctx, p.ID); err == nil {
			return geo.Errorf(geo.ECONFLICT, "place %d already exists", p.ID)
		}
	} else if err := o.pool.QueryRow(ctx, `SELECT nextval('geonews_place_ids')`).Scan(&p.ID); err != nil {
		return unavailable(err)
	}
	c := *p
	return o.write(ctx, p.ID, &c)
}

// UpdatePlace replaces an entry (geo.ENOTFOUND if absent).
func (o *Overlay) UpdatePlace(ctx context.Context, p *geo.Place) error {
	if _, err := o.Place(ctx, p.ID); err != nil {
		return err
	}
	p.Source = geo.SourceUser
	if err := p.Validate(); err != nil {
		return err
	}
	c := *p
	return o.write(ctx, p.ID, &c)
}

// DeletePlace removes an entry (geo.ENOTFOUND if absent).
func (o *Overlay) DeletePlace(ctx context.Context, id int64) error {
	if _, err := o.Place(ctx, id); err != nil {
		return err
	}
	return o.write(ctx, id, nil)
}

// FindPlaces pages through the places as the file's FindPlaces does, with
// the overlay's changes and deletions applied and the places added on
// PostgreSQL included: a name query ranks them with the file's (Resolve,
// paged by offset as the file pages its own); a box or the whole list
// shows those in it on its first page, before the file's, which then
// gives the rest of the page (at most limit−1 added places are listed so).
func (o *Overlay) FindPlaces(ctx context.Context, f geo.PlaceFilter) (*geo.PlacePage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	limit = min(limit, geo.MaxLimit)
	if strings.TrimSpace(f.Q) != "" {
		return o.findByName(ctx, f, limit)
	}
	var added []*geo.Place
	if f.Cursor == "" {
		var err error
		if added, err = o.added(ctx, f.BBox, limit-1); err != nil {
			return nil, err
		}
		f.Limit = limit - len(added)
	}
	page, err := o.base.FindPlaces(ctx, f)
	if err != nil {
		return nil, err
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	kept := append([]*geo.Place(nil), added...)
	for _, p := range page.Places {
		if q, edited := o.places[p.ID]; !edited {
			kept = append(kept, p)
		} else if q != nil {
			c := *q
			kept = append(kept, &c)
		}
	}
	page.Places = kept
	if page.NumberMatched >= 0 {
		page.NumberMatched += len(added)
	}
	return page, nil
}

// findByName pages through the places called f.Q, the overlay's first,
// as the file pages its own.
func (o *Overlay) findByName(ctx context.Context, f geo.PlaceFilter, limit int) (*geo.PlacePage, error) {
	cands, err := o.Resolve(ctx, f.Q, geoparse.Hints{Limit: gazetteer.MaxNameMatches})
	if err != nil {
		return nil, err
	}
	places := make([]*geo.Place, len(cands))
	for i, c := range cands {
		p := *c.Place
		places[i] = &p
	}
	return gazetteer.PageByName(places, f, limit)
}

// added returns up to n of the places added on PostgreSQL (not in the
// file) inside box (nil: anywhere), by ID.
func (o *Overlay) added(ctx context.Context, box *geo.BBox, n int) ([]*geo.Place, error) {
	o.mu.RLock()
	var in []*geo.Place
	for _, p := range o.places {
		if p != nil && (box == nil || box.Contains(p.Point)) {
			c := *p
			in = append(in, &c)
		}
	}
	o.mu.RUnlock()
	slices.SortFunc(in, func(a, b *geo.Place) int { return cmp.Compare(a.ID, b.ID) })
	var out []*geo.Place
	for _, p := range in {
		if len(out) >= n {
			break
		}
		if _, err := o.base.Place(ctx, p.ID); geo.ErrorCode(err) == geo.ENOTFOUND {
			out = append(out, p) // an edit of a file's place is listed where the file lists it
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ResolvePlace returns the best entry for a name, or geo.ENOTFOUND.
func (o *Overlay) ResolvePlace(ctx context.Context, name string) (*geo.Place, error) {
	cs, err := o.Resolve(ctx, name, geoparse.Hints{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "no place named %q", name)
	}
	return cs[0].Place, nil
}
