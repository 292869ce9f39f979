// Package server serves geonews over HTTP: OGC API – Features for events
// and gazetteer places, writes guarded by a bearer token, article
// geoparsing, hot backups and the map page. It is the only package that
// imports Echo; what it needs from the rest of geonews it declares as
// interfaces, so handler tests run against fakes and cmd/geonews wires the
// real store, gazetteer and geoparser.
package server

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/ingest"
	"github.com/labstack/echo/v4"
)

// EventService is what the server needs of the event store: geo's
// backend-neutral contract, so any backend (bbolt, PostGIS) serves.
type EventService = geo.EventStore

// EventFeatureAppender is optionally implemented by an EventService that can
// write a page of events as GeoJSON straight from storage (see geo).
type EventFeatureAppender = geo.EventFeatureAppender

// EventExtenter is optionally implemented by an EventService that knows the
// extent of its events cheaply. Without it the events collection declares
// no extent, and clients such as GDAL compute it from the features, which
// beats advertising the whole world.
type EventExtenter = geo.EventExtenter

// PlaceExtenter is optionally implemented by a PlaceService that knows the
// extent of its places cheaply. Without one the places collection declares
// no extent, and GDAL pages through every place to find it (204k places,
// 20k requests, 11 s).
type PlaceExtenter interface {
	PlaceExtent(ctx context.Context) (bbox geo.BBox, ok bool, err error)
}

// PlaceService is what the server needs of the gazetteer.
type PlaceService interface {
	// Place returns one gazetteer entry, or a geo.ENOTFOUND error.
	Place(ctx context.Context, id int64) (*geo.Place, error)
	// CreatePlace adds an entry, assigning p.ID when it is 0; the entry is
	// usable by ResolvePlace at once.
	CreatePlace(ctx context.Context, p *geo.Place) error
	// UpdatePlace replaces an entry (geo.ENOTFOUND if absent).
	UpdatePlace(ctx context.Context, p *geo.Place) error
	// DeletePlace removes an entry (geo.ENOTFOUND if absent).
	DeletePlace(ctx context.Context, id int64) error
	// FindPlaces returns one page of entries; Q is matched with the
	// gazetteer's name normalisation.
	FindPlaces(ctx context.Context, f geo.PlaceFilter) (*geo.PlacePage, error)
	// ResolvePlace returns the best entry for a place name, or a
	// geo.ENOTFOUND error when the gazetteer has no candidate.
	ResolvePlace(ctx context.Context, name string) (*geo.Place, error)
}

// ArticleService geoparses an article and stores its events in one
// transaction, or with dryRun only returns them (ingest.Service).
type ArticleService interface {
	Ingest(ctx context.Context, a ingest.Article, dryRun bool) (*ingest.Result, error)
}

// BackupService copies the database while it is in use.
type BackupService interface {
	// Snapshot returns a consistent copy of the database and its size,
	// taken at disk speed, so that no read transaction waits on a slow
	// client; closing it frees the copy.
	Snapshot(ctx context.Context) (io.ReadCloser, int64, error)
}

// Body limits, documented in the OpenAPI document: a Feature (or a small
// FeatureCollection) and an article, which may be long.
const (
	MaxFeatureBody = 1 << 20
	MaxArticleBody = 10 << 20
)

// MaxArticleText is the longest article text geoparsed over HTTP, in bytes
// (≈ 40,000 words; news articles are 2-20 KB). The geoparser takes a few
// µs of CPU per byte, so this bounds a request to about a CPU-second; a
// longer text is a 413 at once, not minutes of CPU.
const MaxArticleText = 256 << 10

// DefaultArticleTimeout bounds the geoparsing of one article: past it the
// parser stops and the client gets a 413.
const DefaultArticleTimeout = 10 * time.Second

// Config is everything a Server is built from. Only Token and Logger are
// required; a nil service leaves its routes answering 503 (or, for places,
// absent from /collections), so a partial build still serves what it has.
type Config struct {
	Events   EventService
	Places   PlaceService
	Articles ArticleService
	Backup   BackupService
	Feeds    FeedService
	// Corrections applies, lists and undoes users' corrections of events.
	Corrections CorrectionService

	// Token guards every write; it must not be empty.
	Token string
	// Logger receives request logs and the details of internal errors.
	Logger *slog.Logger
	// Web is the map page: its index.html answers GET / for browsers and
	// its other files are served by path. Nil serves the JSON landing page only.
	Web fs.FS
	// Tiles is the map's tile URL template ("" for the offline basemap),
	// handed to the page at /config.json.
	Tiles string
	// Version is reported by /healthz and the landing page.
	Version string
	// Now returns the current time; nil means time.Now. Tests pin it.
	Now func() time.Time
	// BaseURL is the URL clients reach the server at (scheme, host, port),
	// which every link and Location starts with; "" means the address it
	// listens on. Links never follow the request's Host, which a client
	// picks, unless TrustProxy is set.
	BaseURL string
	// TrustProxy takes the base URL of links from the request's Host and
	// X-Forwarded-Proto and X-Forwarded-Host headers, for a server behind a
	// reverse proxy that sets them (and strips clients' own).
	TrustProxy bool
	// ArticleTimeout bounds the geoparsing of one article (default
	// DefaultArticleTimeout).
	ArticleTimeout time.Duration
	// CORSOrigins are the origins (scheme://host[:port]) whose pages may
	// write cross-origin: their preflights are answered for every method
	// and header a write needs. Reads are open to every origin.
	CORSOrigins []string
	// BackupStall is how long a backup waits on a client that reads
	// nothing before it hangs up (default DefaultBackupStall).
	BackupStall time.Duration
}

