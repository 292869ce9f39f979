// Package gazetteer holds places and their names: normalisation, the
// GeoNames, Natural Earth and seed imports, and resolution of a name to
// ranked candidates with reasons. It owns its bbolt buckets in the shared
// geonews database.
package gazetteer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// Bucket names; all of the gazetteer's start with "places" or "gazetteer".
var (
	bucketPlaces  = []byte("places")         // id → place record; packed (boltpack)
	bucketNames   = []byte("places_names")   // kind + key + 0 + id → entry; packed (boltpack)
	bucketCells   = []byte("places_cells")   // cell + id → nothing (spatial index); packed (boltpack)
	bucketAliases = []byte("places_aliases") // id → seed alternate names merged into the place
	bucketDeleted = []byte("places_deleted") // id → nothing: default-data entries a user deleted
	bucketAdmin1  = []byte("places_admin1")  // "CC.code" → region name
	bucketMeta    = []byte("gazetteer_meta") // settings and counters
)

// Index key kinds: a strict key (Normalize) or a loose key (LooseKey) that
// differs from the strict key of the same name.
const (
	kindStrict = 's'
	kindLoose  = 'l'
)

// indexVersion changes whenever Normalize, Rules, the entry codec or the
// index buckets' layout change, so that a stale index is rebuilt by
// `geonews gazetteer build`.
const indexVersion = "5"

// ID ranges of places that do not come from GeoNames.
const (
	naturalEarthIDBase int64 = 20_000_000_000 // + Natural Earth ne_id
	seedIDBase         int64 = 30_000_000_000 // + the seed file's own number
	userIDBase         int64 = 40_000_000_000 // + a sequence
)

// Gazetteer is the place database. It is safe for concurrent use.
type Gazetteer struct {
	db *bolt.DB

	mu   sync.Mutex
	keys *keySet // built on first use by HasKey; kept current by writes
	// extent caches PlaceExtent; every write forgets it and counts itself
	// in writes, so that a walk that overlapped a write is not kept.
	extent   *placeExtent
	extentMu sync.Mutex // held by the one PlaceExtent walk at a time

	corr *corrections // the correction rules, in memory (correction.go)

	writes atomic.Uint64 // the writes so far (Version); bumped under mu
}

// Open prepares the gazetteer's buckets in db. It reads no places: start-up
// cost does not grow with the gazetteer (only the few correction rules are
// read).
func Open(db *bolt.DB) (*Gazetteer, error) {
	if !db.IsReadOnly() {
		err := db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bucketPlaces, bucketNames, bucketCells, bucketAliases, bucketDeleted, bucketAdmin1, bucketMeta, bucketCorrections} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, err)
				}
			}
			meta := tx.Bucket(bucketMeta)
			if k, _ := tx.Bucket(bucketPlaces).Cursor().First(); meta.Get([]byte("index_version")) == nil && k == nil {
				return meta.Put([]byte("index_version"), []byte(indexVersion))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	corr, err := loadCorrections(db)
	if err != nil {
		return nil, err
	}
	return &Gazetteer{db: db, corr: corr}, nil
}

// DB returns the database the gazetteer lives in.
func (g *Gazetteer) DB() *bolt.DB { return g.db }

// IndexCurrent reports whether the name index was built by this version's
// normalisation rules and no import was interrupted; when it is not,
// `geonews gazetteer build` rebuilds it.
func (g *Gazetteer) IndexCurrent() bool {
	var ok bool
	_ = g.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			ok = string(b.Get([]byte("index_version"))) == indexVersion && b.Get([]byte("index_dirty")) == nil
		}
		return nil
	})
	return ok
}

// Place returns the place with the given id, or a geo.ENOTFOUND error.
func (g *Gazetteer) Place(ctx context.Context, id int64) (*geo.Place, error) {
	var p *geo.Place
	err := g.db.View(func(tx *bolt.Tx) (err error) {
		p, err = getPlace(tx, id)
		return err
	})
	return p, err
}

func getPlace(tx *bolt.Tx, id int64) (*geo.Place, error) { return getPlaceAlts(tx, id, true) }

