package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/placesync"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/server"
	"github.com/geonews/geonews/store"
	"github.com/geonews/geonews/web"
	bolt "go.etcd.io/bbolt"
)

// defaultTiles is OpenStreetMap's tile server; its terms ask for attribution,
// which the map page shows. --tiles off keeps the page fully offline.
const defaultTiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

// shutdownTimeout bounds how long requests in flight (writes included) may
// take to finish after SIGINT/SIGTERM before the DB is closed under them.
const shutdownTimeout = 15 * time.Second

// defaultMaxMapped is how many MB of the DB file serve keeps mapped (see
// keepMappedUnder). A query that fetches records at random maps a 4 KiB
// page per record, so between two checks the mapping can grow by ~100 MB;
// with the process's own ~50-100 MB, resident memory stays under 500 MB at
// any number of events.
const defaultMaxMapped = 200

// trimInterval is how often serve compares the mapping with its budget: a
// read of /proc/self/statm, a few µs.
const trimInterval = 20 * time.Millisecond

// serveGCPercent is the server's GOGC unless the environment sets one.
const serveGCPercent = 400

// defaultMaxHeap is --max-heap's default, in MB: the soft limit on the Go
// runtime's memory (debug.SetMemoryLimit). Below it the collector runs at
// serveGCPercent, which keeps reads fast; near it, it runs as often as
// needed. Polling feeds allocates ~100 KB an article around a live heap of
// ~55 MB (28 MB of it go-dateparser's compiled regexps, 16 MB the
// gazetteer's key set), so at GOGC=400 alone the heap grew to ~290 MB.
// With the mapped file's 200 MB (--max-mapped) the server stays under
// 300 MB resident while polling 1,000 feeds (BenchmarkServeFeedsMemory).
const defaultMaxHeap = 90

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "serve [--addr 127.0.0.1:8080] [--db FILE] [--token TOKEN] [--tiles URL|off] [--max-mapped MB] [--max-heap MB] [--base-url URL] [--trust-proxy] [--cors-origin URL]...", `
Serve the map at / and the events and the gazetteer as OGC API – Features
(/collections/events/items, /collections/places/items; the API is described
at /api). Reads are public. Writes (adding events, places and articles) and
GET /backup need "Authorization: Bearer TOKEN"; without --token a token is
made at start and logged in a URL that opens the map ready to write.
Pages on any origin may read the API (CORS); only the origins named by
--cors-origin may write to it from a browser.
SIGINT or SIGTERM stop the server after the requests in flight.`)
	addr := fs.String("addr", getenvOr(env, "GEONEWS_ADDR", "127.0.0.1:8080"), "listen `address` host:port (env GEONEWS_ADDR)")
	dbPath := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	token := fs.String("token", env.Getenv("GEONEWS_TOKEN"), "bearer `token` for writes (env GEONEWS_TOKEN; default: a new random one)")
	baseURL := fs.String("base-url", env.Getenv("GEONEWS_BASE_URL"), "`URL` clients reach the server at, which links start with (env GEONEWS_BASE_URL; default: http:// and the listen address)")
	trustProxy := fs.Bool("trust-proxy", env.Getenv("GEONEWS_TRUST_PROXY") == "1", "build links from the Host and X-Forwarded-Proto/-Host headers a reverse proxy sets (env GEONEWS_TRUST_PROXY=1); without it they are ignored")
	tiles := fs.String("tiles", getenvOr(env, "GEONEWS_TILES", defaultTiles), "map tile `URL` template, or off for the offline basemap (env GEONEWS_TILES)")
	defMapped, envErr := defaultMaxMapped, error(nil)
	if v := strings.TrimSpace(env.Getenv("GEONEWS_MAX_MAPPED")); v != "" {
		if defMapped, envErr = strconv.Atoi(v); envErr != nil {
			envErr = usagef("GEONEWS_MAX_MAPPED=%q: not a number of MB", v)
		}
	}
	maxMapped := fs.Int("max-mapped", defMapped, "`MB` of the database file kept mapped in memory; past it the mapping is trimmed (the kernel's page cache keeps the data); 0: no limit (env GEONEWS_MAX_MAPPED)")
	defHeap, heapErr := defaultMaxHeap, error(nil)
	if v := strings.TrimSpace(env.Getenv("GEONEWS_MAX_HEAP")); v != "" {
		if defHeap, heapErr = strconv.Atoi(v); heapErr != nil {
			heapErr = usagef("GEONEWS_MAX_HEAP=%q: not a number of MB", v)
		}
	}
	maxHeap := fs.Int("max-heap", defHeap, "soft limit on the server's own memory in `MB` (its Go heap; the mapped file is --max-mapped's): past it the garbage collector runs more often; 0: no limit (env GEONEWS_MAX_HEAP; GOMEMLIMIT, when set, wins)")
	var corsOrigins []string
	addOrigins := func(list string) error {
		for _, o := range strings.Split(list, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			u, err := server.CheckOrigin(o)
			if err != nil {
				return err
			}
			corsOrigins = append(corsOrigins, u)
		}
		return nil
	}
	if v := env.Getenv("GEONEWS_CORS_ORIGIN"); v != "" && envErr == nil {
		if err := addOrigins(v); err != nil {
			envErr = usagef("GEONEWS_CORS_ORIGIN: %s", geo.ErrorMessage(err))
		}
	}
	fs.Func("cors-origin", "an `origin` (https://app.example.org) whose pages may write cross-origin; repeat it or give a comma list (env GEONEWS_CORS_ORIGIN, added to)", func(v string) error {
		if err := addOrigins(v); err != nil {
			return errors.New(geo.ErrorMessage(err))
		}
		return nil
	})
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if heapErr != nil {
		return heapErr
	}
	if *maxHeap < 0 {
		return usagef("--max-heap %d: must be 0 (no limit) or more", *maxHeap)
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if envErr != nil {
		return envErr
	}
	if *maxMapped < 0 {
		return usagef("--max-mapped %d: must be 0 (no limit) or more", *maxMapped)
	}
	if *baseURL != "" {
		if _, err := server.CheckBaseURL(*baseURL); err != nil {
			return usagef("--base-url: %s", geo.ErrorMessage(err))
		}
	}
	if *tiles == "off" || *tiles == "none" {
		*tiles = ""
	}
	generated := *token == ""
	if generated {
		if *token, err = newToken(); err != nil {
			return err
		}
	}

	if env.Getenv("GOGC") == "" {
		// Pages die with their request and the live heap is small (the
		// data is bbolt's mmap), so at the default GOGC=100 the collector
		// ran every few requests (GOGC=400 took a world page over HTTP from
		// 2.1 to 1.2 CPU-ms).
		debug.SetGCPercent(serveGCPercent)
	}
	if env.Getenv("GOMEMLIMIT") == "" && *maxHeap > 0 {
		// Restored on return, for the tests that serve in their process.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(*maxHeap) << 20))
	}
	// The events live in the bbolt file with the gazetteer and the feeds,
	// or in PostgreSQL with the feeds, beside a shared read-only gazetteer
	// file.
	var (
		db       *bolt.DB
		events   geo.EventStore
		backup   server.BackupService
		places   server.PlaceService
		articles *ingest.Service
		poller   *feeds.Poller
		feedSvc  server.FeedService
		closeAll func() error
		// gaz is the gazetteer; rules keeps the correction rules: its
		// buckets on bbolt, PostgreSQL beside the shared file otherwise
		gaz   *gazetteer.Gazetteer
		rules corrections.Rules
	)
	if postgis.IsURL(*dbPath) {
		pg, err := openPostgres(env, *dbPath)
		if err != nil {
			return err
		}
		defer pg.Close()
		var closeGaz func() error
		gaz, closeGaz, err = openSharedGazetteer(gazetteerPath(env, *gazFile))
		if err != nil {
			return err
		}
		defer closeGaz()
		// The users' edits live in PostgreSQL, over the shared file.
		ov, err := placesync.Open(ctx, pg.Pool(), gaz, env.Logger)
		if err != nil {
			return fmt.Errorf("gazetteer edits: %w", err)
		}
		events, backup, places = pg, pg, ov
		rules = ov.Rules()
		articles = ingest.New(geoparse.New(ov, geoparse.DefaultLanguage()), pg)
		// The feeds too: every node polls, one at a time per feed.
		followed, err := feeds.OpenPostgres(ctx, pg.Pool())
		if err != nil {
			return err
		}
		poller = feeds.NewPoller(followed, articles, feeds.PollerOptions{Logger: env.Logger, FetchPages: true})
		feedSvc = poller
		closeAll = func() error { followed.Close(); closeGaz(); return pg.Close() }
	} else {
		if db, err = openDB(*dbPath, false); err != nil {
			return err
		}
		defer db.Close()
		st, err := store.Open(db)
		if err != nil {
			return fmt.Errorf("open event store: %w", err)
		}
		if gaz, err = gazetteer.Open(db); err != nil {
			return fmt.Errorf("open gazetteer: %w", err)
		}
		rules = gaz
		articles = ingest.New(geoparse.New(geoparse.FromGazetteer(gaz), geoparse.DefaultLanguage()), st)
		followed, err := feeds.Open(db)
		if err != nil {
			return fmt.Errorf("open feeds: %w", err)
		}
		poller = feeds.NewPoller(followed, articles, feeds.PollerOptions{Logger: env.Logger, FetchPages: true})
		events, backup, places, feedSvc, closeAll = st, st, placeService{gaz}, poller, db.Close
	}
	cfg := server.Config{
		Events:     events,
		Places:     places,
		Articles:   articles,
		Feeds:      feedSvc,
		Backup:     backup,
		Token:      *token,
		Logger:     env.Logger,
		Web:        web.Files(),
		Tiles:      *tiles,
		Version:    version,
		BaseURL:    *baseURL,
		TrustProxy: *trustProxy,
		// The origins that may write from a browser (--cors-origin).
		CORSOrigins: corsOrigins,
	}
	// Corrections are rules that the geoparser above reads: in the
	// gazetteer's buckets, or in PostgreSQL, shared by every node.
	if rules != nil {
		cfg.Corrections = &corrections.Service{Events: events, Rules: rules}
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Open(*addr); err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// The places collection's extent is one walk of the gazetteer (~0.5 s
	// for 204k places): take it now rather than on a client's first
	// /collections.
	go func() {
		if _, _, err := gaz.PlaceExtent(ctx); err != nil && ctx.Err() == nil {
			env.Logger.Warn("places extent", "err", err)
		}
	}()
	// Feeds are polled until shutdown; Close below drains the polls in
	// flight before the DB closes.
	if poller != nil {
		poller.Start(ctx)
	}
	if *maxMapped > 0 && db != nil {
		go keepMappedUnder(ctx, db, int64(*maxMapped)<<20, trimInterval, env.Logger)
	}
	dbName := *dbPath
	if postgis.IsURL(dbName) {
		dbName = "postgres" // the URL may hold a password
	}
	env.Logger.Info("serving", "url", srv.URL(), "db", dbName, "version", version)
	if generated {
		// As Jupyter does: the URL carries the token, the page keeps it.
		env.Logger.Info("to add events and places from the map, open", "url", srv.URL()+"/?token="+*token)
	}

	<-ctx.Done()
	env.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// HTTP first, so that every write in flight commits, then the DB.
	if err := srv.Close(sctx); err != nil {
		env.Logger.Warn("requests still running at shutdown", "err", err)
	}
	if poller != nil {
		poller.Close()
	}
	if err := closeAll(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	env.Logger.Info("stopped")
	return nil
}

// newToken returns 32 random bytes, URL-safe: good for a bearer token and
// a query parameter alike.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// getenvOr returns the environment variable, or def when it is unset or blank.
func getenvOr(env *Env, key, def string) string {
	if v := strings.TrimSpace(env.Getenv(key)); v != "" {
		return v
	}
	return def
}

// placeService adapts the gazetteer to what the server needs of it: the
// gazetteer's own methods, and ResolvePlace on top of Resolve.
type placeService struct{ *gazetteer.Gazetteer }

var _ server.PlaceService = placeService{}

// ResolvePlace returns the gazetteer's best candidate for a name, ranked as
// the geoparser ranks a bare mention.
func (p placeService) ResolvePlace(ctx context.Context, name string) (*geo.Place, error) {
	cs, err := p.Resolve(ctx, name, gazetteer.Hints{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, geo.Errorf(geo.ENOTFOUND, "no place named %q", name)
	}
	return cs[0].Place, nil
}
