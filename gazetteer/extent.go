package gazetteer

import (
	"context"
	"math"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// PlaceExtent returns the box of every place, for the OGC places
// collection, and false when there are none. It is worked out once by a
// walk of the place records that reads their points alone
// (BenchmarkPlaceExtent) and kept until a
// write through this Gazetteer changes the places (update and imports
// forget it).
func (g *Gazetteer) PlaceExtent(ctx context.Context) (geo.BBox, bool, error) {
	// One walk at a time: a caller that comes during a walk waits for its
	// answer instead of walking again.
	g.extentMu.Lock()
	defer g.extentMu.Unlock()
	g.mu.Lock()
	ext, gen := g.extent, g.writes.Load()
	g.mu.Unlock()
	if ext != nil {
		return ext.box, ext.ok, nil
	}
	box := geo.BBox{West: math.Inf(1), South: math.Inf(1), East: math.Inf(-1), North: math.Inf(-1)}
	n := 0
	err := g.db.View(func(tx *bolt.Tx) error {
		c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n&4095 == 4095 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			lon, lat, err := placePoint(btoi(k), v)
			if err != nil {
				return err
			}
			box.West, box.East = math.Min(box.West, lon), math.Max(box.East, lon)
			box.South, box.North = math.Min(box.South, lat), math.Max(box.North, lat)
			n++
		}
		if c.Err() != nil {
			return geo.Errorf(geo.EINTERNAL, "places bucket: %v", c.Err())
		}
		return nil
	})
	if err != nil {
		return geo.BBox{}, false, err
	}
	ext = &placeExtent{box: box, ok: n > 0}
	if !ext.ok {
		ext.box = geo.BBox{}
	}
	g.mu.Lock()
	if g.writes.Load() == gen {
		g.extent = ext
	}
	g.mu.Unlock()
	return ext.box, ext.ok, nil
}

// placePoint reads the point of an encoded place (encodePlace) without
// copying its names: the extent walk reads every record.
func placePoint(id int64, b []byte) (lon, lat float64, err error) {
	d := decoder{b: b}
	if v := d.byte(); v != placeCodecVersion {
		return 0, 0, geo.Errorf(geo.EINTERNAL, "place %d: unknown record version %d", id, v)
	}
	d.bytes() // name
	d.bytes() // ASCII name
	for n := d.uvarint(); n > 0 && n <= uint64(len(b)) && !d.err; n-- {
		d.bytes()
	}
	lon = math.Float64frombits(d.uint64())
	lat = math.Float64frombits(d.uint64())
	if d.err {
		return 0, 0, geo.Errorf(geo.EINTERNAL, "place %d: truncated record", id)
	}
	return lon, lat, nil
}

// placeExtent is the cached answer of PlaceExtent.
type placeExtent struct {
	box geo.BBox
	ok  bool
}

// forgetExtent drops the cached extent and counts a write (Version): every
// write calls it once committed (update; an import when it ends).
func (g *Gazetteer) forgetExtent() {
	g.mu.Lock()
	g.extent = nil
	g.writes.Add(1) // under mu, so that PlaceExtent keeps no walk a write overlapped
	g.mu.Unlock()
}

// Version counts the gazetteer's writes (places added, changed, deleted,
// imported): a cache of its answers, such as the geoparser's, is stale
// once it moves.
func (g *Gazetteer) Version() uint64 { return g.writes.Load() }
