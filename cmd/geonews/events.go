package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/store"
)

const eventsUsage = `Import and export events as GeoJSON.

Subcommands:
  import FILE|-   store the events of a FeatureCollection, newline-delimited
                  GeoJSON or RFC 8142 GeoJSON sequence
  export          write the stored events that match the filters
  split ID        undo the merge of an event reported by several articles

Run geonews events SUBCOMMAND --help for their flags.`

func runEvents(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.Stderr, "Usage: geonews events import|export|split [flags]\n\n%s\n", eventsUsage)
		if len(args) == 0 {
			return usagef("missing subcommand import, export or split")
		}
		return nil
	}
	switch args[0] {
	case "import":
		return runEventsImport(ctx, env, args[1:])
	case "export":
		return runEventsExport(ctx, env, args[1:])
	case "split":
		return runEventsSplit(ctx, env, args[1:])
	}
	return usagef("unknown subcommand %q (import, export or split)", args[0])
}

func runEventsImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "events import", "events import [--db FILE] [--batch N] FILE|-", `
Store the events of FILE (or standard input for -): a GeoJSON FeatureCollection,
newline-delimited GeoJSON (one Feature a line) or an RFC 8142 GeoJSON text
sequence. Each Feature is read by the rules of POST /collections/events/items
(unknown properties are errors; properties.source.published may be in any
common form, stored as the instant), and needs properties.time,
properties.title and a Point geometry: there is no gazetteer here to locate a
place by name. A feature whose id is already stored
is skipped, one without an id gets one made from its content, so importing a
file twice is harmless.
Every line is read and checked before the first event is stored: a bad line
stops the import with its line number, and nothing is stored. The events are
then stored in time order in batches, each in one transaction; memory depends
on the batch size, not on the size of the file.`)
	dbPath := dbFlag(fs, env)
	batch := fs.Int("batch", store.DefaultImportBatch, "events per `transaction`; larger batches write a more compact file faster, at more memory")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one FILE (or - for standard input)")
	}
	if *batch < 1 {
		return usagef("--batch must be at least 1")
	}
	var in io.Reader = env.Stdin
	size := int64(-1)
	name := "standard input"
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		in, name = f, pos[0]
	}
	s, closeDB, err := openStore(env, *dbPath, false)
	if err != nil {
		return err
	}
	defer closeDB()
	bar := newBar(env, size, "reading "+name)
	start := time.Now()
	stored, seen, err := importEvents(ctx, s, io.TeeReader(in, bar), *batch)
	bar.Finish()
	fmt.Fprintln(env.Stderr)
	if err != nil {
		if stored > 0 {
			return fmt.Errorf("%s: %w (the %d new events of earlier batches are stored)", name, err, stored)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(env.Stderr, "imported %d new events (%d already stored) from %s in %.1fs\n",
		stored, seen-stored, name, time.Since(start).Seconds())
	return nil
}

// importEvents stores the events read from r through store.ImportEvents,
// which writes them in transactions of batch events. Lines are parsed and
// checked on the other CPUs in slices of parseSlice while the store sorts
// the previous ones. It returns how many events it stored and how many it
// read.
func importEvents(ctx context.Context, s geo.EventStore, r io.Reader, batch int) (stored, read int, err error) {
	// Parsing allocates a lot that dies young; fewer GC cycles save ~15%,
	// and the soft limit stops that from growing the heap past ~2 GiB.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(2 << 30))
	const parseSlice = 10000
	slices := make(chan []*geo.Event, 4)
	parseErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(slices)
		er := geo.NewEventReader(r)
		er.Published = geoparse.PublishedTime // the rule of POST /collections/events/items
		for {
			events, lines, err := er.ReadBatch(parseSlice)
			if errors.Is(err, io.EOF) {
				parseErr <- nil
				return
			} else if err != nil {
				parseErr <- err
				return
			}
			for i, e := range events {
				if err := geo.ValidateEvent(e); err != nil {
					parseErr <- geo.Errorf(geo.EINVALID, "line %d: %s", lines[i], geo.ErrorMessage(err))
					return
				}
			}
			select {
			case slices <- events:
			case <-ctx.Done():
				parseErr <- ctx.Err()
				return
			}
		}
	}()
	next := func() ([]*geo.Event, error) {
		if events, ok := <-slices; ok {
			read += len(events)
			return events, nil
		}
		if err := <-parseErr; err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	stored, err = importAll(ctx, s, next, batch)
	cancel()
	for range slices {
	}
	return stored, read, err
}

func runEventsExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "events export", "events export [--db FILE] [--bbox W,S,E,N] [--datetime A/B] [--tags T,…] [--q TEXT] [--format geojson|ndjson|seq] [--limit N]", `
Write the stored events that match every filter given, newest first, to
standard output: as one GeoJSON FeatureCollection (geojson), one Feature a line
(ndjson) or an RFC 8142 GeoJSON text sequence (seq). geonews events import
reads all three back.`)
	dbPath := dbFlag(fs, env)
	bbox := fs.String("bbox", "", "only events inside `W,S,E,N` (W > E crosses the antimeridian)")
	datetime := fs.String("datetime", "", "only events at `TIME`: an instant, A/B, ../B or A/..")
	tags := fs.String("tags", "", "only events with any of these comma-separated `tags`")
	q := fs.String("q", "", "only events whose title or place name contains `text`")
	format := fs.String("format", "geojson", "output `format`: geojson, ndjson or seq")
	limit := fs.Int("limit", 0, "write at most `N` events (0: all)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	var f geo.EventFilter
	if *bbox != "" {
		b, err := geo.ParseBBox(*bbox)
		if err != nil {
			return usagef("--bbox: %s", geo.ErrorMessage(err))
		}
		f.BBox = &b
	}
	if *datetime != "" {
		iv, err := geo.ParseInterval(*datetime)
		if err != nil {
			return usagef("--datetime: %s", geo.ErrorMessage(err))
		}
		f.Interval = iv
	}
	if *tags != "" {
		f.Tags = strings.Split(*tags, ",")
	}
	f.Q = *q
	switch *format {
	case "geojson", "ndjson", "seq":
	default:
		return usagef("--format must be geojson, ndjson or seq, not %q", *format)
	}
	if *limit < 0 {
		return usagef("--limit must not be negative")
	}
	s, closeDB, err := openStore(env, *dbPath, true)
	if err != nil {
		return err
	}
	defer closeDB()
	w := bufio.NewWriterSize(env.Stdout, 1<<20)
	var buf []byte
	if *format == "geojson" {
		buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	}
	n := 0
	for {
		f.Limit = geo.MaxLimit
		if *limit > 0 {
			f.Limit = min(geo.MaxLimit, *limit-n)
		}
		page, err := s.FindEvents(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			switch *format {
			case "geojson":
				if n > 0 {
					buf = append(buf, ",\n"...)
				} else {
					buf = append(buf, '\n')
				}
				buf = geo.AppendFeature(buf, e)
			case "ndjson":
				buf = append(geo.AppendFeature(buf, e), '\n')
			case "seq":
				buf = append(geo.AppendFeature(append(buf, geo.RS), e), '\n')
			}
			n++
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
		if page.Next == "" || (*limit > 0 && n >= *limit) {
			break
		}
		f.Cursor = page.Next
	}
	if *format == "geojson" {
		if _, err := w.WriteString("\n]}\n"); err != nil {
			return err
		}
	}
	return w.Flush()
}

func runBackup(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "backup", "backup [--db FILE] FILE|-", `
Write a consistent copy of the whole database (events and gazetteer) to FILE,
or to standard output for -. The copy comes from one read transaction, so it
is whole even if written to meanwhile. A running geonews serve holds the
database: back it up over HTTP with GET /backup instead.`)
	dbPath := dbFlag(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one FILE (or - for standard output)")
	}
	es, closeDB, err := openStore(env, *dbPath, true)
	if err != nil {
		return err
	}
	defer closeDB()
	s, ok := es.(backuper)
	if !ok {
		return usagef("this database is not a file geonews can copy; back PostgreSQL up with pg_dump (see the README)")
	}
	if pos[0] == "-" {
		_, err := s.Backup(ctx, env.Stdout)
		return err
	}
	dst := pos[0]
	if abs, err := filepath.Abs(dst); err == nil {
		if src, err := filepath.Abs(*dbPath); err == nil && abs == src {
			return usagef("FILE is the database itself")
		}
	}
	// Write beside the target and rename, so that FILE is never half written.
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := s.Backup(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return fmt.Errorf("write backup %s: %w", dst, err)
	}
	fmt.Fprintf(env.Stderr, "wrote %d bytes to %s\n", n, dst)
	return nil
}

