package main

import (
	"context"
	"flag"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/postgis"
)

// dbConnectTimeout bounds how long a command waits for PostgreSQL at start:
// an unreachable database is a one-line error, not a hang.
const dbConnectTimeout = 10 * time.Second

// defaultGazetteer is the gazetteer file the nodes of a PostgreSQL
// deployment read (make setup builds it).
const defaultGazetteer = "data/geonews.db"

// openPostgres opens the PostGIS event store at url, migrating its schema.
func openPostgres(url string) (*postgis.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbConnectTimeout)
	defer cancel()
	return postgis.Open(ctx, url)
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
