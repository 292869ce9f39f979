package postgis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

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
	// 2: the event type as a column, filled from the stored features; the
	// cell counts kept per type (clusters' per-type counts, clusters of a
	// type), and counts per cell, day and type (the timeline), which the
	// triggers now keep as well.
	`
ALTER TABLE geonews_events ADD COLUMN type text NOT NULL DEFAULT '';
-- Filling the column moves no event: the update trigger would only add
-- and take away the same counts.
ALTER TABLE geonews_events DISABLE TRIGGER geonews_events_update;
-- An event without a type has the properties geo.AppendFeature ends with
-- in this order; a quote inside a string is escaped, so no text matches.
UPDATE geonews_events SET type = coalesce((feature::json)->'properties'->>'type', '')
	WHERE feature NOT LIKE '%,"type":"","sub_type":%';
ALTER TABLE geonews_events ENABLE TRIGGER geonews_events_update;

-- The cell counts become counts per cell and type (the rows of a cell
-- add up to what its one row held, so every reader that sums them, older
-- nodes included, reads the same): the typed events' share moves from
-- the '' row of their cell to their type's.
ALTER TABLE geonews_event_cells ADD COLUMN type text NOT NULL DEFAULT '';
ALTER TABLE geonews_event_cells DROP CONSTRAINT geonews_event_cells_pkey, ADD PRIMARY KEY (level, x, y, type);
INSERT INTO geonews_event_cells AS c (level, x, y, type, n, sum_lon, sum_lat)
SELECT l.level, e.cx >> (16 - l.level), e.cy >> (16 - l.level), m.type, sum(m.sign), sum(m.sign * ST_X(e.geom)), sum(m.sign * ST_Y(e.geom))
FROM geonews_events e CROSS JOIN LATERAL (VALUES (e.type, 1), ('', -1)) AS m(type, sign)
CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level)
WHERE e.type <> ''
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT (level, x, y, type) DO UPDATE
SET n = c.n + EXCLUDED.n, sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat;

-- Events per cell, UTC day and type at levels 0 (the world), 4, 6 and 8:
-- the timeline. (Each level but 0 costs the import up to one row per event.)
CREATE TABLE geonews_event_days (
	level smallint NOT NULL,
	x     integer NOT NULL,
	y     integer NOT NULL,
	day   date NOT NULL,
	type  text NOT NULL,
	n     bigint NOT NULL,
	PRIMARY KEY (level, x, y, day, type)
);
INSERT INTO geonews_event_days (level, x, y, day, type, n)
SELECT l.level, e.cx >> (16 - l.level), e.cy >> (16 - l.level), (e.time AT TIME ZONE 'UTC')::date, e.type, count(*)
FROM geonews_events e CROSS JOIN (VALUES (0), (4), (6), (8)) AS l(level)
GROUP BY 1, 2, 3, 4, 5;
` + aggregateTriggers,
	// 3: the reports merged into another event (Store.MergeEvents),
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
	// 4: the point as PostgreSQL's own point type, kept from geom by the
	// database, for geonews's box queries: its GiST index tests a point in
	// a box exactly and can give it back, and it carries what the box
	// queries read besides (time and ID for a page's keys, type and cell
	// for clusters and the timeline), so a box's matches are found, sorted
	// and cut to a page, or grouped, in the index alone (an index-only
	// scan); only a page's own rows are then read. The GiST index of geom
	// holds float4 boxes and gives back nothing (every match read from the
	// table); it stays, for other PostGIS clients (QGIS, pg_featureserv,
	// Martin) and older nodes. The time index carries pt instead of geom:
	// 16 bytes tested with four comparisons (an older node's walk of it
	// reads the table for geom, and still answers right).
	`
ALTER TABLE geonews_events ADD COLUMN IF NOT EXISTS pt point GENERATED ALWAYS AS (point(ST_X(geom), ST_Y(geom))) STORED;
CREATE INDEX IF NOT EXISTS geonews_events_pt ON geonews_events USING gist (pt) INCLUDE (time, id, type, cx, cy);
DROP INDEX geonews_events_time;
CREATE INDEX geonews_events_time ON geonews_events (time DESC, id DESC) INCLUDE (pt);
`,
	// 5: no day counts at level 8. Below level 6 the timeline reads the
	// events of a box's edges from pt's index alone (migration 4), as
	// fast as their level-8 day rows, which cost the import nearly one
	// upserted row per event (779,000 rows for 1M gen-events, half the
	// day counts' work).
	`
DELETE FROM geonews_event_days WHERE level = 8;
` + aggregateTriggersAt("(0), (4), (6)"),
}

