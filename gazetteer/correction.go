package gazetteer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/geonews/geonews/geo"
	bolt "go.etcd.io/bbolt"
)

// bucketCorrections holds the rules learned from users' corrections:
// id (8 bytes, big-endian) → record (correction_codec.go).
var bucketCorrections = []byte("gazetteer_corrections")

// Correction actions.
const (
	// CorrectMove says that, in an article about Country, Name is the place
	// PlaceID.
	CorrectMove = "move"
	// CorrectNotPlace says that, in an article about Country, Name is no
	// place at all (a person, an organisation, a common word).
	CorrectNotPlace = "not_place"
)

// Correction is a rule learned from a user's correction of a geoparsed
// event, with where it came from. The geoparser applies it to the same
// name (by its strict key, Normalize) in later articles about the same
// country; elsewhere the name resolves as before.
type Correction struct {
	ID      int64
	Action  string // CorrectMove or CorrectNotPlace
	Name    string // the mention as the article wrote it
	Country string // ISO 3166-1 alpha-2: the country the article is about
	PlaceID int64  // CorrectMove: the place Name means there

	// Provenance: the event corrected, the article it was read from, the
	// place the geoparser had chosen, and when.
	EventID     string
	URL         string
	FromPlaceID int64
	Created     time.Time

	// Before is the corrected event as it was (opaque here: its owner's
	// encoding), and After the event's update time once corrected, so
	// that an undo can put the event back if nobody edited it since.
	Before []byte
	After  time.Time
}

// Key returns the name key the correction applies to.
func (c *Correction) Key() string { return Normalize(c.Name) }

// Validate checks a correction before it is stored, normalising its
// country code and clearing the place of a "not a place" rule; every store
// of corrections calls it, so that they refuse the same input.
func (c *Correction) Validate() error {
	switch c.Action {
	case CorrectMove:
		if c.PlaceID == 0 {
			return geo.Errorf(geo.EINVALID, "place_id is required to move an event")
		}
	case CorrectNotPlace:
		c.PlaceID = 0
	default:
		return geo.Errorf(geo.EINVALID, "action %q: must be %q or %q", c.Action, CorrectMove, CorrectNotPlace)
	}
	if err := geo.CheckText("name", c.Name, geo.MaxNameLen, false); err != nil {
		return err
	}
	if c.Key() == "" {
		return geo.Errorf(geo.EINVALID, "name %q has no letters to match", c.Name)
	}
	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	if len(c.Country) != 2 || c.Country[0] < 'A' || c.Country[0] > 'Z' || c.Country[1] < 'A' || c.Country[1] > 'Z' {
		return geo.Errorf(geo.EINVALID, "country %q: must be an ISO 3166-1 alpha-2 code such as SY", c.Country)
	}
	if len(c.EventID) > 200 || len(c.URL) > geo.MaxURLLen {
		return geo.Errorf(geo.EINVALID, "event id or url too long")
	}
	return nil
}

// corrections is the in-memory copy of the correction rules, by name key,
// oldest first: loaded at Open, kept in step by every write, so that the
// geoparser pays one map lookup per name and a write applies at once.
type corrections struct {
	mu    sync.RWMutex
	byKey map[string][]*Correction
}

func (cs *corrections) add(c *Correction) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	k := c.Key()
	cs.byKey[k] = append(cs.byKey[k], c)
}

func (cs *corrections) remove(c *Correction) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	k := c.Key()
	l := slices.DeleteFunc(slices.Clone(cs.byKey[k]), func(x *Correction) bool { return x.ID == c.ID })
	if len(l) == 0 {
		delete(cs.byKey, k)
	} else {
		cs.byKey[k] = l
	}
}

// loadCorrections reads every stored correction into memory.
func loadCorrections(db *bolt.DB) (*corrections, error) {
	cs := &corrections{byKey: map[string][]*Correction{}}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCorrections)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			c, err := decodeCorrection(btoi(k), v)
			if err != nil {
				return err
			}
			k2 := c.Key()
			cs.byKey[k2] = append(cs.byKey[k2], c)
			return nil
		})
	})
	return cs, err
}

