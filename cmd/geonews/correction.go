package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/store"
)

// The command registers itself here rather than in main.go's table, whose
// alignment its longer name would redo.
func init() {
	commands["corrections"] = command{"list and undo the rules learned from users' corrections of events", runCorrections}
}

var correctionsCommands = map[string]command{
	"list": {"print the rules learned from users' corrections, with their provenance", runCorrectionsList},
	"undo": {"forget a rule and put its event back where it was", runCorrectionsUndo},
}

func runCorrections(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, "corrections", []string{"list", "undo"}, correctionsCommands, args)
}

// openCorrections opens the correction service of the database at path;
// the caller calls the returned close. On a bbolt file the rules are the
// gazetteer's; on a postgres:// URL they are in PostgreSQL, shared by the
// nodes, over the gazetteer file gazFile (see openOverlay).
func openCorrections(ctx context.Context, env *Env, path, gazFile string, readOnly bool) (*corrections.Service, func() error, error) {
	if postgis.IsURL(path) {
		pg, ov, closeAll, err := openOverlay(ctx, env, path, gazFile)
		if err != nil {
			return nil, nil, err
		}
		return &corrections.Service{Events: pg, Rules: ov.Rules()}, closeAll, nil
	}
	db, err := openDB(path, readOnly)
	if err != nil {
		return nil, nil, err
	}
	gaz, err := gazetteer.Open(db)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open gazetteer: %w", err)
	}
	svc := &corrections.Service{Rules: gaz}
	if !readOnly {
		events, err := store.Open(db)
		if err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("open event store: %w", err)
		}
		svc.Events = events
	}
	return svc, db.Close, nil
}

func runCorrectionsList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "corrections list", "corrections list", `
Print the rules learned from corrections made on the map or with POST
/corrections, oldest first, one a line: id, what the rule says (the name is
a place, or no place, in articles about a country), the event corrected,
when, and the article it was read from. Undo one with
`+"`geonews corrections undo ID`"+`.`)
	db := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	svc, closeDB, err := openCorrections(ctx, env, *db, *gazFile, true)
	if err != nil {
		return err
	}
	defer closeDB()
	all, err := svc.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tACTION\tNAME\tCOUNTRY\tPLACE\tEVENT\tCREATED\tURL")
	for _, c := range all {
		place := "-"
		if c.PlaceID != 0 {
			place = strconv.FormatInt(c.PlaceID, 10)
			if p, err := svc.Rules.Place(ctx, c.PlaceID); err == nil {
				place += " " + corrections.PlaceLabel(p)
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Action, c.Name, c.Country, place, c.EventID,
			c.Created.UTC().Format(time.RFC3339), c.URL)
	}
	return w.Flush()
}

func runCorrectionsUndo(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "corrections undo", "corrections undo ID", `
Forget a correction's rule: later articles resolve its name as they did
before it. Its event goes back where it was (a moved event to its old place,
an event taken off the map back onto it) unless it was edited or deleted
since, which the output says. On a bbolt file it needs a database no server
holds (with a running `+"`geonews serve`"+`, use DELETE /corrections/ID); on
--db postgres://… the running nodes take the undo within a second.`)
	db := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("one correction ID expected")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("correction ID %q is not a positive number", pos[0])
	}
	svc, closeDB, err := openCorrections(ctx, env, *db, *gazFile, false)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := svc.Undo(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "undid correction %d: %s\n", id, u.Correction)
	if u.Restored {
		fmt.Fprintf(env.Stdout, "event %s is back as it was\n", u.Correction.EventID)
	} else if u.Note != "" {
		fmt.Fprintf(env.Stdout, "event %s: %s\n", u.Correction.EventID, u.Note)
	}
	return nil
}
