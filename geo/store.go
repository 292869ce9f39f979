package geo

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// This file is the backend-neutral contract of an event store: what the
// server, the CLI and ingest need of one, whichever database holds the
// events (store: an embedded bbolt file; postgis: PostgreSQL). Each backend
// implements EventStore and those of the optional capabilities it can do
// cheaply; callers test for a capability with a type assertion and fall
// back, or answer 503, without it. The conformance suite (geo/storetest)
// holds every backend to the same behaviour.

// EventStore stores events and finds them again.
type EventStore interface {
	// CreateEvents stores events in one transaction, all or nothing. Each
	// is checked with ValidateEvent; an event with an empty ID gets
	// NewEventID's, written back into it; an event whose ID is already
	// stored, or repeated in the batch, is skipped and not counted, so
	// re-ingesting is harmless. It sets Created and Updated on the events
	// it stores.
	CreateEvents(ctx context.Context, events []*Event) (created int, err error)
	// Event returns one event, or an ENOTFOUND error.
	Event(ctx context.Context, id string) (*Event, error)
	// UpdateEvent replaces a stored event, keeping its Created time
	// (ENOTFOUND if absent).
	UpdateEvent(ctx context.Context, e *Event) error
	// DeleteEvent removes an event (ENOTFOUND if absent).
	DeleteEvent(ctx context.Context, id string) error
	// FindEvents returns one page of matching events, newest first (by
	// time, then ID descending).
	FindEvents(ctx context.Context, f EventFilter) (*EventPage, error)
}

// EventFeatureAppender is optionally implemented by an EventStore that can
// write a page of events as GeoJSON straight from storage: what FindEvents
// finds, appended to dst as AppendFeature writes it, comma-separated, with
// the page (its Events empty) and the number of features. The items
// endpoint then skips building events that it would encode and drop.
type EventFeatureAppender interface {
	AppendEventFeatures(ctx context.Context, f EventFilter, dst []byte) ([]byte, *EventPage, int, error)
}

// EventExtenter is optionally implemented by an EventStore that knows the
// extent of its events cheaply. ok is false when no event is stored.
type EventExtenter interface {
	EventExtent(ctx context.Context) (bbox BBox, iv Interval, ok bool, err error)
}

// EventCounter is optionally implemented by an EventStore that counts its
// events from a maintained counter, not a scan.
type EventCounter interface {
	CountEvents(ctx context.Context) (int, error)
}

// EventClusterer is optionally implemented by an EventStore that can count
// matching events per grid cell.
type EventClusterer interface {
	// Clusters counts the events that match f (Limit and Cursor ignored)
	// per Cell at level, sorted by cell ID; total is the sum of the
	// counts, equal to FindEvents' NumberMatched for the same filter.
	Clusters(ctx context.Context, f EventFilter, level int) (clusters []Cluster, total int, err error)
}

// EventImporter is optionally implemented by an EventStore with a bulk
// load faster than CreateEvents.
type EventImporter interface {
	// ImportEvents stores the events next returns until it returns io.EOF,
	// validated and given IDs as by CreateEvents, skipping those already
	// stored. batch is how many events one transaction takes (0: the
	// backend's default); a failure leaves whole batches stored, so
	// importing again completes the rest. It returns how many it stored.
	ImportEvents(ctx context.Context, next func() ([]*Event, error), batch int) (created int, err error)
}

// EventTiler is optionally implemented by an EventStore that renders
// Mapbox Vector Tiles itself (PostGIS's ST_AsMVT). The server otherwise
// builds them from Clusters and FindEvents.
type EventTiler interface {
	// EventTile returns tile z/x/y of the events matching f (BBox ignored)
	// in one layer named layer: the events as points from pointZoom on, as
	// long as the tile holds at most maxPoints, and otherwise the clusters
	// at CellLevelForZoom(z), with the properties count, top_tags and id.
	EventTile(ctx context.Context, f EventFilter, z, x, y uint32, layer string, pointZoom, maxPoints int) ([]byte, error)
}

