package main

import (
	"context"
	"fmt"

	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
)

// Both stores merge the reports of one happening as ingest asks, and split
// them again as the server asks.
var (
	_ ingest.HappeningStore = (*store.Store)(nil)
	_ server.EventSplitter  = (*store.Store)(nil)
	_ ingest.HappeningStore = (*postgis.Store)(nil)
	_ server.EventSplitter  = (*postgis.Store)(nil)
)

func runEventsSplit(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "events split", "events split [--db FILE] ID", `
Undo the merge of the event ID: reports of one happening from several
articles were merged into it (its properties list the sources and the rule
in merge). It becomes the report of its first article again, and each other
report the event it was before it merged. Prints the IDs of the events, one
a line, the split one first. A database that geonews serve holds is split
over HTTP instead: POST /collections/events/items/ID/split.`)
	dbPath := dbFlag(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one event ID")
	}
	s, closeDB, err := openStore(env, *dbPath, false)
	if err != nil {
		return err
	}
	defer closeDB()
	sp, ok := s.(server.EventSplitter)
	if !ok {
		return fmt.Errorf("this database's event store does not merge reports, so there is nothing to split")
	}
	evs, err := sp.SplitEvent(ctx, pos[0])
	if err != nil {
		return err
	}
	for _, e := range evs {
		fmt.Fprintln(env.Stdout, e.ID)
	}
	fmt.Fprintf(env.Stderr, "split %s into %d events\n", pos[0], len(evs))
	return nil
}