// getPlaceAlts is getPlace that reads alternate names only if alts.
func getPlaceAlts(tx *bolt.Tx, id int64, alts bool) (*geo.Place, error) {
	b := tx.Bucket(bucketPlaces)
	if b == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "place %d not found", id)
	}
	v := boltpack.Get(b, itob(id))
	if v == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "place %d not found", id)
	}
	return decodePlaceAlts(id, v, alts)
}

// CreatePlace adds a user entry. A zero ID gets a new user id; a place with no
// source counts as the user's. The entry resolves as soon as this returns.
func (g *Gazetteer) CreatePlace(ctx context.Context, p *geo.Place) error {
	if p.Source == "" {
		p.Source = geo.SourceUser
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return g.update(func(tx *writeTx) error {
		if p.ID == 0 {
			seq, err := tx.Bucket(bucketMeta).NextSequence()
			if err != nil {
				return err
			}
			p.ID = userIDBase + int64(seq)
		} else if boltpack.Get(tx.Bucket(bucketPlaces), itob(p.ID)) != nil {
			return geo.Errorf(geo.ECONFLICT, "place %d already exists", p.ID)
		}
		tx.Bucket(bucketDeleted).Delete(itob(p.ID))
		return putPlace(tx, p)
	})
}

// UpdatePlace replaces a stored place. The edited entry becomes the user's
// own, so that later imports of its original source leave it alone.
func (g *Gazetteer) UpdatePlace(ctx context.Context, p *geo.Place) error {
	p.Source = geo.SourceUser
	if err := p.Validate(); err != nil {
		return err
	}
	return g.update(func(tx *writeTx) error {
		if boltpack.Get(tx.Bucket(bucketPlaces), itob(p.ID)) == nil {
			return geo.Errorf(geo.ENOTFOUND, "place %d not found", p.ID)
		}
		return putPlace(tx, p)
	})
}

// DeletePlace removes a place. Deleting an entry of the default data leaves
// a tombstone so that `make setup` does not bring it back.
func (g *Gazetteer) DeletePlace(ctx context.Context, id int64) error {
	return g.update(func(tx *writeTx) error {
		p, err := getPlace(tx.Tx, id)
		if err != nil {
			return err
		}
		if p.Source != geo.SourceUser {
			if err := tx.Bucket(bucketDeleted).Put(itob(id), nil); err != nil {
				return err
			}
		}
		return deletePlace(tx, p)
	})
}

// writeTx is a write transaction of single-place writes. The packed index
// buckets take one boltpack.Writer per transaction; the name keys written
// go to the in-memory key set once the transaction commits.
type writeTx struct {
	*bolt.Tx
	pack  boltpack.Writer
	added []string
}

// update runs fn in a write transaction and, once it commits, adds the name
// keys it wrote to the in-memory key set.
func (g *Gazetteer) update(fn func(tx *writeTx) error) error {
	var wt writeTx
	err := g.db.Update(func(tx *bolt.Tx) error {
		wt = writeTx{Tx: tx}
		return fn(&wt)
	})
	if err != nil {
		return err
	}
	g.forgetExtent()
	g.mu.Lock()
	if g.keys != nil {
		for _, k := range wt.added {
			g.keys.add(k)
		}
	}
	g.mu.Unlock()
	return nil
}

// putPlace writes p and its index entries, replacing any stored version.
// Seed aliases for p's id are merged into its alternate names.
func putPlace(tx *writeTx, p *geo.Place) error {
	id := itob(p.ID)
	places := tx.Bucket(bucketPlaces)
	if old := boltpack.Get(places, id); old != nil {
		op, err := decodePlace(p.ID, old)
		if err != nil {
			return err
		}
		if err := deleteIndex(tx, op); err != nil {
			return err
		}
	} else if err := addCount(tx.Tx, 1); err != nil {
		return err
	}
	if v := tx.Bucket(bucketAliases).Get(id); v != nil {
		for _, a := range strings.Split(string(v), "\n") {
			if a != "" && a != p.Name && !slices.Contains(p.AlternateNames, a) {
				p.AlternateNames = append(p.AlternateNames, a)
			}
		}
	}
	if err := tx.pack.Put(places, []boltpack.Entry{{Key: id, Value: encodePlace(p)}}); err != nil {
		return err
	}
	ents := indexEntries(p)
	for _, e := range ents {
		tx.added = append(tx.added, string(e.Key[1:len(e.Key)-9]))
	}
	if err := tx.pack.Put(tx.Bucket(bucketNames), ents); err != nil {
		return err
	}
	return tx.pack.Put(tx.Bucket(bucketCells), []boltpack.Entry{{Key: cellKey(p.Point[1], p.Point[0], p.ID)}})
}

func deletePlace(tx *writeTx, p *geo.Place) error {
	if err := deleteIndex(tx, p); err != nil {
		return err
	}
	if err := addCount(tx.Tx, -1); err != nil {
		return err
	}
	return tx.pack.Delete(tx.Bucket(bucketPlaces), [][]byte{itob(p.ID)})
}

func deleteIndex(tx *writeTx, p *geo.Place) error {
	ents := indexEntries(p)
	keys := make([][]byte, len(ents))
	for i, e := range ents {
		keys[i] = e.Key
	}
	if err := tx.pack.Delete(tx.Bucket(bucketNames), keys); err != nil {
		return err
	}
	return tx.pack.Delete(tx.Bucket(bucketCells), [][]byte{cellKey(p.Point[1], p.Point[0], p.ID)})
}

// addCount keeps the number of places in the meta bucket, so that counting
// them costs one read.
func addCount(tx *bolt.Tx, d int64) error {
	meta := tx.Bucket(bucketMeta)
	n := int64(0)
	if v := meta.Get([]byte("count")); len(v) == 8 {
		n = btoi(v)
	}
	return meta.Put([]byte("count"), itob(n+d))
}

// Count returns the number of places.
func (g *Gazetteer) Count(ctx context.Context) (int, error) {
	n := 0
	err := g.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			if v := b.Get([]byte("count")); len(v) == 8 {
				n = int(btoi(v))
			}
		}
		return nil
	})
	return n, err
}

