package store

import (
	"encoding/hex"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DumpBuckets returns every key and value of the store's buckets as text,
// records decoded with their Created and Updated times zeroed, so that two
// stores written at different times compare equal when they hold the same.
func DumpBuckets(db *bolt.DB) ([]string, error) {
	var out []string
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				val := hex.EncodeToString(v)
				isRecords := string(name) == string(bucketEvents) || string(name) == string(bucketCells)
				if isRecords && len(v) > 17 && v[0] == eventRecordVersion {
					key := k
					if string(name) == string(bucketCells) {
						key = k[cellPrefixLen:]
					}
					e, err := decodeEvent(key, v)
					if err != nil {
						return err
					}
					e.Created, e.Updated = time.Time{}, time.Time{}
					val = fmt.Sprintf("%+v", *e)
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
