package postgis

import (
	"context"
	"fmt"

	"github.com/geonews/geonews/geo"
)

// migrationLock is the advisory lock key under which nodes migrate, one at
// a time ("geonews" in ASCII).
const migrationLock = 0x67656f6e657773

// migrations are applied in order, each once, each in its own transaction
// with its version recorded: never edit one that has shipped, add the
// next. None drops or rewrites data.
var migrations = []string{
	// 1: events, their indexes and the per-cell counts kept by triggers.
	`
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE geonews_events (
	id      text PRIMARY KEY,
	time    timestamptz NOT NULL,
	geom    geometry(Point, 4326) NOT NULL,
	-- the event's column and row in the level-16 geo.Cell grid; a
	-- level-L cell is (cx >> (16-L), cy >> (16-L))
	cx      integer NOT NULL,
	cy      integer NOT NULL,
	tags    text[] NOT NULL DEFAULT '{}',
	title   text NOT NULL,
	place   text NOT NULL DEFAULT '',
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL,
	-- the GeoJSON Feature as geo.AppendFeature writes it
	feature text NOT NULL
);
CREATE INDEX geonews_events_geom ON geonews_events USING gist (geom);
-- the time order of pages; the point rides along so that a page of a big
-- box is found in the index alone (see Store.page)
CREATE INDEX geonews_events_time ON geonews_events (time DESC, id DESC) INCLUDE (geom);
CREATE INDEX geonews_events_tags ON geonews_events USING gin (tags);

-- Events per cell of the geo.Cell grid at levels 2, 4, 6, 8 and 10, with
-- the sums of their coordinates (so a cluster sits at its events' mean).
CREATE TABLE geonews_event_cells (
	level   smallint NOT NULL,
	x       integer NOT NULL,
	y       integer NOT NULL,
	n       bigint NOT NULL,
	sum_lon double precision NOT NULL,
	sum_lat double precision NOT NULL,
	PRIMARY KEY (level, x, y)
);

-- The triggers add the events of their statement's transition tables to
-- the cell counts (deleted ones with sign -1), in key order so that
-- concurrent writers lock count rows in the same order and cannot deadlock.
-- A transition table is visible only in its trigger's own function, hence
-- three functions that differ in their FROM.
CREATE FUNCTION geonews_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO geonews_event_cells AS c (level, x, y, n, sum_lon, sum_lat)
	SELECT l.level, r.cx >> (16 - l.level), r.cy >> (16 - l.level), count(*), sum(ST_X(r.geom)), sum(ST_Y(r.geom))
	FROM geonews_new_rows r CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level)
	GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	ON CONFLICT (level, x, y) DO UPDATE
	SET n = c.n + EXCLUDED.n, sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat;
	RETURN NULL;
END $$;
CREATE FUNCTION geonews_events_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO geonews_event_cells AS c (level, x, y, n, sum_lon, sum_lat)
	SELECT l.level, r.cx >> (16 - l.level), r.cy >> (16 - l.level), -count(*), -sum(ST_X(r.geom)), -sum(ST_Y(r.geom))
	FROM geonews_old_rows r CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level)
	GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	ON CONFLICT (level, x, y) DO UPDATE
	SET n = c.n + EXCLUDED.n, sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat;
	RETURN NULL;
END $$;
CREATE FUNCTION geonews_events_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO geonews_event_cells AS c (level, x, y, n, sum_lon, sum_lat)
	SELECT l.level, r.cx >> (16 - l.level), r.cy >> (16 - l.level), sum(r.sign), sum(r.sign * ST_X(r.geom)), sum(r.sign * ST_Y(r.geom))
	FROM (SELECT cx, cy, geom, 1 AS sign FROM geonews_new_rows UNION ALL SELECT cx, cy, geom, -1 FROM geonews_old_rows) r
	CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level)
	GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	ON CONFLICT (level, x, y) DO UPDATE
	SET n = c.n + EXCLUDED.n, sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat;
	RETURN NULL;
END $$;

CREATE TRIGGER geonews_events_insert AFTER INSERT ON geonews_events
	REFERENCING NEW TABLE AS geonews_new_rows FOR EACH STATEMENT EXECUTE FUNCTION geonews_events_inserted();
CREATE TRIGGER geonews_events_delete AFTER DELETE ON geonews_events
	REFERENCING OLD TABLE AS geonews_old_rows FOR EACH STATEMENT EXECUTE FUNCTION geonews_events_deleted();
CREATE TRIGGER geonews_events_update AFTER UPDATE ON geonews_events
	REFERENCING OLD TABLE AS geonews_old_rows NEW TABLE AS geonews_new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION geonews_events_updated();
`,
	// (members): the reports merged into another event (Store.MergeEvents),
	// kept whole so that a split restores them; a member's ID is taken,
	// so re-ingesting its article stores nothing new.
	`
CREATE TABLE geonews_event_members (
	id      text PRIMARY KEY,
	target  text NOT NULL,
	created timestamptz NOT NULL,
	feature text NOT NULL
);
CREATE INDEX geonews_event_members_target ON geonews_event_members (target);
`,
}

// migrate brings the schema to the newest version under the advisory
// lock, so that two nodes starting at once do not both create it.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return dbError(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return dbError(err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS geonews_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return dbError(err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM geonews_schema`).Scan(&have); err != nil {
		return dbError(err)
	}
	if have > len(migrations) {
		return geo.Errorf(geo.EINVALID, "the database's geonews schema is version %d, newer than this geonews (%d): upgrade geonews", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return dbError(err)
		}
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("postgis: schema migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO geonews_schema (version) VALUES ($1)`, v); err != nil {
			tx.Rollback(ctx)
			return dbError(err)
		}
		if err := tx.Commit(ctx); err != nil {
			return dbError(err)
		}
	}
	return nil
}