// importAll stores what next returns through the backend's bulk load:
// bbolt's sorted import, another backend's geo.EventImporter, or else
// CreateEvents a batch at a time.
func importAll(ctx context.Context, s geo.EventStore, next func() ([]*geo.Event, error), batch int) (int, error) {
	switch st := s.(type) {
	case *store.Store:
		return st.ImportEvents(ctx, next, store.ImportOptions{Batch: batch})
	case geo.EventImporter:
		// --batch's default suits bbolt; PostgreSQL takes smaller ones.
		return st.ImportEvents(ctx, next, min(batch, postgis.DefaultImportBatch))
	}
	created := 0
	for {
		events, err := next()
		if errors.Is(err, io.EOF) {
			return created, nil
		} else if err != nil {
			return created, err
		}
		n, err := s.CreateEvents(ctx, events)
		created += n
		if err != nil {
			return created, err
		}
	}
}

// backuper is a backend that writes a copy of its whole database (bbolt).
type backuper interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

// openStore opens the event store that path names: a PostgreSQL database
// for a postgres:// URL, else a bbolt file.
func openStore(env *Env, path string, readOnly bool) (geo.EventStore, func() error, error) {
	if postgis.IsURL(path) {
		s, err := openPostgres(env, path)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	db, err := openDB(path, readOnly)
	if err != nil {
		return nil, nil, err
	}
	s, err := store.Open(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db.Close, nil
}