// CorrectionFor returns the newest correction of name for an article about
// country, if any. It answers from memory: the geoparser asks it for every
// name it resolves, and most names have no correction.
func (g *Gazetteer) CorrectionFor(name, country string) (Correction, bool) {
	g.corr.mu.RLock()
	empty := len(g.corr.byKey) == 0
	g.corr.mu.RUnlock()
	if empty || country == "" {
		return Correction{}, false
	}
	k := Normalize(name)
	g.corr.mu.RLock()
	defer g.corr.mu.RUnlock()
	l := g.corr.byKey[k]
	for i := len(l) - 1; i >= 0; i-- {
		if l[i].Country == country {
			return *l[i], true
		}
	}
	return Correction{}, false
}

// HasCorrections reports whether name has a correction in some country, so
// that a caller knows when working out the country of an article is worth it.
func (g *Gazetteer) HasCorrections(name string) bool {
	g.corr.mu.RLock()
	empty := len(g.corr.byKey) == 0
	g.corr.mu.RUnlock()
	if empty {
		return false
	}
	k := Normalize(name)
	g.corr.mu.RLock()
	defer g.corr.mu.RUnlock()
	return len(g.corr.byKey[k]) > 0
}

// AddCorrection validates and stores a correction, setting its ID and, if
// zero, its Created time. It is in use as soon as this returns. A move to a
// place the gazetteer lacks is geo.EINVALID.
func (g *Gazetteer) AddCorrection(ctx context.Context, c *Correction) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Created.IsZero() {
		c.Created = time.Now().UTC()
	}
	err := g.db.Update(func(tx *bolt.Tx) error {
		if c.Action == CorrectMove {
			if _, err := getPlaceAlts(tx, c.PlaceID, false); geo.ErrorCode(err) == geo.ENOTFOUND {
				return geo.Errorf(geo.EINVALID, "place_id %d is not in the gazetteer", c.PlaceID)
			} else if err != nil {
				return err
			}
		}
		b := tx.Bucket(bucketCorrections)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		c.ID = int64(seq)
		return b.Put(itob(c.ID), encodeCorrection(c))
	})
	if err != nil {
		return err
	}
	cp := *c
	g.corr.add(&cp)
	return nil
}

// SetCorrectionAfter records the corrected event's update time, once the
// event has been written (after the rule, so that a failed event write
// leaves no rule behind).
func (g *Gazetteer) SetCorrectionAfter(ctx context.Context, id int64, after time.Time) error {
	var c *Correction
	err := g.db.Update(func(tx *bolt.Tx) error {
		var err error
		if c, err = getCorrection(tx, id); err != nil {
			return err
		}
		c.After = after
		return tx.Bucket(bucketCorrections).Put(itob(id), encodeCorrection(c))
	})
	if err != nil {
		return err
	}
	g.corr.remove(c)
	g.corr.add(c)
	return nil
}

// Correction returns one correction, or a geo.ENOTFOUND error.
func (g *Gazetteer) Correction(ctx context.Context, id int64) (*Correction, error) {
	var c *Correction
	err := g.db.View(func(tx *bolt.Tx) (err error) {
		c, err = getCorrection(tx, id)
		return err
	})
	return c, err
}

func getCorrection(tx *bolt.Tx, id int64) (*Correction, error) {
	b := tx.Bucket(bucketCorrections)
	var v []byte
	if b != nil && id > 0 {
		v = b.Get(itob(id))
	}
	if v == nil {
		return nil, geo.Errorf(geo.ENOTFOUND, "correction %d not found", id)
	}
	return decodeCorrection(id, v)
}

// Corrections returns every correction, oldest first. They are few: one
// per user correction.
func (g *Gazetteer) Corrections(ctx context.Context) ([]*Correction, error) {
	var out []*Correction
	err := g.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCorrections)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			c, err := decodeCorrection(btoi(k), v)
			if err == nil {
				out = append(out, c)
			}
			return err
		})
	})
	return out, err
}

// DeleteCorrection forgets a correction (geo.ENOTFOUND if absent) and
// returns it: later articles resolve the name as they did before it.
func (g *Gazetteer) DeleteCorrection(ctx context.Context, id int64) (*Correction, error) {
	var c *Correction
	err := g.db.Update(func(tx *bolt.Tx) error {
		var err error
		if c, err = getCorrection(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketCorrections).Delete(itob(id))
	})
	if err != nil {
		return nil, err
	}
	g.corr.remove(c)
	return c, nil
}

// String describes a correction in words, for lists and reasons.
func (c *Correction) String() string {
	if c.Action == CorrectNotPlace {
		return fmt.Sprintf("%q is not a place in articles about %s", c.Name, c.Country)
	}
	return fmt.Sprintf("%q is place %d in articles about %s", c.Name, c.PlaceID, c.Country)
}
