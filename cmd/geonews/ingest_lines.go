package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
)

// ingestLines is `ingest --jsonl`: a dry run over many articles, read as JSON
// lines {"id","text","published"?,"title"?,"url"?}, writing one line
// {"id","events":[GeoJSON Feature…],"skipped"?} for each (or {"id","error"}), so that a
// corpus can be scored without a database of events.
func ingestLines(ctx context.Context, env *Env, svc *ingest.Service, pos []string) error {
	type line struct {
		ID        json.RawMessage `json:"id"`
		Text      string          `json:"text"`
		Published string          `json:"published"`
		Title     string          `json:"title"`
		URL       string          `json:"url"`
	}
	return eachLine(env, "ingest", pos, func(n int, b []byte, out *bufio.Writer) (bool, error) {
		var l line
		var events []*geo.Event
		msg, skipped := "", ""
		if jerr := json.Unmarshal(b, &l); jerr != nil {
			msg = fmt.Sprintf("line %d: not a JSON object", n)
		} else if pub, perr := publishedOrZero(l.Published); perr != nil {
			msg = geo.ErrorMessage(perr)
		} else {
			res, err := svc.Ingest(ctx, ingest.Article{Text: l.Text, URL: l.URL, Title: l.Title, Published: pub}, true)
			if err == nil {
				events, skipped = res.Events, res.Skipped
			} else {
				if ctx.Err() != nil {
					return false, ctx.Err()
				}
				msg = geo.ErrorMessage(err)
			}
		}
		if len(l.ID) == 0 {
			l.ID = json.RawMessage("null")
		}
		o := append([]byte(`{"id":`), l.ID...)
		if msg != "" {
			o = append(o, `,"error":`...)
			o = geo.AppendJSONString(o, msg)
		} else {
			o = append(o, `,"events":[`...)
			for i, e := range events {
				if i > 0 {
					o = append(o, ',')
				}
				o = geo.AppendFeature(o, e)
			}
			o = append(o, ']')
			if skipped != "" {
				o = append(o, `,"skipped":`...)
				o = geo.AppendJSONString(o, skipped)
			}
		}
		_, err := out.Write(append(o, "}\n"...))
		return msg != "", err
	})
}

// publishedOrZero reads a publication time in any common form; "" is the
// zero time (unknown).
func publishedOrZero(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, _, err := geoparse.ParsePublished(s)
	return t, err
}
