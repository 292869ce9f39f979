package main

import (
	"context"
	"fmt"

	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

func runCheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "check", "check [--db FILE] [-v]", `
Check a database, after a crash for instance: bbolt's consistency check of
the whole file (every page reachable once, no page both used and free),
then the event store's own rules: every index entry points at a stored
event, every event is in every index it belongs to, the counters (total,
per cell, per tag, per set of tags) equal what the events add up to, and no
event ID is stored twice. It reads only, through a read-only open: stop a
running geonews serve first.

Prints one line and exits 0 when all holds; otherwise exits 1 with a
one-line summary naming the first problem (-v lists them all, up to 50).`)
	dbPath := dbFlag(fs, env)
	verbose := fs.Bool("v", false, "list every problem found (up to 50), one a line, before the summary")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var problems []string
	count := 0
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			count++
			if len(problems) < 50 {
				problems = append(problems, "bbolt: "+err.Error())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s, err := store.Open(db)
	if err != nil {
		return err
	}
	r, err := s.Check(ctx)
	if err != nil {
		return err
	}
	count += r.Count
	problems = append(problems, r.Problems...)
	if count == 0 {
		fmt.Fprintf(env.Stdout, "ok: %s: %d events, %d index entries; bbolt's check and the event store's rules hold\n", *dbPath, r.Events, r.Entries)
		return nil
	}
	if *verbose {
		for _, p := range problems {
			fmt.Fprintln(env.Stderr, p)
		}
	}
	noun := "problems"
	if count == 1 {
		noun = "problem"
	}
	return fmt.Errorf("%s: %d %s (%d events): %s", *dbPath, count, noun, r.Events, problems[0])
}
