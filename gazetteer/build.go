package gazetteer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/boltpack"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// buildVersion changes whenever what Build produces from the same inputs
// changes (importers, Natural Earth mapping), so that `make setup` refreshes.
const buildVersion = "2"

// BuildOptions name the inputs of the default gazetteer.
type BuildOptions struct {
	GeoNamesPath string // a GeoNames dump, e.g. cities500.txt
	SeedPlaces   string // seeds/places.tsv
	SeedAliases  string // seeds/aliases.tsv
	SeedCountry  string // seeds/countries.tsv: country points
	Progress     func(step string, read, total int64)
	Warn         func(step string, line int, msg string)
}

// BuildReport says what Build did.
type BuildReport struct {
	UpToDate     bool
	Reindexed    bool
	GeoNames     ImportStats
	NaturalEarth ImportStats
	Seeds        ImportStats
	Removed      int
}

// Build creates or refreshes the default gazetteer: GeoNames places, Natural
// Earth countries and regions, and the team's seeds. It is idempotent: with
// the same inputs it only checks a fingerprint. User entries, user edits and
// user deletions are kept; so are any other stored data (events).
func (g *Gazetteer) Build(ctx context.Context, opt BuildOptions) (BuildReport, error) {
	var rep BuildReport
	if !g.IndexCurrent() {
		if err := g.RebuildIndex(ctx); err != nil {
			return rep, fmt.Errorf("rebuild the name index: %w", err)
		}
		rep.Reindexed = true
	}
	f, err := os.Open(opt.GeoNamesPath)
	if err != nil {
		return rep, fmt.Errorf("GeoNames file: %w (run `npm ci` or `make setup`)", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return rep, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return rep, fmt.Errorf("read %s: %w", opt.GeoNamesPath, err)
	}
	fmt.Fprintf(h, "\x00%s\x00%s\x00%s\x00%s\x00%s", indexVersion, buildVersion, opt.SeedPlaces, opt.SeedAliases, opt.SeedCountry)
	fingerprint := hex.EncodeToString(h.Sum(nil))
	if g.meta("build") == fingerprint {
		rep.UpToDate = true
		return rep, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return rep, err
	}

	ne, err := NaturalEarthPlaces()
	if err != nil {
		return rep, err
	}
	if err := applyCountryPoints(ne, opt.SeedCountry); err != nil {
		return rep, err
	}
	seedPlaces, err := ParseSeedPlaces(opt.SeedPlaces)
	if err != nil {
		return rep, err
	}
	aliases, err := parseSeedAliases(opt.SeedAliases, ne)
	if err != nil {
		return rep, err
	}
	if err := g.db.Update(func(tx *bolt.Tx) error { return putAliases(tx, aliases) }); err != nil {
		return rep, err
	}

	progress := func(step string, total int64) func(int64) {
		if opt.Progress == nil {
			return nil
		}
		return func(n int64) { opt.Progress(step, n, total) }
	}
	warn := func(step string) func(int, string) {
		if opt.Warn == nil {
			return nil
		}
		return func(line int, msg string) { opt.Warn(step, line, msg) }
	}
	if rep.GeoNames, err = g.ImportGeoNames(ctx, f, ImportOptions{Progress: progress("GeoNames", fi.Size()), Warn: warn(opt.GeoNamesPath)}); err != nil {
		return rep, err
	}
	neIDs := map[int64]bool{}
	rep.NaturalEarth, err = g.importPlaces(ctx, ImportOptions{}, func(emit func(*geo.Place) error, st *ImportStats) error {
		for _, p := range ne {
			st.Rows++
			neIDs[p.ID] = true
			if err := emit(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	seedIDs := map[int64]bool{}
	rep.Seeds, err = g.importPlaces(ctx, ImportOptions{}, func(emit func(*geo.Place) error, st *ImportStats) error {
		for _, p := range seedPlaces {
			st.Rows++
			seedIDs[p.ID] = true
			if err := emit(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	// Entries that left the default data go, unless the user made them theirs.
	err = g.update(func(tx *writeTx) error {
		var stale []*geo.Place
		c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
		for k, v := c.Seek(itob(naturalEarthIDBase)); k != nil && btoi(k) < userIDBase; k, v = c.Next() {
			id := btoi(k)
			if neIDs[id] || seedIDs[id] {
				continue
			}
			p, err := decodePlace(id, v)
			if err != nil {
				return err
			}
			if p.Source == geo.SourceNaturalEarth || p.Source == geo.SourceSeed {
				stale = append(stale, p)
			}
		}
		if err := c.Err(); err != nil {
			return err
		}
		for _, p := range stale {
			if err := deletePlace(tx, p); err != nil {
				return err
			}
		}
		rep.Removed = len(stale)
		return tx.Bucket(bucketMeta).Put([]byte("build"), []byte(fingerprint))
	})
	return rep, err
}

func (g *Gazetteer) meta(key string) string {
	var v string
	_ = g.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			v = string(b.Get([]byte(key)))
		}
		return nil
	})
	return v
}

// RebuildIndex drops the name and cell indexes and builds them again from the
// place records, in one sorted pass. `geonews gazetteer build` calls it when
// the normalisation rules changed or an import was interrupted.
func (g *Gazetteer) RebuildIndex(ctx context.Context) error {
	w := &bulkWriter{g: g}
	err := g.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketNames, bucketCells} {
			if err := tx.DeleteBucket(name); err != nil && err != bolt.ErrBucketNotFound {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		n := int64(0)
		c := boltpack.NewCursor(tx.Bucket(bucketPlaces))
		for k, v := c.First(); k != nil; k, v = c.Next() {
			p, err := decodePlace(btoi(k), v)
			if err != nil {
				return err
			}
			n++
			if err := w.queue(p); err != nil {
				return err
			}
		}
		if err := c.Err(); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put([]byte("count"), itob(n)); err != nil {
			return err
		}
		if err := meta.Put([]byte("index_version"), []byte(indexVersion)); err != nil {
			return err
		}
		return w.markDirty(tx)
	})
	if err != nil {
		w.sorter.close()
		return err
	}
	return w.finish()
}

// ParseSeedPlaces reads seeds/places.tsv (see its header for the columns).
func ParseSeedPlaces(text string) ([]*geo.Place, error) {
	var out []*geo.Place
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 9 {
			return nil, fmt.Errorf("seed places line %d: %d columns, want 9", i+1, len(f))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n <= 0 || n >= userIDBase-seedIDBase {
			return nil, fmt.Errorf("seed places line %d: bad seed number %q", i+1, f[0])
		}
		lat, err1 := strconv.ParseFloat(f[3], 64)
		lon, err2 := strconv.ParseFloat(f[4], 64)
		pop, err3 := strconv.ParseInt(f[7], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("seed places line %d: bad latitude, longitude or population", i+1)
		}
		if strings.TrimSpace(f[8]) == "" {
			return nil, fmt.Errorf("seed places line %d: no source", i+1)
		}
		p := &geo.Place{ID: seedIDBase + n, Name: f[1], FeatureCode: f[5], FeatureClass: featureClassOf(f[5]),
			Country: f[6], Population: pop, Source: geo.SourceSeed}
		if f[2] != "" {
			p.AlternateNames = strings.Split(f[2], "|")
		}
		p.Point[0], p.Point[1] = lon, lat
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("seed places line %d: %v", i+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// featureClassOf returns the GeoNames feature class of the codes seeds use.
func featureClassOf(code string) string {
	switch code {
	case "RGN", "AREA", "CONT":
		return "L"
	case "GULF", "STM", "SEA", "OCN", "LK":
		return "H"
	case "VAL", "PEN", "PLAT", "MT", "MTS", "ISL", "DSRT":
		return "T"
	case "ADM1", "ADM2", "PCLI", "PCLD":
		return "A"
	}
	if strings.HasPrefix(code, "PPL") {
		return "P"
	}
	return "S"
}

// parseSeedAliases reads seeds/aliases.tsv into target id → names, resolving
// "country:XX" targets against the Natural Earth countries.
func parseSeedAliases(text string, ne []*geo.Place) (map[int64][]string, error) {
	country := map[string]int64{}
	for _, p := range ne {
		if p.FeatureCode == "PCLI" && country[p.Country] == 0 {
			country[p.Country] = p.ID
		}
	}
	out := map[int64][]string{}
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || strings.TrimSpace(f[2]) == "" {
			return nil, fmt.Errorf("seed aliases line %d: want target, names and source", i+1)
		}
		var id int64
		if cc, ok := strings.CutPrefix(f[0], "country:"); ok {
			if id = country[cc]; id == 0 {
				return nil, fmt.Errorf("seed aliases line %d: no country %q in Natural Earth", i+1, cc)
			}
		} else if n, err := strconv.ParseInt(f[0], 10, 64); err == nil && n > 0 {
			id = n
		} else {
			return nil, fmt.Errorf("seed aliases line %d: bad target %q", i+1, f[0])
		}
		out[id] = append(out[id], strings.Split(f[1], "|")...)
	}
	return out, nil
}

// putAliases replaces the alias bucket's contents with aliases.
func putAliases(tx *bolt.Tx, aliases map[int64][]string) error {
	b := tx.Bucket(bucketAliases)
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if _, ok := aliases[btoi(k)]; !ok {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	for id, names := range aliases {
		v := []byte(strings.Join(names, "\n"))
		if bytes.Equal(b.Get(itob(id)), v) {
			continue
		}
		if err := b.Put(itob(id), v); err != nil {
			return err
		}
	}
	return nil
}

// applyCountryPoints moves the Natural Earth countries listed in
// seeds/countries.tsv (ISO code, latitude, longitude, source) to the listed
// points.
func applyCountryPoints(ne []*geo.Place, text string) error {
	points := map[string][2]float64{}
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || len(f[0]) != 2 || strings.TrimSpace(f[3]) == "" {
			return fmt.Errorf("seed countries line %d: want code, latitude, longitude and source", i+1)
		}
		lat, err1 := strconv.ParseFloat(f[1], 64)
		lon, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || geo.ValidatePoint(orb.Point{lon, lat}) != nil {
			return fmt.Errorf("seed countries line %d: bad latitude or longitude", i+1)
		}
		points[f[0]] = [2]float64{lon, lat}
	}
	for _, p := range ne {
		if pt, ok := points[p.Country]; ok && (p.FeatureCode == "PCLI" || p.FeatureCode == "PCLD") {
			p.Point = orb.Point{pt[0], pt[1]}
		}
	}
	return nil
}
