package gazetteer

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	bolt "go.etcd.io/bbolt"
)

// ImportOptions control a streaming import.
type ImportOptions struct {
	// Source is recorded on every imported place (default geo.SourceGeoNames).
	Source string
	// BatchSize is how many rows go into one write transaction; memory stays
	// flat in the size of the file (default 20,000).
	BatchSize int
	// Progress, when set, is called with the number of bytes read so far.
	Progress func(read int64)
	// Warn, when set, is called for each malformed row that was skipped.
	Warn func(line int, msg string)
}

// ImportStats counts what an import did.
type ImportStats struct {
	Rows      int // data rows read
	Written   int // new or changed places written
	Unchanged int // rows identical to the stored place
	Kept      int // rows not applied because the user edited or deleted that place
	Bad       int // malformed rows skipped (each reported through Warn)
}

func (s ImportStats) String() string {
	return fmt.Sprintf("%d rows: %d written, %d unchanged, %d kept as the user left them, %d malformed",
		s.Rows, s.Written, s.Unchanged, s.Kept, s.Bad)
}

// ImportGeoNames reads a GeoNames dump in the official tab-separated format
// (allCountries.txt, XX.txt, citiesN.txt: 19 columns) and upserts its places.
// Re-importing the same file changes nothing. Places the user added, edited
// or deleted are left as the user left them. A malformed row is skipped and
// reported with its line number; the rows around it are imported.
func (g *Gazetteer) ImportGeoNames(ctx context.Context, r io.Reader, opt ImportOptions) (ImportStats, error) {
	if opt.Source == "" {
		opt.Source = geo.SourceGeoNames
	}
	return g.importPlaces(ctx, opt, func(emit func(*geo.Place) error, st *ImportStats) error {
		return scanLines(ctx, r, opt.Progress, func(line int, row []byte) error {
			st.Rows++
			p, err := parseGeoNamesRow(row)
			if err != nil {
				st.Bad++
				if opt.Warn != nil {
					opt.Warn(line, err.Error())
				}
				return nil
			}
			p.Source = opt.Source
			return emit(p)
		})
	})
}

// importPlaces upserts the places feed emits, in batches, with the index
// rows deferred to one sorted pass at the end (see bulkWriter).
func (g *Gazetteer) importPlaces(ctx context.Context, opt ImportOptions, feed func(emit func(*geo.Place) error, st *ImportStats) error) (ImportStats, error) {
	var st ImportStats
	defer g.forgetExtent()
	w := &bulkWriter{g: g}
	batch := make([]*geo.Place, 0, batchSize(opt))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := g.db.Update(func(tx *bolt.Tx) error {
			var rows []boltpack.Entry // in id order, as ps
			var added int64
			// The batch in id order meets the stored places in one forward
			// pass. It seeks rather than steps: between two ids of a batch
			// may lie many stored places, and a seek within the cursor's
			// block costs no bbolt search.
			ps := dedupeByID(batch)
			slices.SortFunc(ps, func(a, b *geo.Place) int { return cmp.Compare(a.ID, b.ID) })
			c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
			var kb [8]byte
			binary.BigEndian.PutUint64(kb[:], uint64(ps[0].ID))
			k, v := c.Seek(kb[:])
			for _, p := range ps {
				if k != nil && btoi(k) < p.ID {
					binary.BigEndian.PutUint64(kb[:], uint64(p.ID))
					k, v = c.Seek(kb[:])
				}
				var stored []byte
				if k != nil && btoi(k) == p.ID {
					stored = v
				}
				switch res, old, err := upsertCheck(tx, p, stored); {
				case err != nil:
					return err
				case res == upsertWritten:
					st.Written++
					if err := w.markDirty(tx); err != nil {
						return err
					}
					row, err := w.put(tx, p, old)
					if err != nil {
						return err
					}
					rows = append(rows, row)
					if old == nil {
						added++
					}
				case res == upsertUnchanged:
					st.Unchanged++
				default:
					st.Kept++
				}
			}
			if err := c.Err(); err != nil {
				return err
			}
			return writePlaces(tx, rows, added)
		})
		batch = batch[:0]
		return err
	}
	err := feed(func(p *geo.Place) error {
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}, &st)
	if err == nil {
		err = flush()
	}
	if ferr := w.finish(); err == nil {
		err = ferr
	}
	return st, err
}

func batchSize(opt ImportOptions) int {
	if opt.BatchSize > 0 {
		return opt.BatchSize
	}
	return 20000
}

type upsertResult int

