package gazetteer

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// HasName reports whether name names a place under its strict key or, failing
// that, its loose key ("Deir Ezzor" is known only through the
// transliteration rules). It normalises once and answers from memory, so a
// recogniser can ask it of every capitalised n-gram of a text.
func (g *Gazetteer) HasName(name string) bool {
	strict := Normalize(name)
	if strict == "" {
		return false
	}
	return g.HasKey(strict) || g.HasKey(applyRules(strict, Rules))
}

// maxNameMatches bounds how many candidates a name query ranks.
const MaxNameMatches = 1000

// FindPlaces lists places for the OGC API places collection. With Q, places
// whose names match Q (strict or loose key, as Resolve) in rank order; with
// only BBox, places inside it by 1° cell; with neither, all places by id.
// Cursors are opaque to callers; a malformed one is geo.EINVALID.
func (g *Gazetteer) FindPlaces(ctx context.Context, f geo.PlaceFilter) (*geo.PlacePage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	limit = min(limit, geo.MaxLimit)
	switch {
	case strings.TrimSpace(f.Q) != "":
		return g.findByName(ctx, f, limit)
	case f.BBox != nil:
		return g.findInBBox(f, limit)
	}
	return g.findAll(ctx, f, limit)
}

func badCursor() error { return geo.Errorf(geo.EINVALID, "cursor is not one this server issued") }

// findByName pages through the ranked matches of f.Q by offset.
func (g *Gazetteer) findByName(ctx context.Context, f geo.PlaceFilter, limit int) (*geo.PlacePage, error) {
	cands, err := g.Resolve(ctx, f.Q, Hints{Limit: MaxNameMatches})
	if err != nil {
		return nil, err
	}
	places := make([]*geo.Place, len(cands))
	for i, c := range cands {
		places[i] = c.Place
	}
	return PageByName(places, f, limit)
}

// PageByName is the page of f (its box and its "o<offset>" cursor) among
// the places a name query ranked, best first (at most MaxNameMatches): how
// every place service pages a query by name.
func PageByName(ranked []*geo.Place, f geo.PlaceFilter, limit int) (*geo.PlacePage, error) {
	offset := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(f.Cursor, "o"))
		if !strings.HasPrefix(f.Cursor, "o") || err != nil || n < 0 {
			return nil, badCursor()
		}
		offset = n
	}
	var places []*geo.Place
	for _, p := range ranked {
		if f.BBox == nil || f.BBox.Contains(p.Point) {
			places = append(places, p)
		}
	}
	page := &geo.PlacePage{NumberMatched: len(places)}
	if offset < len(places) {
		page.Places = places[offset:min(offset+limit, len(places))]
	}
	if offset+limit < len(places) {
		page.Next = "o" + strconv.Itoa(offset+limit)
	}
	if offset > 0 {
		page.Prev = "o" + strconv.Itoa(max(offset-limit, 0))
	}
	return page, nil
}

// findAll pages through every place in id order. Cursor "a<id>" starts after
// id, "b<id>" is the page that ends before id.
func (g *Gazetteer) findAll(ctx context.Context, f geo.PlaceFilter, limit int) (*geo.PlacePage, error) {
	var after, before int64 = -1, -1
	if f.Cursor != "" {
		id, err := strconv.ParseInt(f.Cursor[1:], 10, 64)
		switch {
		case err != nil:
			return nil, badCursor()
		case f.Cursor[0] == 'a':
			after = id
		case f.Cursor[0] == 'b':
			before = id
		default:
			return nil, badCursor()
		}
	}
	n, err := g.Count(ctx)
	if err != nil {
		return nil, err
	}
	page := &geo.PlacePage{NumberMatched: n}
	err = g.db.View(func(tx *bolt.Tx) error {
		c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
		var k, v []byte
		if before >= 0 {
			// Walk back limit places, then return them in id order.
			k, v = c.Seek(itob(before))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			for ; k != nil && len(page.Places) < limit; k, v = c.Prev() {
				p, err := decodePlace(btoi(k), v)
				if err != nil {
					return err
				}
				page.Places = append(page.Places, p)
			}
			slices.Reverse(page.Places)
		} else {
			if after >= 0 {
				k, v = c.Seek(itob(after + 1))
			} else {
				k, v = c.First()
			}
			for ; k != nil && len(page.Places) < limit; k, v = c.Next() {
				p, err := decodePlace(btoi(k), v)
				if err != nil {
					return err
				}
				page.Places = append(page.Places, p)
			}
		}
		if len(page.Places) == 0 {
			return nil
		}
		first, last := page.Places[0].ID, page.Places[len(page.Places)-1].ID
		if k, _ := c.Seek(itob(last + 1)); k != nil {
			page.Next = "a" + strconv.FormatInt(last, 10)
		}
		if k, _ := c.Seek(itob(first)); k != nil {
			if k, _ := c.Prev(); k != nil {
				page.Prev = "b" + strconv.FormatInt(first, 10)
			}
		}
		return nil
	})
	return page, err
}

// findInBBox walks the 1° cells that cover the box, in key order, and keeps
// the places inside it. The cursor is the last cell key returned.
func (g *Gazetteer) findInBBox(f geo.PlaceFilter, limit int) (*geo.PlacePage, error) {
	var from []byte
	if f.Cursor != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(f.Cursor, "c"))
		if !strings.HasPrefix(f.Cursor, "c") || err != nil || len(b) != 12 {
			return nil, badCursor()
		}
		from = b
	}
	type span struct{ lo, hi uint32 } // cell range, inclusive
	var spans []span
	for _, b := range f.BBox.Bounds() {
		for row := int(b.Min[1] + 90); row <= min(int(b.Max[1]+90), 179); row++ {
			lo := uint32(row*360) + uint32(min(int(b.Min[0]+180), 359))
			hi := uint32(row*360) + uint32(min(int(b.Max[0]+180), 359))
			spans = append(spans, span{lo, hi})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.lo) - int(b.lo) })
	page := &geo.PlacePage{NumberMatched: -1}
	var last []byte
	err := g.db.View(func(tx *bolt.Tx) error {
		c := boltpack.NewCursor(tx.Bucket(bucketCells))
		places := tx.Bucket(bucketPlaces)
		for _, s := range spans {
			start := make([]byte, 12)
			start[0], start[1], start[2], start[3] = byte(s.lo>>24), byte(s.lo>>16), byte(s.lo>>8), byte(s.lo)
			if from != nil && bytes.Compare(start, from) <= 0 {
				start = append(slices.Clone(from), 0) // just after the cursor
			}
			for k, _ := c.Seek(start); k != nil; k, _ = c.Next() {
				cell := uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3])
				if cell > s.hi {
					break
				}
				id := btoi(k[4:12])
				v := boltpack.Get(places, k[4:12])
				if v == nil {
					continue
				}
				p, err := decodePlace(id, v)
				if err != nil {
					return err
				}
				if !f.BBox.Contains(p.Point) {
					continue
				}
				if len(page.Places) == limit {
					page.Next = "c" + hex.EncodeToString(last)
					return nil
				}
				page.Places = append(page.Places, p)
				last = slices.Clone(k) // k dies with the transaction
			}
		}
		return c.Err()
	})
	return page, err
}