// DefaultBackupStall is how long GET /backup waits for a client to take
// one chunk of the copy: a client on a slow link keeps the download going
// as long as it moves, one that stopped reading frees the server's copy.
const DefaultBackupStall = 30 * time.Second

// Server is geonews' HTTP server.
type Server struct {
	cfg    Config
	logger *slog.Logger
	echo   *echo.Echo
	http   *http.Server
	ln     net.Listener
	api    []byte // the OpenAPI document, built once
	// base starts every link: Config.BaseURL, else the listening address.
	base string
	// pageCSP is the map page's Content-Security-Policy (headers.go).
	pageCSP string
}

// New builds a server from cfg; it does not listen yet (see Open).
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("server: a token is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ArticleTimeout <= 0 {
		cfg.ArticleTimeout = DefaultArticleTimeout
	}
	if cfg.BackupStall <= 0 {
		cfg.BackupStall = DefaultBackupStall
	}
	for i, o := range cfg.CORSOrigins {
		u, err := CheckOrigin(o)
		if err != nil {
			return nil, err
		}
		cfg.CORSOrigins[i] = u
	}
	if cfg.BaseURL != "" {
		u, err := CheckBaseURL(cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		cfg.BaseURL = u
	}
	s := &Server{cfg: cfg, logger: cfg.Logger, base: cfg.BaseURL, pageCSP: pageCSP(cfg.Tiles)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.logRequests, s.recoverPanics, s.commonHeaders, s.cors(), s.checkRequest)
	s.echo = e
	s.routes()
	api, err := s.openAPI()
	if err != nil {
		return nil, err
	}
	s.api = api
	s.http = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		// A body trickled in for longer than this holds a goroutine for
		// nothing; a 10 MiB article needs ~0.7 Mbit/s to make it. No write
		// timeout: a backup streams for as long as the DB is large, with a
		// deadline per chunk instead (handleBackup).
		ReadTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// routes registers every endpoint; the OpenAPI document in openapi.go lists
// the same ones and a test checks that the two agree.
func (s *Server) routes() {
	e := s.echo
	auth := s.requireToken
	// Reads answer HEAD too (net/http drops the body), as HTTP clients
	// probing a URL expect.
	read := func(path string, h echo.HandlerFunc) { e.Match([]string{http.MethodGet, http.MethodHead}, path, h) }
	read("/", s.handleLanding)
	read("/conformance", s.handleConformance)
	read("/api", s.handleAPI)
	read("/healthz", s.handleHealth)
	read("/config.json", s.handleMapConfig)
	read("/ogc.css", s.handleOGCAsset)
	read("/ogc.js", s.handleOGCAsset)
	read("/collections", s.handleCollections)
	read("/collections/:collection", s.handleCollection)
	read("/collections/:collection/items", s.handleItems)
	read("/collections/:collection/items/:id", s.handleItem)
	read("/collections/:collection/clusters", s.handleClusters)
	read("/collections/:collection/timeline", s.handleTimeline)
	read("/collections/:collection/tiles", s.handleTileJSON)
	read("/collections/:collection/tiles/:z/:x/:y", s.handleTile)
	e.POST("/collections/:collection/items", s.writeItem(s.handleCreatePlace, s.handleCreateEvents), auth)
	e.PUT("/collections/:collection/items/:id", s.writeItem(s.handleReplacePlace, s.handleReplaceEvent), auth)
	e.DELETE("/collections/:collection/items/:id", s.writeItem(s.handleDeletePlace, s.handleDeleteEvent), auth)
	e.POST("/collections/:collection/items/:id/split", s.handleSplitEvent, auth)
	e.POST("/articles", s.handleArticle, auth)
	e.GET("/backup", s.handleBackup, auth)
	read("/feeds", s.handleFeeds)
	read("/feeds.opml", s.handleFeedsOPML)
	e.POST("/feeds", s.handleCreateFeed, auth)
	e.DELETE("/feeds/:id", s.handleDeleteFeed, auth)
	e.POST("/feeds/:id/poll", s.handlePollFeed, auth)
	read("/corrections", s.handleCorrections)
	e.POST("/corrections", s.handleCreateCorrection, auth)
	e.DELETE("/corrections/:id", s.handleDeleteCorrection, auth)
	read("/*", s.handleWebFile)
}

// Handler returns the server as an http.Handler, for tests and for
// embedding behind another server.
func (s *Server) Handler() http.Handler { return s.echo }

// Open starts listening on addr (host:port; port 0 picks a free one) and
// serves in the background until Close.
func (s *Server) Open(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	if s.base == "" {
		s.base = "http://" + ln.Addr().String()
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// URL returns the server's base URL, such as http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections and waits for requests in flight
// (writes included) to finish, or for ctx to end.
func (s *Server) Close(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// itoa formats an int64 in base 10.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
