package feeds

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"time"

	"codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// summaryLen is the length under which an item's text, when the item has
// no content of its own, is taken for a summary of a page.
const summaryLen = 600

// page is what an article's page adds to its feed item.
type page struct {
	text      string    // the main text, as readability finds it
	canonical string    // the page's rel=canonical URL, canonicalised; "" if none
	published time.Time // from the page's metadata (article:published_time, JSON-LD datePublished); zero if none
}

// readPage fetches an item's page and extracts its main text with
// readability, its canonical URL and its publication time.
func (p *Poller) readPage(ctx context.Context, link string) (*page, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, err
	}
	body, err := p.fetch.FetchPage(ctx, link)
	if err != nil {
		return nil, err
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	pg := &page{canonical: canonicalLink(doc, u)}
	rp := readability.NewParser()
	art, err := rp.ParseDocument(doc, u)
	if err != nil {
		return nil, err
	}
	if art.Node != nil {
		var b strings.Builder
		if err := art.RenderText(&b); err == nil {
			pg.text = strings.TrimSpace(b.String())
		}
	}
	if t, err := art.PublishedTime(); err == nil {
		pg.published = t // in its own zone, as a feed's dates
	}
	return pg, nil
}

// canonicalLink returns the http(s) URL of the first <link rel=canonical>
// of doc, resolved against base and canonicalised, or "".
func canonicalLink(doc *html.Node, base *url.URL) string {
	var found string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Link {
			var rel, href string
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "rel":
					rel = strings.ToLower(a.Val)
				case "href":
					href = a.Val
				}
			}
			if rel == "canonical" && href != "" {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
					found = CanonicalURL(u.String())
				}
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}