// indexEntries lists the name-index rows of a place (see eachIndexEntry),
// as slices of their own, sorted by key as boltpack.Writer takes them.
func indexEntries(p *geo.Place) []boltpack.Entry {
	var out []boltpack.Entry
	eachIndexEntry(p, func(k, v []byte) {
		out = append(out, boltpack.Entry{Key: slices.Clone(k), Value: slices.Clone(v)})
	})
	slices.SortFunc(out, func(a, b boltpack.Entry) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// eachIndexEntry calls fn with the name-index rows of a place: one strict key
// per distinct normalised name and one loose key where it differs, each
// keeping the best form (name before ascii name before alternate names).
// Rows are keyed kind + key + 0 + id. fn must copy what it keeps.
func eachIndexEntry(p *geo.Place, fn func(key, value []byte)) {
	var x indexer
	x.each(p, fn)
}

// An indexer derives the name-index rows of places (see eachIndexEntry) in
// buffers it keeps from one place to the next, so that an import of millions
// of names allocates next to nothing for them.
type indexer struct {
	keys     []byte // kind + key of every form, back to back
	forms    []indexForm
	tokens   [][]byte
	key, val []byte
	head     [1]byte
	shared   []byte
	tail     []byte
}

// indexForm is a distinct index key of one place and the best name giving it.
type indexForm struct {
	off, end int // the key in indexer.keys
	text     string
	kind     byte
}

func (x *indexer) each(p *geo.Place, fn func(key, value []byte)) {
	x.eachPart(p, func(key, head, shared, tail []byte) {
		x.val = append(append(append(x.val[:0], head...), shared...), tail...)
		fn(key, x.val)
	})
}

// eachPart is each with every value in three parts, head + shared + tail
// (see appendEntry): the form kind, the fields all rows of the place share,
// the form.
func (x *indexer) eachPart(p *geo.Place, fn func(key, head, shared, tail []byte)) {
	x.keys, x.forms = x.keys[:0], x.forms[:0]
	x.consider(p.Name, formName)
	x.consider(p.ASCIIName, formASCII)
	for _, a := range p.AlternateNames {
		x.consider(a, formAlternate)
	}
	e := entry{ID: p.ID, Lon: float32(p.Point[0]), Lat: float32(p.Point[1]),
		Population: p.Population, Class: p.FeatureClass, Code: p.FeatureCode, Country: p.Country, Admin1: p.Admin1}
	x.shared = appendEntryPlace(x.shared[:0], &e)
	for _, f := range x.forms {
		x.key = append(append(x.key[:0], x.keys[f.off:f.end]...), 0)
		x.key = binary.BigEndian.AppendUint64(x.key, uint64(p.ID))
		x.head[0] = f.kind
		x.tail = appendString(x.tail[:0], f.text)
		fn(x.key, x.head[:], x.shared, x.tail)
	}
}

// consider adds the strict and loose keys of one name, unless a better name
// of the place already gave them.
func (x *indexer) consider(text string, kind byte) {
	off := len(x.keys)
	x.keys = appendNormalized(append(x.keys, kindStrict), text)
	if len(x.keys) == off+1 {
		x.keys = x.keys[:off]
		return
	}
	mid := len(x.keys)
	x.keys, x.tokens = appendRules(append(x.keys, kindLoose), x.keys[off+1:mid], Rules, x.tokens)
	x.add(off, mid, text, kind)
	if !bytes.Equal(x.keys[mid+1:], x.keys[off+1:mid]) {
		x.add(mid, len(x.keys), text, kind)
	}
}

func (x *indexer) add(off, end int, text string, kind byte) {
	k := x.keys[off:end]
	for i := range x.forms { // names are few: a scan beats a map
		if f := &x.forms[i]; bytes.Equal(x.keys[f.off:f.end], k) {
			if kind < f.kind {
				f.text, f.kind = text, kind
			}
			return
		}
	}
	x.forms = append(x.forms, indexForm{off, end, text, kind})
}

// cellKey is a place's row in the spatial index: a 1° cell, then the id.
func cellKey(lat, lon float64, id int64) []byte {
	k := make([]byte, 12)
	putCell(k, lat, lon)
	copy(k[4:], itob(id))
	return k
}

func cellOf(lat, lon float64) uint32 {
	row := int(lat + 90)
	col := int(lon + 180)
	row = min(max(row, 0), 179)
	col = min(max(col, 0), 359)
	return uint32(row*360 + col)
}

func putCell(k []byte, lat, lon float64) {
	c := cellOf(lat, lon)
	k[0], k[1], k[2], k[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

// HasKey reports whether some place has a name whose strict or loose key is
// key. It answers from memory (a set of 64-bit hashes built on first use),
// so that a recogniser can test every n-gram of a text; a rare false
// positive only costs a Resolve that finds nothing.
func (g *Gazetteer) HasKey(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.keys == nil {
		g.keys = g.buildKeySet()
	}
	return g.keys.has(key)
}

func (g *Gazetteer) buildKeySet() *keySet {
	ks := newKeySet(1 << 20)
	_ = g.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNames)
		if b == nil {
			return nil
		}
		var last []byte
		c := boltpack.NewCursor(b)
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) < 10 {
				continue
			}
			key := k[1 : len(k)-9]
			if bytes.Equal(key, last) {
				continue
			}
			last = append(last[:0], key...)
			ks.insert(hashKey(key))
		}
		return nil
	})
	return ks
}

