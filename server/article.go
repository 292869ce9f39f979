package server

import (
	"encoding/json"
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
		if err := decodeJSON(body, &in, true, "the article"); err != nil {
			return err
		}
		a = ingest.Article{Text: in.Text, Title: strings.TrimSpace(in.Title), URL: strings.TrimSpace(in.URL)}
		if in.Published != "" {
			if a.Published, _, err = geoparse.ParsePublished(in.Published); err != nil {
				return err
			}
		}
	}
	if strings.TrimSpace(a.Text) == "" {
		return geo.Errorf(geo.EINVALID, "the article text is empty")
	}
	if !utf8.ValidString(a.Text) || !utf8.ValidString(a.Title) || !utf8.ValidString(a.URL) {
		return geo.Errorf(geo.EINVALID, "the article is not valid UTF-8")
	}
	if s.cfg.Articles == nil {
		return geo.Errorf(geo.EUNAVAILABLE, "this server has no geoparser")
	}
	start := time.Now()
	res, err := s.cfg.Articles.Ingest(c.Request().Context(), a, dryRun)
	if err != nil {
		return err
	}
	evs, mentions := res.Events, res.Mentions
	links := []link{{baseURL(c) + "/collections/events", "collection", mimeJSON, ""}}
	status, extra := http.StatusOK, `,"dryRun":true`
	if !dryRun {
		extra = `,"dryRun":false,"numberCreated":` + strconv.Itoa(res.Created)
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
