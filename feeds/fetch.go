package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// UserAgent names geonews to the outlets it polls, with where to read about it.
const UserAgent = "geonews-feeds/1.0 (+https://github.com/geonews/geonews)"

// FetchOptions bound what one fetch may cost. Zero fields take the defaults.
type FetchOptions struct {
	ConnectTimeout time.Duration // to open the connection (default 10 s)
	Timeout        time.Duration // for the whole fetch, body included (default 60 s)
	MaxBody        int64         // bytes of (decompressed) body (default 8 MiB)
	MaxRedirects   int           // default 5
	UserAgent      string        // default UserAgent
}

func (o FetchOptions) withDefaults() FetchOptions {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 8 << 20
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	if o.UserAgent == "" {
		o.UserAgent = UserAgent
	}
	return o
}

// Fetcher gets feeds over HTTP. It is safe for concurrent use.
type Fetcher struct {
	opt    FetchOptions
	client *http.Client
}

// NewFetcher returns a fetcher with its own connection pool.
func NewFetcher(opt FetchOptions) *Fetcher {
	opt = opt.withDefaults()
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   opt.ConnectTimeout,
		ResponseHeaderTimeout: opt.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		// No Accept-Encoding of our own: the transport then asks for gzip
		// and decompresses it, and MaxBody counts decompressed bytes.
	}
	return &Fetcher{opt: opt, client: &http.Client{
		Transport: tr,
		Timeout:   opt.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opt.MaxRedirects {
				return fmt.Errorf("more than %d redirects", opt.MaxRedirects)
			}
			return nil
		},
	}}
}

// Close frees the fetcher's idle connections.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

// Response is a fetched feed.
type Response struct {
	Status       int
	NotModified  bool   // a 304: Body is empty and the feed is as it was
	Body         []byte // UTF-8, whatever the feed was sent in
	ETag         string
	LastModified string
}

// FetchError is a fetch that failed; Status is the HTTP status if one came.
type FetchError struct {
	Status int
	Msg    string
}

func (e *FetchError) Error() string { return e.Msg }

// Fetch gets url, conditionally on the validators of a previous fetch. The
// body is capped, converted to UTF-8 from the charset the header or the XML
// declaration names, and must then be valid UTF-8.
func (f *Fetcher) Fetch(ctx context.Context, url, etag, lastModified string) (*Response, error) {
	r, body, ct, err := f.get(ctx, url, etag, lastModified)
	if err != nil || r.NotModified {
		return r, err
	}
	if r.Body, err = toUTF8(body, ct); err != nil {
		return nil, &FetchError{Status: r.Status, Msg: err.Error()}
	}
	return r, nil
}

// FetchPage gets an HTML page, its body capped and converted to UTF-8 from
// the charset of the header or of the page's meta tags.
func (f *Fetcher) FetchPage(ctx context.Context, url string) ([]byte, error) {
	r, body, ct, err := f.get(ctx, url, "", "")
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "" && mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, &FetchError{Status: r.Status, Msg: "the page is " + mt + ", not HTML"}
	}
	cr, err := charset.NewReader(bytes.NewReader(body), ct)
	if err != nil {
		return nil, &FetchError{Status: r.Status, Msg: "unknown charset: " + err.Error()}
	}
	b, err := io.ReadAll(cr)
	if err != nil {
		return nil, &FetchError{Status: r.Status, Msg: "cannot decode the page: " + err.Error()}
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD")), nil
}

// get does a GET within the fetcher's limits and returns the response (its
// Body unset), the raw body and its Content-Type. Anything but a 200 or a
// 304, and a binary media type, is a *FetchError.
func (f *Fetcher) get(ctx context.Context, url, etag, lastModified string) (*Response, []byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, "", &FetchError{Msg: fmt.Sprintf("bad URL: %v", err)}
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, "", &FetchError{Msg: describe(err)}
	}
	defer resp.Body.Close()
	r := &Response{Status: resp.StatusCode, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		r.NotModified = true
		return r, nil, "", nil
	case resp.StatusCode != http.StatusOK:
		return nil, nil, "", &FetchError{Status: resp.StatusCode, Msg: "HTTP " + resp.Status}
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); binaryType(mt) {
		return nil, nil, "", &FetchError{Status: resp.StatusCode, Msg: "the server sent " + mt + ", not a feed"}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opt.MaxBody+1))
	if err != nil {
		return nil, nil, "", &FetchError{Status: resp.StatusCode, Msg: "reading the body: " + describe(err)}
	}
	if int64(len(body)) > f.opt.MaxBody {
		return nil, nil, "", &FetchError{Status: resp.StatusCode, Msg: fmt.Sprintf("the feed is larger than %d bytes", f.opt.MaxBody)}
	}
	return r, body, ct, nil
}

// binaryType reports media types no feed is sent as, so that an image or
// an archive is refused before its body is read.
func binaryType(mt string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	switch mt {
	case "application/octet-stream", "application/pdf", "application/zip", "application/gzip", "application/x-gzip":
		return true
	}
	return false
}

// describe words a transport error for a feed's status.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out: " + err.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return err.Error()
}

// xmlEncoding finds the encoding an XML declaration names.
var xmlEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// toUTF8 converts a feed body to UTF-8. The charset is the Content-Type's,
// else the XML declaration's, else UTF-8; the declaration is rewritten to
// say UTF-8 so that the parser does not convert again.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = params["charset"]
	}
	head := body[:min(len(body), 512)]
	m := xmlEncoding.FindSubmatchIndex(head)
	if label == "" && m != nil {
		label = string(head[m[2]:m[3]])
	}
	if label != "" && !strings.EqualFold(label, "utf-8") && !strings.EqualFold(label, "utf8") {
		enc, name := charset.Lookup(label)
		if enc == nil {
			return nil, fmt.Errorf("unknown charset %q", label)
		}
		dec, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("cannot decode the feed as %s: %v", name, err)
		}
		body = dec
		if m = xmlEncoding.FindSubmatchIndex(body[:min(len(body), 512)]); m != nil {
			body = bytes.Join([][]byte{body[:m[2]], []byte("UTF-8"), body[m[3]:]}, nil)
		}
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		return nil, errors.New("the feed is not valid UTF-8 and names no other charset")
	}
	return body, nil
}
