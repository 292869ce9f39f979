package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/postgis"
	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

// mentionJSON is one mention as `geoparse` prints it; lat and lon are null
// when the mention could not be resolved.
type mentionJSON struct {
	Start       int      `json:"start"`
	End         int      `json:"end"`
	Text        string   `json:"text"`
	Kind        string   `json:"kind"`
	Lat         *float64 `json:"lat"`
	Lon         *float64 `json:"lon"`
	PlaceID     int64    `json:"place_id,omitempty"`
	Name        string   `json:"name,omitempty"`
	Country     string   `json:"country,omitempty"`
	FeatureCode string   `json:"feature_code,omitempty"`
	Score       float64  `json:"score"`
	Reason      string   `json:"reason"`
	Literal     float64  `json:"literal"`
	LiteralWhy  string   `json:"literal_why,omitempty"`
}

func toJSON(ms []geoparse.Mention) []mentionJSON {
	out := make([]mentionJSON, 0, len(ms))
	for _, m := range ms {
		j := mentionJSON{Start: m.Start, End: m.End, Text: m.Text, Kind: m.Kind, Score: m.Score, Reason: m.Reason,
			Literal: m.Literal, LiteralWhy: m.LiteralWhy}
		if p := m.Place; p != nil {
			lat, lon := p.Lat(), p.Lon()
			j.Lat, j.Lon = &lat, &lon
			j.PlaceID, j.Name, j.Country, j.FeatureCode = p.ID, p.Name, p.Country, p.FeatureCode
		}
		out = append(out, j)
	}
	return out
}

// openParser reads the lexicon (the default plus an optional file of tag
// lines), opens the gazetteer read-only and builds a parser; the caller
// calls the returned close.
func openParser(path string, lexicon string) (*geoparse.Parser, func() error, error) {
	lex, err := readLexicon(lexicon)
	if err != nil {
		return nil, nil, err
	}
	g, closeDB, err := openGazetteer(path, true)
	if err != nil {
		return nil, nil, err
	}
	return geoparse.New(geoparse.FromGazetteer(g), lex), closeDB, nil
}

// readLexicon returns the default lexicon plus the tag lines of an optional file.
func readLexicon(file string) (*geoparse.Language, error) {
	lex := geoparse.DefaultLanguage()
	if file == "" {
		return lex, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, geo.Errorf(geo.EINVALID, "lexicon: %v", err)
	}
	defer f.Close()
	if err := lex.AddTags(f); err != nil {
		return nil, err
	}
	return lex, nil
}

