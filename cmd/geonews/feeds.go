package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/postgis"
)

var feedsCommands = map[string]command{
	"add":    {"follow a feed (RSS, Atom or JSON Feed)", runFeedsAdd},
	"list":   {"print the feeds followed and what their last polls did", runFeedsList},
	"remove": {"stop following a feed", runFeedsRemove},
	"poll":   {"poll the feeds and store the events of their new items", runFeedsPoll},
	"import": {"follow the feeds of an OPML subscription list", runFeedsImport},
	"export": {"write the feeds as an OPML subscription list", runFeedsExport},
}

func runFeeds(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, "feeds", []string{"add", "list", "remove", "poll", "import", "export"}, feedsCommands, args)
}

// feedsArg parses a feeds subcommand's flags, which must leave one
// argument (described by what), and opens the feed store; the caller calls
// the returned close.
func feedsArg(env *Env, fs *flag.FlagSet, db *string, args []string, what string) (string, feeds.Storage, func() error, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", nil, nil, err
	}
	if len(pos) != 1 {
		return "", nil, nil, usagef("one %s expected", what)
	}
	s, closeDB, err := openFeeds(env, *db)
	if err != nil {
		return "", nil, nil, err
	}
	return pos[0], s, closeDB, nil
}

// openFeeds opens the feed store: in the bbolt file at path (for
// writing), or in the PostgreSQL database path names. The caller calls the
// returned close.
func openFeeds(env *Env, path string) (feeds.Storage, func() error, error) {
	if postgis.IsURL(path) {
		pg, err := openPostgres(env, path)
		if err != nil {
			return nil, nil, err
		}
		s, err := feeds.OpenPostgres(context.Background(), pg.Pool())
		if err != nil {
			pg.Close()
			return nil, nil, err
		}
		return s, func() error { s.Close(); return pg.Close() }, nil
	}
	db, err := openDB(path, false)
	if err != nil {
		return nil, nil, err
	}
	s, err := feeds.Open(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db.Close, nil
}

func runFeedsAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds add", "feeds add [--interval 10m] [--title T] URL", `
Follow a feed: RSS 0.9x/1.0/2.0, Atom 1.0 or JSON Feed 1.x, over http or
https. It is polled every --interval (give or take a tenth; failures back
off exponentially) by `+"`geonews serve`"+` or `+"`geonews feeds poll`"+`.`)
	db := dbFlag(fs, env)
	interval := fs.Duration("interval", feeds.DefaultInterval, "how often to poll (1m to 168h)")
	title := fs.String("title", "", "the outlet's name (default: the feed's own title)")
	url, s, closeDB, err := feedsArg(env, fs, db, args, "URL")
	if err != nil {
		return err
	}
	defer closeDB()
	f := &feeds.Feed{URL: url, Title: *title, Interval: *interval}
	if err := s.CreateFeed(ctx, f); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "following feed %d: %s every %s\n", f.ID, f.URL, f.Interval)
	return nil
}

func runFeedsList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds list", "feeds list", `
Print the feeds followed, one a line: id, interval, the last poll (when,
HTTP status, items in the feed and how many were new), the articles, events
and skipped items read from it in all, its URL and its last error or the
reason the last item was skipped.`)
	db := dbFlag(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	s, closeDB, err := openFeeds(env, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	all, err := s.Feeds(ctx)
	if err != nil {
		return err
	}
	printFeeds(env, all)
	return nil
}

// printFeeds writes feeds as a table.
func printFeeds(env *Env, all []*feeds.Feed) {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tINTERVAL\tLAST POLL\tHTTP\tITEMS\tNEW\tARTICLES\tEVENTS\tSKIPPED\tURL\tNOTE")
	for _, f := range all {
		st := f.Status
		last := "never"
		if !st.LastPoll.IsZero() {
			last = st.LastPoll.UTC().Format(time.RFC3339)
		}
		note := st.LastError
		if note == "" && st.SkipReason != "" {
			note = "last skipped: " + st.SkipReason
		}
		if f.Title != "" {
			note = f.Title + "  " + note
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", f.ID, f.Interval, last, st.HTTPStatus, st.Items, st.NewItems,
			st.Articles, st.Events, st.Skipped, f.URL, note)
	}
	w.Flush()
}

func runFeedsRemove(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds remove", "feeds remove ID", `
Stop following a feed. The events read from it stay.`)
	db := dbFlag(fs, env)
	arg, s, closeDB, err := feedsArg(env, fs, db, args, "feed ID")
	if err != nil {
		return err
	}
	defer closeDB()
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return usagef("feed ID %q is not a number", arg)
	}
	if err := s.DeleteFeed(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "removed feed %d\n", id)
	return nil
}

func runFeedsPoll(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds poll", "feeds poll [--once] [--workers 4]", `
Poll the feeds and store the events of their new items, on a database no
server holds (a running `+"`geonews serve`"+` polls by itself). On PostgreSQL
(--db postgres://…) it may run beside the servers: each feed is polled by
one process at a time. Without --once,
polls each feed when it is due until SIGINT or SIGTERM; with --once, polls
every feed now, prints the list and exits (status 1 if a feed failed).`)
	db := dbFlag(fs, env)
	once := fs.Bool("once", false, "poll every feed once and exit")
	workers := fs.Int("workers", 4, "feeds polled at once")
	pages := fs.Bool("pages", true, "read the page of an item that carries only a summary")
	gazFile := gazetteerFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *workers < 1 {
		return usagef("--workers %d: must be 1 or more", *workers)
	}
	svc, wdb, closeDB, err := openIngest(env, *db, *gazFile, "")
	if err != nil {
		return err
	}
	defer closeDB()
	var s feeds.Storage
	if wdb != nil {
		s, err = feeds.Open(wdb)
	} else { // PostgreSQL: its own connections, beside the ingest's
		var closeFeeds func() error
		s, closeFeeds, err = openFeeds(env, *db)
		if err == nil {
			defer closeFeeds()
		}
	}
	if err != nil {
		return err
	}
	p := feeds.NewPoller(s, svc, feeds.PollerOptions{Workers: *workers, Logger: env.Logger, FetchPages: *pages})
	defer p.Close()
	if !*once {
		p.Run(ctx)
		return nil
	}
	p.PollAll(ctx)
	all, err := s.Feeds(ctx)
	if err != nil {
		return err
	}
	printFeeds(env, all)
	failed := 0
	for _, f := range all {
		if f.Status.LastError != "" {
			failed++
		}
	}
	if failed > 0 {
		return geo.Errorf(geo.EUNAVAILABLE, "%d of %d feeds failed (see NOTE)", failed, len(all))
	}
	return ctx.Err()
}

func runFeedsImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds import", "feeds import FILE|-", `
Follow every feed of an OPML subscription list (as feed readers export
them; folders are flattened). Feeds already followed, and URLs that are not
http or https, are skipped with the reason on stderr (exit status 1 if any).`)
	db := dbFlag(fs, env)
	file, s, closeDB, err := feedsArg(env, fs, db, args, "FILE or -")
	if err != nil {
		return err
	}
	defer closeDB()
	var r io.Reader = env.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return geo.Errorf(geo.EINVALID, "%v", err)
		}
		defer f.Close()
		r = f
	}
	list, err := feeds.ReadOPML(r)
	if err != nil {
		return err
	}
	res, err := s.ImportFeeds(ctx, list)
	if err != nil {
		return err
	}
	for _, f := range res.Added {
		fmt.Fprintf(env.Stdout, "following feed %d: %s every %s\n", f.ID, f.URL, f.Interval)
	}
	for _, u := range slices.Sorted(maps.Keys(res.Skipped)) {
		fmt.Fprintf(env.Stderr, "skipped %s: %s\n", u, res.Skipped[u])
	}
	if len(res.Skipped) > 0 {
		return geo.Errorf(geo.EINVALID, "%d of %d feeds skipped", len(res.Skipped), len(list))
	}
	return nil
}

func runFeedsExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "feeds export", "feeds export FILE|-", `
Write the feeds followed as an OPML 2.0 subscription list, which feed readers
and `+"`geonews feeds import`"+` read (- for stdout).`)
	db := dbFlag(fs, env)
	file, s, closeDB, err := feedsArg(env, fs, db, args, "FILE or -")
	if err != nil {
		return err
	}
	defer closeDB()
	all, err := s.Feeds(ctx)
	if err != nil {
		return err
	}
	if file == "-" {
		return feeds.WriteOPML(env.Stdout, all, time.Now())
	}
	var buf bytes.Buffer
	if err := feeds.WriteOPML(&buf, all, time.Now()); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}
