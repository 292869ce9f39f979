// Command geonews turns news text into a map of events: a gazetteer, a
// geoparser, an event store and a web server in one binary.
//
// This package is wiring only: flags and environment become config values,
// the DB is opened, the parts are built and one subcommand runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one geonews subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands is the table of subcommands; each lives in a file of its own name.
var commands = map[string]command{
	"serve":     {"serve the map and the OGC API – Features over HTTP", runServe},
	"resolve":   {"resolve place names to gazetteer entries, one JSON line per name", runResolve},
	"gazetteer": {"build, import, add, edit, delete and inspect gazetteer entries", runGazetteer},
	"geoparse":  {"find and resolve the places mentioned in text", runGeoparse},
	"ingest":    {"geoparse an article and store its events", runIngest},
	"events":    {"import and export events as GeoJSON", runEvents},
	"feeds":     {"follow news feeds: add, list, remove, poll", runFeeds},
	"backup":    {"write a consistent copy of the database while it is in use", runBackup},
	"check":     {"check a database: bbolt's consistency check and the event store's rules", runCheck},
	"bench":     {"build a database of synthetic events and print the query, cluster and tile figures", runBench},
	"train":     {"train the geoparser's mention models on the eval corpora", runTrain},
	"version":   {"print the version", runVersion},
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Env is what a subcommand may touch of the outside world, so that tests can
// run commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Logger *slog.Logger
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	code := Run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// Run runs the subcommand named by args[0] and returns the process exit code:
// 0 on success, 1 on failure (one line on stderr), 2 on a usage error.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "geonews: unknown command %q (see geonews --help)\n", args[0])
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(env.Stderr, "geonews %s: %v (see geonews %s --help)\n", args[0], err, args[0])
		return 2
	default:
		fmt.Fprintf(env.Stderr, "geonews %s: %s\n", args[0], oneLine(err))
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "geonews turns news text into a map of events.\n\nUsage: geonews COMMAND [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nEvery command takes --help. The database is --db, $GEONEWS_DB or ./data/geonews.db.\n"+
		"Data: GeoNames (CC BY 4.0, geonames.org), Natural Earth (public domain, naturalearthdata.com).\n")
}

// usageError is a mistake in how a command was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// oneLine folds an error message onto one line for the terminal.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// newFlags returns a FlagSet for a subcommand whose --help prints the given
// synopsis and description before the flags.
func newFlags(env *Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: geonews %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		has := false
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintf(env.Stderr, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args with flags and positional arguments in any order
// ("resolve Paris --country US" works as well as "resolve --country US Paris");
// "--" ends the flags. It returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// Parse stops at the first positional argument, or after "--",
		// which makes everything after it positional.
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dbFlag registers the --db flag every command that touches the DB takes.
func dbFlag(fs *flag.FlagSet, env *Env) *string {
	def := env.Getenv("GEONEWS_DB")
	if def == "" {
		def = "data/geonews.db"
	}
	return fs.String("db", def, "database `file` (env GEONEWS_DB)")
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version", "version", "Print the version of this binary.")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "geonews %s\n", version)
	return nil
}