// readInput reads FILE, or stdin for "-" or no argument, up to the parser's limit.
func readInput(env *Env, args []string) (string, error) {
	var r io.Reader = env.Stdin
	if len(args) > 1 {
		return "", usagef("one FILE or - expected, got %d arguments", len(args))
	}
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return "", geo.Errorf(geo.EINVALID, "%v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, geoparse.MaxTextLen+1))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func runGeoparse(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "geoparse", "geoparse [--jsonl] [FILE|-]", `
Find the places mentioned in a text and resolve each with the gazetteer.
Prints the mentions as a JSON array: start and end (code points), text,
lat, lon (null when unresolved), place_id, name, country, feature_code,
score, reason, literal (the probability that the place is used literally,
where something happens, not for its government or army) and literal_why.

With --jsonl, reads JSON lines {"id","text","published"?,"spans"?} and
writes one line {"id","mentions":[…]} for each; when "spans" ([{"start",
"end"}]) is given, only those spans are resolved. Mentions do not depend on
"published"; when given (in any form ingest --published reads), the line's
output repeats it as RFC 3339. A line that cannot be read gets
{"id","error"} and the rest go on.`)
	db := dbFlag(fs, env)
	jsonl := fs.Bool("jsonl", false, "read and write JSON lines")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("one FILE or - expected, got %d arguments", len(pos))
	}
	p, closeDB, err := openParser(*db, "")
	if err != nil {
		return err
	}
	defer closeDB()
	if *jsonl {
		return geoparseLines(ctx, env, p, pos)
	}
	text, err := readInput(env, pos)
	if err != nil {
		return err
	}
	ms, err := p.Parse(ctx, text)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(toJSON(ms))
}

// geoparseLines is `geoparse --jsonl`.
func geoparseLines(ctx context.Context, env *Env, p *geoparse.Parser, pos []string) error {
	type line struct {
		ID        json.RawMessage `json:"id"`
		Text      string          `json:"text"`
		Published string          `json:"published"`
		Spans     []geoparse.Span `json:"spans"`
	}
	type result struct {
		ID        json.RawMessage `json:"id"`
		Published string          `json:"published,omitempty"`
		Mentions  []mentionJSON   `json:"mentions"`
		Error     string          `json:"error,omitempty"`
	}
	return eachLine(env, "geoparse", pos, func(n int, b []byte, out *bufio.Writer) (bool, error) {
		var l line
		res := result{Mentions: []mentionJSON{}}
		if jerr := json.Unmarshal(b, &l); jerr != nil {
			res.ID, res.Error = json.RawMessage("null"), fmt.Sprintf("line %d: not a JSON object: %v", n, jerr)
		} else {
			res.ID = l.ID
			if len(res.ID) == 0 {
				res.ID = json.RawMessage("null")
			}
			var ms []geoparse.Mention
			var perr error
			if l.Published != "" {
				pub, _, err := geoparse.ParsePublished(l.Published)
				if perr = err; err == nil {
					res.Published = pub.UTC().Format(time.RFC3339Nano)
				}
			}
			if perr == nil && l.Spans != nil {
				ms, perr = p.ParseSpans(ctx, l.Text, l.Spans)
			} else if perr == nil {
				ms, perr = p.Parse(ctx, l.Text)
			}
			if perr != nil {
				if ctx.Err() != nil {
					return false, ctx.Err()
				}
				res.Error = geo.ErrorMessage(perr)
			} else {
				res.Mentions = toJSON(ms)
			}
		}
		return res.Error != "", json.NewEncoder(out).Encode(res)
	})
}

// readLine reads one line of at most max bytes (without its newline).
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > max {
			return nil, geo.Errorf(geo.ETOOLARGE, "line longer than %d bytes", max)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\n' {
			buf = buf[:len(buf)-1]
		}
		return buf, err
	}
}

func runIngest(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "ingest", "ingest [--dry-run] [--published TIME] [--url URL] [--title T] [--lexicon FILE] FILE|-\n       geonews ingest --jsonl [FILE|-]", `
Geoparse an article and store the events it reports: each happening the
text presents as real (a trigger word of seeds/en/triggers.tsv that no
modal, plan, negation or background date takes back), at the place where it
happened, typed by the ontology of seeds/en/ontology.tsv, dated with its
precision (day, month or year); repeated mentions of one happening merge.
Dates such as "Wednesday" or "in May" are resolved against --published
(default: now), which may be in any common form: RFC 3339, RFC 1123 ("Wed,
02 Oct 2002 08:00:00 EST"), "Wed Nov 23, 2016 | 3:02pm EST", "9:55 AM ET,
Sun January 4, 2015", "2009-03-25 00:26:04-05", ISO without a zone (UTC)
or a date alone; US zone names are their real offsets (ET is -04:00 in
summer). Event IDs are derived from the source and the happening (type,
place, date), so ingesting the same article twice stores nothing new. An
article in a language the geoparser does not read is skipped, with the
reason.

With --dry-run, prints the events as a GeoJSON FeatureCollection instead;
each says why in properties.why (trigger, mention, place and date reasons).
--lexicon adds tag lines (tag<TAB>event|actor<TAB>phrase|phrase…; see
seeds/en/tags.tsv) and trigger lines (type<TAB>rank<TAB>phrase|phrase…;
see seeds/en/triggers.tsv) to the default language.

With --jsonl, a dry run over JSON lines {"id","text","published"?,"title"?,
"url"?}, one line {"id","events":[…],"skipped"?} (or {"id","error"}) out for
each: what scripts/eval-events scores.`)
	db := dbFlag(fs, env)
	dry := fs.Bool("dry-run", false, "print the events as GeoJSON instead of storing them")
	published := fs.String("published", "", "publication `time`, in any common form (default: now)")
	url := fs.String("url", "", "the article's URL")
	title := fs.String("title", "", "the article's title")
	lexicon := fs.String("lexicon", "", "extra tag lexicon `file`")
	gazFile := gazetteerFlag(fs)
	jsonl := fs.Bool("jsonl", false, `dry run over JSON lines {"id","text","published"?,"title"?,"url"?}, one {"id","events"} line out for each`)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *jsonl {
		if len(pos) > 1 {
			return usagef("one FILE or - expected, got %d arguments", len(pos))
		}
		p, closeDB, err := openParser(*db, *lexicon)
		if err != nil {
			return err
		}
		defer closeDB()
		return ingestLines(ctx, env, ingest.New(p, nil), pos)
	}
	if len(pos) != 1 {
		return usagef("one FILE or - expected")
	}
	pub := time.Now().UTC()
	if *published != "" {
		if pub, _, err = geoparse.ParsePublished(*published); err != nil {
			return usagef("--published %q is not a date we can read (try RFC 3339: 2017-10-11T09:00:00Z)", *published)
		}
	}
	text, err := readInput(env, pos)
	if err != nil {
		return err
	}
	a := ingest.Article{Text: text, URL: *url, Title: *title, Published: pub}
	if *dry {
		p, closeDB, err := openParser(*db, *lexicon)
		if err != nil {
			return err
		}
		defer closeDB()
		res, err := ingest.New(p, nil).Ingest(ctx, a, true)
		if err != nil {
			return err
		}
		if res.Skipped != "" {
			fmt.Fprintf(env.Stderr, "geonews ingest: skipped: %s\n", res.Skipped)
		}
		out := geo.AppendFeatureCollection(nil, res.Events)
		_, err = env.Stdout.Write(append(out, '\n'))
		return err
	}
	svc, _, closeDB, err := openIngest(env, *db, *gazFile, *lexicon)
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := svc.Ingest(ctx, a, false)
	if err != nil {
		return err
	}
	if res.Skipped != "" {
		fmt.Fprintf(env.Stdout, "skipped, nothing stored: %s\n", res.Skipped)
		return nil
	}
	fmt.Fprintf(env.Stdout, "stored %d new events of %d read from the article\n", res.Created, len(res.Events))
	for _, e := range res.Events {
		if e.Merge != nil && e.Merge.Into != "" {
			fmt.Fprintf(env.Stdout, "merged %q into event %s, another article's report of it: %s\n", e.Title, e.Merge.Into, e.Merge.Detail)
		}
	}
	return nil
}

// openIngest opens the database for writing and builds the ingest service
// on its gazetteer and event store; the caller closes the returned DB.
//
// With a postgres:// URL the events go to PostgreSQL and the gazetteer is
// the shared file gazFile (else GEONEWS_GAZETTEER, else data/geonews.db),
// read-only; the returned DB is then nil.
func openIngest(env *Env, path, gazFile, lexicon string) (*ingest.Service, *bolt.DB, func() error, error) {
	lex, err := readLexicon(lexicon)
	if err != nil {
		return nil, nil, nil, err
	}
	if postgis.IsURL(path) {
		pg, ov, closeAll, err := openOverlay(context.Background(), env, path, gazFile)
		if err != nil {
			return nil, nil, nil, err
		}
		return ingest.New(geoparse.New(ov, lex), pg), nil, closeAll, nil
	}
	g, _, err := openGazetteer(path, false)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := store.Open(g.DB())
	if err != nil {
		g.DB().Close()
		return nil, nil, nil, err
	}
	return ingest.New(geoparse.New(geoparse.FromGazetteer(g), lex), s), g.DB(), g.DB().Close, nil
}
