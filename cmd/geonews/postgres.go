package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/placesync"
	"github.com/geonews/geonews/postgis"
)

// dbConnectTimeout bounds how long a command waits for PostgreSQL at start:
// an unreachable database is a one-line error, not a hang.
const dbConnectTimeout = 10 * time.Second

// defaultGazetteer is the gazetteer file the nodes of a PostgreSQL
// deployment read (make setup builds it).
const defaultGazetteer = "data/geonews.db"

// openPostgres opens the PostGIS event store at url, migrating its schema
// (the migrations are logged to env's logger: one can take minutes).
func openPostgres(env *Env, url string) (*postgis.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbConnectTimeout)
	defer cancel()
	return postgis.Open(ctx, url, postgis.WithLogger(env.Logger))
}

// gazetteerPath is the gazetteer file of a PostgreSQL deployment: --gazetteer,
// else GEONEWS_GAZETTEER, else data/geonews.db.
// gazetteerFlag declares --gazetteer, the gazetteer file of a command on
// PostgreSQL.
func gazetteerFlag(fs *flag.FlagSet) *string {
	return fs.String("gazetteer", "", "with --db postgres://…: the gazetteer `file`, opened read-only and shared by the nodes (env GEONEWS_GAZETTEER; default "+defaultGazetteer+")")
}

func gazetteerPath(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return getenvOr(env, "GEONEWS_GAZETTEER", defaultGazetteer)
}

// openSharedGazetteer opens a gazetteer file read-only, so that any number
// of nodes on one machine share it (bbolt takes a shared lock).
func openSharedGazetteer(path string) (*gazetteer.Gazetteer, func() error, error) {
	return openGazetteer(path, true)
}

// openOverlay opens, for a command on the PostgreSQL database at url, the
// event store and the gazetteer: the file gazFile (else GEONEWS_GAZETTEER,
// else data/geonews.db) read-only, under the edits and correction rules
// every node shares. Its writes reach running nodes as a server's do, so
// no server need stop. The caller calls close.
func openOverlay(ctx context.Context, env *Env, url, gazFile string) (*postgis.Store, *placesync.Overlay, func() error, error) {
	pg, err := openPostgres(env, url)
	if err != nil {
		return nil, nil, nil, err
	}
	g, closeGaz, err := openSharedGazetteer(gazetteerPath(env, gazFile))
	if err != nil {
		pg.Close()
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx) // ends the overlay's listener
	ov, err := placesync.Open(ctx, pg.Pool(), g, env.Logger)
	if err != nil {
		cancel()
		closeGaz()
		pg.Close()
		return nil, nil, nil, fmt.Errorf("gazetteer edits: %w", err)
	}
	return pg, ov, func() error { cancel(); closeGaz(); return pg.Close() }, nil
}