const (
	upsertWritten upsertResult = iota
	upsertUnchanged
	upsertKept
)

// upsertCheck decides whether p should be written: not when the stored place
// is the user's, was deleted by the user, or already equals p. It returns the
// stored place when p replaces one; old is its record, or nil.
func upsertCheck(tx *bolt.Tx, p *geo.Place, old []byte) (upsertResult, *geo.Place, error) {
	id := itob(p.ID)
	if tx.Bucket(bucketDeleted).Get(id) != nil {
		return upsertKept, nil, nil
	}
	if old == nil {
		return upsertWritten, nil, nil
	}
	op, err := decodePlace(p.ID, old)
	if err != nil {
		return 0, nil, err
	}
	if op.Source == geo.SourceUser {
		return upsertKept, nil, nil
	}
	if p.Source == geo.SourceNaturalEarth && op.Source == geo.SourceGeoNames {
		return upsertKept, nil, nil // GeoNames' own record of a region wins over Natural Earth's copy
	}
	cp := *p
	cp.AlternateNames = slices.Clone(p.AlternateNames)
	if v := tx.Bucket(bucketAliases).Get(id); v != nil {
		mergeNames(&cp, strings.Split(string(v), "\n"))
	}
	if bytes.Equal(old, encodePlace(&cp)) {
		return upsertUnchanged, nil, nil
	}
	return upsertWritten, op, nil
}

// dedupeByID keeps the last of several places with the same id, so that a
// batch writes each id once.
func dedupeByID(ps []*geo.Place) []*geo.Place {
	seen := make(map[int64]int, len(ps))
	out := ps[:0]
	for _, p := range ps {
		if i, ok := seen[p.ID]; ok {
			out[i] = p
			continue
		}
		seen[p.ID] = len(out)
		out = append(out, p)
	}
	return out
}

func mergeNames(p *geo.Place, names []string) {
	for _, a := range names {
		if a == "" || a == p.Name {
			continue
		}
		dup := false
		for _, b := range p.AlternateNames {
			if a == b {
				dup = true
				break
			}
		}
		if !dup {
			p.AlternateNames = append(p.AlternateNames, a)
		}
	}
}

