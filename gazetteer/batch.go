package gazetteer

import (
	"bytes"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// A bulkWriter imports many places fast. Place records are written batch by
// batch; their name-index and cell-index rows are deferred to an opSorter
// and applied once, in key order, by finish. Writing index rows in file
// order instead would rewrite most index pages at every batch.
//
// While a bulk import runs the index is marked dirty; if the process dies
// before finish, IndexCurrent reports false and `geonews gazetteer build`
// rebuilds the index from the place records.
type bulkWriter struct {
	g      *Gazetteer
	sorter opSorter
	ix     indexer
	dirty  bool
}

// put queues p's index rows and returns its record, replacing old (whose
// index rows it deletes). Seed aliases for p's id are merged into it.
func (w *bulkWriter) put(tx *bolt.Tx, p, old *geo.Place) (boltpack.Entry, error) {
	id := itob(p.ID)
	var err error
	if old != nil {
		w.ix.each(old, func(k, _ []byte) {
			if err == nil {
				err = w.sorter.add(opBucketNames, k, false, nil)
			}
		})
		if err == nil {
			err = w.sorter.add(opBucketCells, cellKey(old.Point[1], old.Point[0], old.ID), false, nil)
		}
	}
	if v := tx.Bucket(bucketAliases).Get(id); v != nil {
		mergeNames(p, strings.Split(string(v), "\n"))
	}
	if err == nil {
		err = w.queue(p)
	}
	return boltpack.Entry{Key: id, Value: encodePlace(p)}, err
}

// queue defers the index rows of p.
func (w *bulkWriter) queue(p *geo.Place) error {
	var err error
	w.ix.eachPart(p, func(k, head, shared, tail []byte) {
		if err == nil {
			err = w.sorter.addShared(opBucketNames, k, head, shared, tail)
		}
	})
	if err != nil {
		return err
	}
	return w.sorter.add(opBucketCells, cellKey(p.Point[1], p.Point[0], p.ID), true, nil)
}

// writePlaces writes place records, sorted by id, and counts the new ones.
func writePlaces(tx *bolt.Tx, rows []boltpack.Entry, added int64) error {
	b := tx.Bucket(bucketPlaces)
	b.FillPercent = 0.9 // imports mostly append: keep pages full
	var pack boltpack.Writer
	if err := pack.Put(b, rows); err != nil {
		return err
	}
	if added != 0 {
		return addCount(tx, added)
	}
	return nil
}

// markDirty records, before the first deferred index change, that the index
// no longer matches the place records.
func (w *bulkWriter) markDirty(tx *bolt.Tx) error {
	if w.dirty {
		return nil
	}
	w.dirty = true
	return tx.Bucket(bucketMeta).Put([]byte("index_dirty"), []byte{1})
}

// indexRows are how many index rows finish commits in one transaction, filling
// an empty index or changing one that holds data, and gives boltpack at a
// time (see finish). A variable so that tests can cross every boundary.
var indexRows = struct{ fill, change, put int }{50_000, 10_000, 2_000}

// finish applies the deferred index changes in key order, in transactions of
// a bounded size, and marks the index clean again. The last change queued
// for a key decides; puts become boltpack blocks, one bbolt Put for each
// block rather than for each row.
func (w *bulkWriter) finish() (err error) {
	defer w.sorter.close()
	if !w.dirty {
		return nil
	}
	// On an index that already holds data (a refresh) larger transactions
	// grow the file: each rewrites blocks whose pages only the next one can
	// reuse. Filling an empty index (an import into a new DB, a rebuild)
	// rewrites nothing, and fewer commits save CPU. Within a transaction,
	// rows go to boltpack a few thousand at a time, while their bytes are
	// still in the CPU's cache (each such group may end with a block less
	// than full).
	perTx, perPut := indexRows.change, indexRows.put
	if err := w.g.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketNames).Cursor().First(); k == nil {
			perTx = indexRows.fill
		}
		return nil
	}); err != nil {
		return err
	}
	var (
		tx     *bolt.Tx
		pack   *boltpack.Writer    // one per transaction
		puts   [2][]boltpack.Entry // names, cells
		dels   [2][][]byte
		queued int    // rows in puts and dels
		inTx   int    // rows given to the transaction
		vals   []byte // values put together from their parts, for one transaction
	)
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	write := func() error {
		if tx == nil {
			var err error
			if tx, err = w.g.db.Begin(true); err != nil {
				return err
			}
			pack = new(boltpack.Writer)
		}
		for i, name := range [2][]byte{bucketNames, bucketCells} {
			b := tx.Bucket(name)
			b.FillPercent = 0.9
			if err := pack.Delete(b, dels[i]); err != nil {
				return err
			}
			if err := pack.Put(b, puts[i]); err != nil {
				return err
			}
			puts[i], dels[i] = puts[i][:0], dels[i][:0]
		}
		inTx, queued = inTx+queued, 0
		return nil
	}
	commit := func(last bool) error {
		if err := write(); err != nil {
			return err
		}
		if last {
			if err := tx.Bucket(bucketMeta).Delete([]byte("index_dirty")); err != nil {
				return err
			}
		}
		err := tx.Commit()
		tx, inTx, vals = nil, 0, vals[:0] // bbolt has copied the values it was given
		return err
	}
	var cur indexOp
	queue := func() error {
		i := 0
		if cur.key[0] == opBucketCells {
			i = 1
		}
		if cur.put {
			v := cur.value
			if cur.head != nil || cur.shared != nil {
				start := len(vals)
				vals = append(append(append(vals, cur.head...), cur.shared...), cur.value...)
				v = vals[start:len(vals):len(vals)]
			}
			puts[i] = append(puts[i], boltpack.Entry{Key: cur.key[1:], Value: v})
		} else {
			dels[i] = append(dels[i], cur.key[1:])
		}
		switch queued++; {
		case inTx+queued >= perTx:
			return commit(false)
		case queued >= perPut:
			return write()
		}
		return nil
	}
	err = w.sorter.each(func(op indexOp) error {
		if cur.key != nil && !bytes.Equal(op.key, cur.key) {
			if err := queue(); err != nil {
				return err
			}
		}
		cur = op
		return nil
	})
	if err == nil && cur.key != nil {
		err = queue()
	}
	if err == nil {
		err = commit(true)
	}
	w.g.mu.Lock()
	w.g.keys = nil // rebuilt from the index on next use
	w.g.mu.Unlock()
	return err
}