// keySet is a set of key hashes in an open-addressing table (linear
// probing, at most half full), so that a lookup costs one or two cache
// misses where a binary search over a million hashes costs twenty.
type keySet struct {
	slots []uint64 // 0 marks an empty slot; a hash of 0 is stored as 1
	shift uint     // 64 - log2(len(slots))
	n     int
}

// newKeySet returns a set sized for about n keys.
func newKeySet(n int) *keySet {
	bits := uint(4)
	for 1<<bits < 2*n {
		bits++
	}
	return &keySet{slots: make([]uint64, 1<<bits), shift: 64 - bits}
}

func (s *keySet) add(key string) { s.insert(hashKey(key)) }

func (s *keySet) has(key string) bool {
	h := max(hashKey(key), 1)
	mask := uint64(len(s.slots) - 1)
	for i := s.slot(h); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *keySet) insert(h uint64) {
	h = max(h, 1)
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		bigger := newKeySet(len(old))
		for _, v := range old {
			if v != 0 {
				bigger.insert(v)
			}
		}
		*s = *bigger
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.slot(h); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

// slot is h's home slot: Fibonacci hashing spreads FNV's high bits.
func (s *keySet) slot(h uint64) uint64 { return (h * 0x9E3779B97F4A7C15) >> s.shift }

// hashKey is 64-bit FNV-1a, inline so that a lookup allocates nothing.
func hashKey[T string | []byte](b T) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= 1099511628211
	}
	return h
}
