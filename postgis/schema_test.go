package postgis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
)

// TestMigrationTypes opens a database that a geonews of schema version 1
// filled, with events of several types: migration 2 must fill the type
// column from the stored features and build the type and day aggregates
// as the triggers would have kept them.
func TestMigrationTypes(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE geonews_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, migrations[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO geonews_schema (version) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	kinds := []string{"Protests", "Battles", "", "Riots \"quoted\""}
	want := map[string]int{}
	for i := range 120 {
		e := &geo.Event{Point: orb.Point{-170 + float64(i*37%340), -60 + float64(i*13%120)}, Time: time.Date(2024, 3, 1, i, 0, 0, 0, time.UTC),
			Title: fmt.Sprintf(`e%d ,"type":"","sub_type":`, i), Tags: []string{}, Type: kinds[i%len(kinds)], Confidence: 1}
		if err := geo.ValidateEvent(e); err != nil {
			t.Fatal(err)
		}
		e.ID = geo.NewEventID(e)
		r, _ := newRow(e, nil)
		if _, err := pool.Exec(ctx, `INSERT INTO geonews_events (id, time, geom, cx, cy, tags, title, place, created, updated, feature)
			VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8, $9, now(), now(), $10)`,
			r.id, r.time, r.lon, r.lat, r.cx, r.cy, r.tags, r.title, r.place, r.feature); err != nil {
			t.Fatal(err)
		}
		want[e.Type]++
	}
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[string]int{}
	rows, err := pool.Query(ctx, `SELECT type, count(*) FROM geonews_events GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			t.Fatal(err)
		}
		got[typ] = n
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("type column: %v, want %v", got, want)
	}
	// The aggregates equal what the events add up to, at every level.
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT level, x, y, type, n, round(sum_lon::numeric, 6) FROM geonews_event_cells WHERE n <> 0
			EXCEPT SELECT l.level, e.cx >> (16 - l.level), e.cy >> (16 - l.level), e.type, count(*), round(sum(ST_X(e.geom))::numeric, 6)
			FROM geonews_events e CROSS JOIN (VALUES (2), (4), (6), (8), (10)) AS l(level) GROUP BY 1, 2, 3, 4) d`,
		// both ways: no level-8 day rows are left (migration 5)
		`SELECT count(*) FROM ((SELECT level, x, y, day, type, n FROM geonews_event_days
			EXCEPT SELECT * FROM days) UNION ALL (SELECT * FROM days EXCEPT SELECT level, x, y, day, type, n FROM geonews_event_days)) d`,
	} {
		q = `WITH days AS (SELECT l.level, e.cx >> (16 - l.level) AS x, e.cy >> (16 - l.level) AS y, (e.time AT TIME ZONE 'UTC')::date AS day, e.type, count(*) AS n
			FROM geonews_events e CROSS JOIN (VALUES (0), (4), (6)) AS l(level) GROUP BY 1, 2, 3, 4, 5) ` + q
		var bad int
		if err := pool.QueryRow(ctx, q).Scan(&bad); err != nil || bad != 0 {
			t.Fatalf("%d aggregate rows differ from the events (%v): %s", bad, err, q)
		}
	}
	days, err := s.EventTimeline(ctx, geo.EventFilter{Types: []string{"Battles"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range days {
		n += d.Count
	}
	if n != want["Battles"] {
		t.Errorf("timeline of Battles: %d, want %d", n, want["Battles"])
	}
}

// A migration runs to its end even when the context Open was given ends
// while it runs (a connect timeout must not keep a big database from
// ever opening).
func TestMigrationOutlivesOpenContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url := pgtest.DB(t)
	afterPing = cancel
	defer func() { afterPing = nil }()
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("open with its context ended during the migrations: %v", err)
	}
	defer s.Close()
	var v int
	if err := s.pool.QueryRow(context.Background(), `SELECT max(version) FROM geonews_schema`).Scan(&v); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations))
	}
}