// aggregateTriggers replaces the trigger functions of migration 1 by ones
// that keep both aggregates from the statement's rows, each signed
// (1 inserted, -1 deleted), in key order as before.
var aggregateTriggers = aggregateTriggersAt("(0), (4), (6), (8)")

// aggregateTriggersAt is aggregateTriggers keeping the day counts at the
// levels of dayLevels, a VALUES list.
func aggregateTriggersAt(dayLevels string) string {
	return triggerFunction("geonews_events_inserted", "SELECT cx, cy, geom, time, type, 1 AS sign FROM geonews_new_rows", dayLevels) +
		triggerFunction("geonews_events_deleted", "SELECT cx, cy, geom, time, type, -1 AS sign FROM geonews_old_rows", dayLevels) +
		triggerFunction("geonews_events_updated", "SELECT cx, cy, geom, time, type, 1 AS sign FROM geonews_new_rows UNION ALL SELECT cx, cy, geom, time, type, -1 FROM geonews_old_rows", dayLevels)
}

// Migration 2 is built from aggregateTriggers and triggerFunction: like
// every shipped migration they must not change; new triggers go in a new
// migration with their own text.
//
// triggerFunction is the SQL of a trigger function that adds the signed
// rows of rowsSQL to the aggregates, the day counts at the levels of
// dayLevels (a transition table is visible only in its trigger's own
// function, hence one function per trigger).
func triggerFunction(name, rowsSQL, dayLevels string) string {
	return `
CREATE OR REPLACE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO geonews_event_cells AS c (level, x, y, type, n, sum_lon, sum_lat)
	SELECT l.level, r.cx >> (16 - l.level), r.cy >> (16 - l.level), r.type, sum(r.sign), sum(r.sign * ST_X(r.geom)), sum(r.sign * ST_Y(r.geom))
	FROM (` + rowsSQL + `) r CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level)
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (level, x, y, type) DO UPDATE
	SET n = c.n + EXCLUDED.n, sum_lon = c.sum_lon + EXCLUDED.sum_lon, sum_lat = c.sum_lat + EXCLUDED.sum_lat;
	INSERT INTO geonews_event_days AS c (level, x, y, day, type, n)
	SELECT l.level, r.cx >> (16 - l.level), r.cy >> (16 - l.level), (r.time AT TIME ZONE 'UTC')::date, r.type, sum(r.sign)
	FROM (` + rowsSQL + `) r CROSS JOIN (VALUES ` + dayLevels + `) AS l(level)
	GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
	ON CONFLICT (level, x, y, day, type) DO UPDATE SET n = c.n + EXCLUDED.n;
	RETURN NULL;
END $$;
`
}

// migrate brings the schema to the newest version under the advisory
// lock, so that two nodes starting at once do not both create it; log,
// if any, hears what runs.
func (s *Store) migrate(ctx context.Context, log *slog.Logger) error {
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
		start := time.Now()
		if log != nil {
			log.Info("postgis: migrating the schema", "version", v, "of", len(migrations))
		}
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
		if log != nil {
			log.Info("postgis: schema migrated", "version", v, "took", time.Since(start).Round(time.Millisecond))
		}
	}
	return nil
}
