package feeds

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// trackingParams are query parameters that say how a reader arrived, not
// which article: two URLs that differ only in them are one article.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "mc_cid": true, "mc_eid": true,
	"igshid": true, "yclid": true, "_hsenc": true, "_hsmi": true, "ocid": true, "cmpid": true,
	"ref": true, "ref_src": true, "smid": true, "taid": true, "at_medium": true, "at_campaign": true,
}

// CanonicalURL returns an article URL in the form its duplicates share:
// scheme and host lower case, no fragment, no tracking parameters
// (utm_* and trackingParams), the remaining parameters sorted. A URL that
// cannot be parsed is returned trimmed.
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
				delete(q, k)
			}
		}
		u.RawQuery = q.Encode() // sorted by key
	}
	return u.String()
}

// blockTags end a run of text: a paragraph break keeps sentences apart.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "blockquote": true, "tr": true, "section": true, "article": true, "figcaption": true,
}

// skipTags hold no article text.
var skipTags = map[string]bool{"script": true, "style": true, "noscript": true, "iframe": true, "svg": true, "template": true}

// TextFromHTML returns the text of an HTML fragment (an item's content or
// description): entities decoded, scripts and styles dropped, a blank line
// for each block element, runs of spaces folded.
func TextFromHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var paras []string
	var cur strings.Builder
	skip := 0
	flush := func() {
		if t := strings.Join(strings.Fields(cur.String()), " "); t != "" {
			paras = append(paras, t)
		}
		cur.Reset()
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return strings.Join(paras, "\n\n")
		case html.TextToken:
			if skip == 0 {
				cur.Write(z.Text())
				cur.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if skipTags[tag] {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if blockTags[tag] {
				flush()
			}
		}
	}
}
