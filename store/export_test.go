package store

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// DumpBuckets returns every key and value of the store's buckets as text,
// records decoded with their Created and Updated times zeroed, so that two
// stores written at different times compare equal when they hold the same.
func DumpBuckets(db *bolt.DB) ([]string, error) {
	var out []string
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			// Entries as stored, whatever blocks hold them.
			c := boltpack.NewCursor(tx.Bucket(name))
			if string(name) == string(bucketStats) {
				c = nil
			}
			err := forEach(tx.Bucket(name), c, func(k, v []byte) error {
				val := hex.EncodeToString(v)
				isRecords := string(name) == string(bucketEvents) || string(name) == string(bucketCells)
				if isRecords && len(v) > 17 && knownRecord(v) {
					key := k
					if string(name) == string(bucketCells) {
						key = k[cellPrefixLen:]
					}
					e, err := decodeEvent(key, v)
					if err != nil {
						return err
					}
					e.Created, e.Updated = time.Time{}, time.Time{}
					why := e.Why
					e.Why = nil // its contents, not its address
					val = fmt.Sprintf("%+v", *e)
					if why != nil {
						val += fmt.Sprintf(" why %+v", *why)
					}
				}
				out = append(out, fmt.Sprintf("%s %x %s", name, k, val))
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func forEach(b *bolt.Bucket, c *boltpack.Cursor, fn func(k, v []byte) error) error {
	if c == nil {
		return b.ForEach(fn)
	}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return c.Err()
}

// ForgetTagSets makes the store look as if it was filled before the
// tag-set histograms existed: no marker, no histograms.
func ForgetTagSets(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		stats := tx.Bucket(bucketStats)
		c := stats.Cursor()
		for k, _ := c.Seek([]byte{statSetCell}); k != nil && k[0] == statSetCell; k, _ = c.Seek([]byte{statSetCell}) {
			if err := stats.Delete(k); err != nil {
				return err
			}
		}
		return stats.Delete([]byte(statSetsAll))
	})
}

// ForgetTypeCounts makes the store look as if it was filled before the
// type aggregates existed.
func ForgetTypeCounts(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		stats := tx.Bucket(bucketStats)
		for _, kind := range []byte{statTypeCell, statTypeDay} {
			c := stats.Cursor()
			for k, _ := c.Seek([]byte{kind}); k != nil && k[0] == kind; k, _ = c.Seek([]byte{kind}) {
				if err := stats.Delete(k); err != nil {
					return err
				}
			}
		}
		return stats.Delete([]byte(statTypesAll))
	})
}

// TypeLayout1 rewrites the per-day type aggregates as version 1 kept them,
// one key per cell and day, to test that Open rebuilds them.
func TypeLayout1(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		stats := tx.Bucket(bucketStats)
		days := map[string]typeCounts{}
		c := stats.Cursor()
		for k, v := c.Seek([]byte{statTypeDay}); k != nil && k[0] == statTypeDay; k, v = c.Next() {
			err := eachDayTypeCount(k, v, func(day uint32, t []byte, n int64) {
				key := string(dayCountKey(k[:6], day))
				if days[key] == nil {
					days[key] = typeCounts{}
				}
				days[key][string(t)] += n
			})
			if err != nil {
				return err
			}
		}
		for k, _ := c.Seek([]byte{statTypeDay}); k != nil && k[0] == statTypeDay; k, _ = c.Seek([]byte{statTypeDay}) {
			if err := stats.Delete(k); err != nil {
				return err
			}
		}
		for k, m := range days {
			if err := stats.Put([]byte(k), encodeTypeCounts(m)); err != nil {
				return err
			}
		}
		return stats.Put([]byte(statTypesAll), encodeCount(1))
	})
}
