package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/labstack/echo/v4"
)

// articleIn is the JSON body of POST /articles.
type articleIn struct {
	Text      string `json:"text"`
	Title     string `json:"title"`
	URL       string `json:"url"`
	Published string `json:"published"`
}

// formatSize writes a text's size in KiB or MiB, rounded.
func formatSize(n int) string {
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.Itoa((n+1<<9)>>10) + " KiB"
}

// checkArticle checks what an article's events will carry, before the
// geoparser spends time on it.
func checkArticle(a ingest.Article) error {
	if !utf8.ValidString(a.Text) {
		return geo.Errorf(geo.EINVALID, "text is not valid UTF-8")
	}
	if strings.TrimSpace(a.Text) == "" {
		return geo.Errorf(geo.EINVALID, "text is empty")
	}
	if len(a.Text) > MaxArticleText {
		return geo.Errorf(geo.ETOOLARGE, "text is %s; at most %s is read (about 40,000 words): split the article", formatSize(len(a.Text)), formatBytes(MaxArticleText))
	}
	if err := geo.CheckText("title", a.Title, geo.MaxSourceTitleLen, false); err != nil {
		return err
	}
	if a.URL != "" {
		if err := geo.CheckURL("url", a.URL); err != nil {
			return err
		}
	}
	if !a.Published.IsZero() && (a.Published.Before(geo.MinTime) || a.Published.After(geo.MaxTime)) {
		return geo.Errorf(geo.EINVALID, "published is outside the years 1700 to 2199")
	}
	return nil
}

// handleArticle answers POST /articles: geoparse an article (JSON
// {text,title,url,published}, or the bare text as text/plain) and store its
// events in one transaction, or with dry_run=1 only return them.
func (s *Server) handleArticle(c echo.Context) error {
	v := c.QueryParams()
	if err := checkParams(v, []string{"dry_run"}); err != nil {
		return err
	}
	dryRun := false
	if s, ok := lookup(v, "dry_run"); ok {
		switch strings.ToLower(s) {
		case "", "1", "true", "yes":
			dryRun = true
		case "0", "false", "no":
		default:
			return geo.Errorf(geo.EINVALID, "dry_run=%s: use 1 or 0", s)
		}
	}
	body, mt, err := readBody(c, MaxArticleBody, "application/json", "text/plain")
	if err != nil {
		return err
	}
	var a ingest.Article
	if mt == "text/plain" {
		a.Text = string(body)
	} else {
		var in articleIn
		if err := decodeJSON(body, &in, true, "body"); err != nil {
			return err
		}
		a = ingest.Article{Text: in.Text, Title: strings.TrimSpace(in.Title), URL: strings.TrimSpace(in.URL)}
		if in.Published != "" {
			if a.Published, _, err = geoparse.ParsePublished(in.Published); err != nil {
				return err
			}
		}
	}
	if err := checkArticle(a); err != nil {
		return err
	}
	if s.cfg.Articles == nil {
		return geo.Errorf(geo.EUNAVAILABLE, "this server has no geoparser")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.ArticleTimeout)
	defer cancel()
	start := time.Now()
	res, err := s.cfg.Articles.Ingest(ctx, a, dryRun)
	if errors.Is(err, context.DeadlineExceeded) && c.Request().Context().Err() == nil {
		return geo.Errorf(geo.ETOOLARGE, "the article took over %v to read: split it", s.cfg.ArticleTimeout)
	}
	if err != nil {
		return err
	}
	evs, mentions := res.Events, res.Mentions
	links := []link{{s.baseURL(c) + "/collections/events", "collection", mimeJSON, ""}}
	status, extra := http.StatusOK, `,"dryRun":true`
	if !dryRun {
		extra = `,"dryRun":false,"numberCreated":` + strconv.Itoa(res.Created) + `,"numberMerged":` + strconv.Itoa(res.Merged)
		if len(evs) > 0 {
			status = http.StatusCreated
		}
	}
	s.logger.Info("article", "title", a.Title, "events", len(evs), "mentions", len(mentions), "dry_run", dryRun, "duration", time.Since(start))
	mj, err := json.Marshal(mentionsJSON(mentions))
	if err != nil {
		return err
	}
	extra += `,"mentions":` + string(mj)
	if res.Skipped != "" {
		extra += `,"skipped":` + string(geo.AppendJSONString(nil, res.Skipped))
	}
	if res.Language != "" {
		extra += `,"language":` + string(geo.AppendJSONString(nil, res.Language))
	}
	return s.writeFeatureCollection(c, status, len(evs), -1, extra, links,
		func(b []byte, i int) []byte { return appendEventFeature(b, evs[i]) })
}

// mentionJSON is a Mention as the article response lists it.
type mentionJSON struct {
	Start  int        `json:"start"`
	End    int        `json:"end"`
	Text   string     `json:"text"`
	Place  *placeJSON `json:"place"` // null: not resolved
	Score  float64    `json:"score"`
	Reason string     `json:"reason"`
}

type placeJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Country     string     `json:"country,omitempty"`
	FeatureCode string     `json:"feature_code,omitempty"`
	Coordinates [2]float64 `json:"coordinates"` // [lon, lat]
}

func mentionsJSON(ms []geoparse.Mention) []mentionJSON {
	out := make([]mentionJSON, len(ms))
	for i, m := range ms {
		out[i] = mentionJSON{Start: m.Start, End: m.End, Text: m.Text, Score: m.Score, Reason: m.Reason}
		if p := m.Place; p != nil {
			out[i].Place = &placeJSON{ID: p.ID, Name: p.Name, Country: p.Country, FeatureCode: p.FeatureCode, Coordinates: [2]float64{p.Lon(), p.Lat()}}
		}
	}
	return out
}