// EventSnapshotter is optionally implemented by an EventStore that can hand
// out a consistent copy of its database while in use (a bbolt file).
// Backends without it are backed up by their database's own tools.
type EventSnapshotter interface {
	// Snapshot returns a consistent copy of the database and its size;
	// closing it frees the copy.
	Snapshot(ctx context.Context) (io.ReadCloser, int64, error)
}

// Cluster is the events of one grid cell that match a filter.
type Cluster struct {
	Cell    Cell      // the grid cell at the requested level
	Count   int       // matching events in the cell and the filter's bbox (exact)
	Point   orb.Point // their mean point (approximate where a backend says so)
	TopTags []string  // up to 3 most frequent tags, most frequent first
	ID      string    // the event's ID when Count is 1
	// Types counts the matching events per type ("" for none); they add up
	// to Count. Nil when the backend does not know them for this filter.
	Types map[string]int
}

// EventTimeliner is optionally implemented by an EventStore that counts
// matching events per UTC day and type from aggregates it keeps, for a
// map's time histogram; without it the timeline endpoint answers 503.
type EventTimeliner interface {
	// EventTimeline counts the events matching f (BBox and Types) per UTC
	// day and type.
	EventTimeline(ctx context.Context, f EventFilter) ([]TypeDay, error)
}

// TypeDay is the number of events of one type on one UTC day.
type TypeDay struct {
	Day   time.Time // midnight UTC
	Type  string    // "" for events without a type
	Count int
}

// MaxClusterCells is how many grid cells a bbox may span at the requested
// cluster level, in every backend: a full-HD viewport at 64 px a cluster
// spans ~500, so this only rejects a world box asked for at street level.
const MaxClusterCells = 1 << 16

// ClusterBox checks a cluster request, the same for every backend: level in
// 0..MaxCellLevel and the box (the world when f names none) spanning at most
// MaxClusterCells cells of that level. It returns the box.
func ClusterBox(f EventFilter, level int) (BBox, error) {
	if level < 0 || level > MaxCellLevel {
		return BBox{}, Errorf(EINVALID, "cluster level %d out of range 0..%d", level, MaxCellLevel)
	}
	box := BBox{West: -180, South: -90, East: 180, North: 90}
	if f.BBox != nil {
		box = *f.BBox
	}
	if n := CoveringCellCount(box, level); n > MaxClusterCells {
		return BBox{}, Errorf(EINVALID, "the bbox spans %d clusters at this zoom, more than %d; zoom out or narrow the bbox", n, MaxClusterCells)
	}
	return box, nil
}

// CellLevelForZoom returns the cluster level for a Web Mercator zoom: cells
// a quarter of a 256 px tile wide, ~64 px apart.
func CellLevelForZoom(zoom int) int { return min(max(zoom+2, 0), MaxCellLevel) }

// MaxIDLen is the longest event ID a store takes, in bytes.
const MaxIDLen = 128

// ValidateEvent checks e as every EventStore's CreateEvents and UpdateEvent
// will: the event's own rules (Validate, which normalises it) and an ID, if
// set, that is safe in a URL path. Importers call it per line to name the
// line of a bad event.
func ValidateEvent(e *Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.ID == "" {
		return nil
	}
	if len(e.ID) > MaxIDLen || !utf8.ValidString(e.ID) {
		return Errorf(EINVALID, "event id must be valid UTF-8 of at most %d bytes", MaxIDLen)
	}
	if i := strings.IndexFunc(e.ID, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("/?#%\\\"", r)
	}); i >= 0 {
		return Errorf(EINVALID, "event id %q must not contain spaces, control characters or any of / ? # %% \\ \"", e.ID)
	}
	return nil
}

// CoveringCellRanges returns the column and row ranges {x0, x1, y0, y1} of
// the cells at level that cover b: one range, or two for a box across the
// antimeridian, for backends that select cells by column and row.
func CoveringCellRanges(b BBox, level int) [][4]uint32 { return cellRanges(b, level) }