// parseGeoNamesRow reads one row of the GeoNames main table:
// geonameid, name, asciiname, alternatenames, latitude, longitude,
// feature class, feature code, country code, cc2, admin1..4, population,
// elevation, dem, timezone, modification date.
func parseGeoNamesRow(row []byte) (*geo.Place, error) {
	// One string for the row; the fields are slices of it.
	var cols [19]string
	f, rest := cols[:0], string(row)
	for len(f) < len(cols)-1 {
		i := strings.IndexByte(rest, '\t')
		if i < 0 {
			break
		}
		f, rest = append(f, rest[:i]), rest[i+1:]
	}
	f = append(f, rest)
	if len(f) < 15 {
		return nil, fmt.Errorf("has %d tab-separated columns, want 19", len(f))
	}
	id, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || id <= 0 || id >= naturalEarthIDBase {
		return nil, fmt.Errorf("geonameid %q is not a positive number below %d", f[0], naturalEarthIDBase)
	}
	lat, err1 := strconv.ParseFloat(f[4], 64)
	lon, err2 := strconv.ParseFloat(f[5], 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("latitude %q or longitude %q is not a number", f[4], f[5])
	}
	var pop int64
	if f[14] != "" {
		if pop, err = strconv.ParseInt(f[14], 10, 64); err != nil {
			return nil, fmt.Errorf("population %q is not a whole number", f[14])
		}
	}
	p := &geo.Place{
		ID: id, Name: f[1], ASCIIName: f[2], FeatureClass: f[6], FeatureCode: f[7],
		Country: f[8], Admin1: f[10], Population: pop, Source: geo.SourceGeoNames,
	}
	p.Point[0], p.Point[1] = lon, lat
	if f[3] != "" {
		p.AlternateNames = make([]string, 0, min(strings.Count(f[3], ",")+1, geo.MaxAlternateName))
		for a := range strings.SplitSeq(f[3], ",") {
			if utf8.RuneCountInString(a) <= geo.MaxNameLen && len(p.AlternateNames) < geo.MaxAlternateName {
				p.AlternateNames = append(p.AlternateNames, a)
			}
		}
	}
	if p.ASCIIName == p.Name {
		p.ASCIIName = ""
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// alternateNameSkip lists alternateNamesV2 pseudo-languages that are not
// names: links, postal codes, Wikidata ids and transport codes.
var alternateNameSkip = map[string]bool{
	"link": true, "post": true, "wkdt": true, "unlc": true, "faac": true, "tcid": true, "phon": true, "piny": true,
}

// ImportAlternateNames reads GeoNames' alternateNamesV2.txt (or the older
// alternateNames.txt) and adds each name to its place, if that place is
// stored. Links, postal codes and ids are skipped. Re-importing adds nothing.
func (g *Gazetteer) ImportAlternateNames(ctx context.Context, r io.Reader, opt ImportOptions) (ImportStats, error) {
	var st ImportStats
	pending := map[int64][]string{}
	n := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := g.update(func(tx *writeTx) error {
			for id, names := range pending {
				v := boltpack.Get(tx.Bucket(bucketPlaces), itob(id))
				if v == nil {
					continue
				}
				p, err := decodePlace(id, v)
				if err != nil {
					return err
				}
				before := len(p.AlternateNames)
				mergeNames(p, names)
				if len(p.AlternateNames) == before {
					st.Unchanged++
					continue
				}
				st.Written++
				if err := putPlace(tx, p); err != nil {
					return err
				}
			}
			return nil
		})
		clear(pending)
		n = 0
		return err
	}
	err := scanLines(ctx, r, opt.Progress, func(line int, row []byte) error {
		st.Rows++
		f := strings.Split(string(row), "\t")
		if len(f) < 4 {
			st.Bad++
			if opt.Warn != nil {
				opt.Warn(line, fmt.Sprintf("has %d tab-separated columns, want at least 4", len(f)))
			}
			return nil
		}
		id, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || id <= 0 || strings.TrimSpace(f[3]) == "" {
			st.Bad++
			if opt.Warn != nil {
				opt.Warn(line, fmt.Sprintf("geonameid %q or name %q is not usable", f[1], f[3]))
			}
			return nil
		}
		if alternateNameSkip[f[2]] || len(f[3]) > 4*geo.MaxNameLen {
			return nil
		}
		pending[id] = append(pending[id], strings.TrimSpace(f[3]))
		if n++; n >= batchSize(opt) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return st, err
}

// ImportAdmin1 reads GeoNames' admin1CodesASCII.txt ("CC.code", name, ascii
// name, geonameid) so that reasons and hints can name first-level regions.
func (g *Gazetteer) ImportAdmin1(ctx context.Context, r io.Reader, opt ImportOptions) (ImportStats, error) {
	var st ImportStats
	rows := map[string]string{}
	err := scanLines(ctx, r, opt.Progress, func(line int, row []byte) error {
		st.Rows++
		f := strings.Split(string(row), "\t")
		if len(f) < 2 || !strings.Contains(f[0], ".") || f[1] == "" {
			st.Bad++
			if opt.Warn != nil {
				opt.Warn(line, "want CC.code<TAB>name<TAB>ascii name<TAB>geonameid")
			}
			return nil
		}
		rows[f[0]] = f[1]
		return nil
	})
	if err != nil {
		return st, err
	}
	err = g.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAdmin1)
		for k, v := range rows {
			if old := b.Get([]byte(k)); string(old) == v {
				st.Unchanged++
				continue
			}
			st.Written++
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

// Admin1Name returns the name of a first-level region by country and
// GeoNames admin1 code, or "" when unknown.
func (g *Gazetteer) Admin1Name(country, code string) string {
	var name string
	_ = g.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketAdmin1); b != nil {
			name = string(b.Get([]byte(country + "." + code)))
		}
		return nil
	})
	return name
}

// scanLines calls fn for each non-empty, non-comment line of r with its
// 1-based line number, reporting progress in bytes and stopping when ctx is
// cancelled. Lines may be of any length.
func scanLines(ctx context.Context, r io.Reader, progress func(int64), fn func(line int, row []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var read int64
	var long []byte
	for line := 1; ; line++ {
		row, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], row...)
			for err == bufio.ErrBufferFull {
				row, err = br.ReadSlice('\n')
				long = append(long, row...)
			}
			row = long
		}
		read += int64(len(row))
		if err != nil && err != io.EOF {
			return fmt.Errorf("line %d: %w", line, err)
		}
		row = bytes.TrimRight(row, "\r\n")
		if len(row) > 0 && row[0] != '#' {
			if e := fn(line, row); e != nil {
				return e
			}
		}
		if line%4096 == 0 {
			if progress != nil {
				progress(read)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if err == io.EOF {
			if progress != nil {
				progress(read)
			}
			return nil
		}
	}
}
