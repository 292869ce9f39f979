// Package postgis is the PostgreSQL/PostGIS event store: the same
// geo.EventStore contract as the embedded bbolt store, for teams that run
// several geonews nodes on one database. Points are geometry(Point,4326)
// with a GiST index, tags a text[] with GIN, and per-cell counts are kept
// by the database itself (statement triggers over transition tables), so
// clusters are exact without a scan per request. Each event row keeps its
// GeoJSON Feature as geo.AppendFeature writes it, so an items page is the
// concatenation of stored texts, streamed from the rows.
package postgis

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/pgerr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store keeps events in PostgreSQL. It is safe for concurrent use, by
// several processes too.
type Store struct {
	pool *pgxpool.Pool
}

var (
	_ geo.EventStore           = (*Store)(nil)
	_ geo.EventFeatureAppender = (*Store)(nil)
	_ geo.EventExtenter        = (*Store)(nil)
	_ geo.EventCounter         = (*Store)(nil)
	_ geo.EventClusterer       = (*Store)(nil)
	_ geo.EventImporter        = (*Store)(nil)
	_ geo.EventTiler           = (*Store)(nil)
	_ geo.EventSnapshotter     = (*Store)(nil)
)

// IsURL reports whether a --db value names a PostgreSQL database rather
// than a bbolt file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Option sets how Open opens a store.
type Option func(*options)

type options struct{ log *slog.Logger }

// WithLogger logs the schema's migrations (what runs and how long it
// took) to log.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// Open connects to the database at url, checks that it answers and
// creates or migrates the schema. Several nodes may open one database at
// once: migrations run under an advisory lock, one node at a time. ctx
// bounds connecting only: a migration, once begun, runs to its end, since
// one cut off would roll back, and a database too big to migrate within
// ctx could never open (migration 4 rewrites the events table: 11 s for
// 1M gen-events).
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, geo.Errorf(geo.EINVALID, "database URL: %s", redact(err))
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	// Queries go as unnamed statements, planned with their arguments: a
	// cached generic plan cannot know whether a bbox holds a thousand
	// events or all of them, and the best plan differs (the GiST index
	// and a sort, or the time index filtered by the box). After a restart
	// of the server the pool drops broken connections and dials anew.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "database: %s", redact(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, geo.Errorf(geo.EUNAVAILABLE, "database %s:%d is unreachable: %s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, redact(err))
	}
	if afterPing != nil {
		afterPing()
	}
	s := &Store{pool: pool}
	if err := s.migrate(context.WithoutCancel(ctx), o.log); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// afterPing, when set (by a test), runs once Open has reached the database.
var afterPing func()

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool is the store's connection pool, for the parts of geonews that keep
// their own tables in the same database (the gazetteer's edits).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Snapshot answers that a PostgreSQL database is backed up by its own
// tools: GET /backup then says so (501).
func (s *Store) Snapshot(ctx context.Context) (io.ReadCloser, int64, error) {
	return nil, 0, geo.Errorf(geo.ENOTIMPLEMENTED, "geonews does not copy a PostgreSQL database: back it up with pg_dump (pg_dump -Fc -t 'geonews_*' DBNAME > geonews.dump), or your provider's backups")
}

// redact drops what a driver error may quote of a connection string.
func redact(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "password="); i >= 0 {
		msg = msg[:i] + "password=…"
	}
	return msg
}

// dbError turns a database error into geo's kinds: a lost or refused
// connection is EUNAVAILABLE (a 503, worth retrying), a check the input
// broke EINVALID, anything else is returned as is (an internal error).
func dbError(err error) error { return pgerr.Map("postgis", err) }

// notFound is the error for a missing event.
func notFound(id string) error { return geo.Errorf(geo.ENOTFOUND, "event %q not found", id) }

// rowsErr closes rows and returns their error, translated.
func rowsErr(rows pgx.Rows) error {
	rows.Close()
	return dbError(rows.Err())
}
