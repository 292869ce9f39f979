package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/internal/linear"
)

// trainCorpora are the eval corpora the mention models learn from.
var trainCorpora = []string{"trnews", "gwn", "lgl", "geovirus"}

func runTrain(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "train", "train [--eval DIR] [--out DIR] [--folds N]", `
Train the geoparser's two mention models on the annotated corpora in
--eval (trnews, gwn, lgl, geovirus .jsonl): the toponym model (a name is a
place, not a person or an organisation) and the literal model (a place is
used literally, not for its government or army; GeoWebNews' types).
Prints cross-validated figures by document, then writes toponym.model and
literal.model to --out, to be embedded at the next build.`)
	db := dbFlag(fs, env)
	evalDir := fs.String("eval", "../shared/eval", "`directory` of the annotated corpora")
	out := fs.String("out", "seeds/en", "`directory` to write the models to")
	folds := fs.Int("folds", 5, "cross-validation folds by document")
	epochs := fs.Int("epochs", 30, "passes over the training mentions")
	minCount := fs.Int("min-count", 3, "drop features seen in fewer mentions")
	l2 := fs.Float64("l2", 1e-4, "weight decay per example")
	hitWeight := fs.Float64("hit-weight", 3, "weight of a toponym the resolver placed right, against 1 for the other mentions")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("no arguments expected, got %d", len(pos))
	}
	var docs []geoparse.TrainDoc
	for _, c := range trainCorpora {
		ds, err := readCorpus(filepath.Join(*evalDir, c+".jsonl"), c)
		if err != nil {
			return err
		}
		docs = append(docs, ds...)
	}
	p, closeDB, err := openParser(*db, "")
	if err != nil {
		return err
	}
	defer closeDB()
	o := geoparse.TrainOptions{Folds: *folds, Report: env.Stdout, HitWeight: *hitWeight,
		Model: linear.Options{Epochs: *epochs, MinCount: *minCount, L2: *l2, Prune: 0.005}}
	topo, lit, err := geoparse.Train(ctx, p, docs, o)
	if err != nil {
		return err
	}
	for name, m := range map[string]*linear.Model{"toponym.model": topo, "literal.model": lit} {
		if err := writeModel(filepath.Join(*out, name), m); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "\nwrote %s: toponym %d weights, literal %d weights\n", *out, len(topo.W), len(lit.W))
	return nil
}

// readCorpus reads an eval corpus: one {"id","text","toponyms":[…]} a line.
func readCorpus(path, corpus string) ([]geoparse.TrainDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, geo.Errorf(geo.EINVALID, "%v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var docs []geoparse.TrainDoc
	for sc.Scan() {
		var d struct {
			ID       string
			Text     string
			Toponyms []struct {
				Start, End int
				Type       string
				Lat, Lon   *float64
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, geo.Errorf(geo.EINVALID, "%s: %v", path, err)
		}
		td := geoparse.TrainDoc{Corpus: corpus, ID: d.ID, Text: d.Text}
		for _, t := range d.Toponyms {
			g := geoparse.GoldSpan{Start: t.Start, End: t.End, Type: t.Type, Located: t.Lat != nil && t.Lon != nil}
			if g.Located {
				g.Lat, g.Lon = *t.Lat, *t.Lon
			}
			td.Gold = append(td.Gold, g)
		}
		docs = append(docs, td)
	}
	return docs, sc.Err()
}

// writeModel writes m to path with a header that says where it came from.
func writeModel(path string, m *linear.Model) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# %s: a geoparse mention model (package internal/linear), written by `make train`\n"+
		"# from the eval corpora's annotations; weights only, no text. Lines: feature<TAB>weight.\n", filepath.Base(path))
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
