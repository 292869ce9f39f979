package feeds

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/geonews/geonews/geo"
)

// OPML is the outline format feed readers import and export lists of feeds
// in (OPML 2.0, "subscription lists").
type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Created string        `xml:"head>dateCreated,omitempty"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type     string        `xml:"type,attr,omitempty"`
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	Interval string        `xml:"geonewsInterval,attr,omitempty"` // ours; readers ignore it
	Children []opmlOutline `xml:"outline"`
}

// WriteOPML writes feeds as an OPML 2.0 subscription list.
func WriteOPML(w io.Writer, feeds []*Feed, now time.Time) error {
	doc := opmlDoc{Version: "2.0", Title: "geonews feeds", Created: now.UTC().Format(time.RFC1123Z)}
	for _, f := range feeds {
		text := f.Title
		if text == "" {
			text = f.URL
		}
		doc.Body = append(doc.Body, opmlOutline{Type: "rss", Text: text, Title: f.Title, XMLURL: f.URL, Interval: f.Interval.String()})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ReadOPML reads the feeds of an OPML subscription list: every outline with
// an xmlUrl, at any depth (folders are flattened), with its title (else its
// text) and, when the list came from geonews, its interval. A document that
// is not OPML is a geo.EINVALID error; URLs are checked when followed.
func ReadOPML(r io.Reader) ([]*Feed, error) {
	var doc opmlDoc
	dec := xml.NewDecoder(io.LimitReader(r, 16<<20))
	if err := dec.Decode(&doc); err != nil {
		return nil, geo.Errorf(geo.EINVALID, "not an OPML document: %v", err)
	}
	var out []*Feed
	var walk func([]opmlOutline)
	walk = func(os []opmlOutline) {
		for _, o := range os {
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				f := &Feed{URL: u, Title: strings.TrimSpace(o.Title)}
				if f.Title == "" {
					f.Title = strings.TrimSpace(o.Text)
				}
				if d, err := time.ParseDuration(o.Interval); err == nil {
					f.Interval = d
				}
				out = append(out, f)
			}
			walk(o.Children)
		}
	}
	walk(doc.Body)
	if len(out) == 0 {
		return nil, geo.Errorf(geo.EINVALID, "the OPML document lists no feeds (no outline has an xmlUrl)")
	}
	return out, nil
}

// ImportResult says what an import did with each feed listed.
type ImportResult struct {
	Added   []*Feed
	Skipped map[string]string // URL → why (already followed, invalid)
}

// ImportFeeds follows every feed of list that is not followed yet; a feed
// that cannot be followed is skipped with its reason and the others go on.
func (s *Store) ImportFeeds(ctx context.Context, list []*Feed) (*ImportResult, error) {
	return importFeeds(ctx, s, list)
}

// importFeeds follows each feed of list in s.
func importFeeds(ctx context.Context, s Storage, list []*Feed) (*ImportResult, error) {
	res := &ImportResult{Skipped: map[string]string{}}
	for _, f := range list {
		err := s.CreateFeed(ctx, f)
		switch code := geo.ErrorCode(err); {
		case err == nil:
			res.Added = append(res.Added, f)
		case code == geo.EINVALID || code == geo.ECONFLICT:
			res.Skipped[f.URL] = geo.ErrorMessage(err)
		default:
			return res, fmt.Errorf("follow %s: %w", f.URL, err)
		}
	}
	return res, nil
}
