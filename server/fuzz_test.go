package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzItemsQuery throws arbitrary query strings and bodies at the items
// and write endpoints: whatever the input, the answer is never a 5xx and
// always a JSON body. `go test` runs the seeds; `go test -fuzz
// FuzzItemsQuery ./server` explores further.
func FuzzItemsQuery(f *testing.F) {
	for _, seed := range []string{"bbox=1,2,3,4", "bbox=179,-20,-179,-10&limit=5", "datetime=2017-10-10T/..", "tags=a,,b&q=x",
		"limit=99999999999999999999", "cursor=o1", "bbox=1e308,0,1,1", "datetime=0000-01-01/9999-12-31", "f=json&f=json", "%zz"} {
		f.Add(seed, `{"type":"Feature","geometry":null,"properties":{"title":"x","time":"2020-01-01T00:00:00Z","place":"Raqqa"}}`)
	}
	ts := newTestServer(f)
	h := ts.Handler()
	f.Fuzz(func(t *testing.T, query, body string) {
		for _, req := range []*http.Request{
			httptest.NewRequest("GET", "/collections/events/items", nil),
			httptest.NewRequest("GET", "/collections/places/items", nil),
			httptest.NewRequest("POST", "/collections/events/items", strings.NewReader(body)),
			httptest.NewRequest("PUT", "/collections/places/items/163915", strings.NewReader(body)),
		} {
			req.URL.RawQuery = query
			req.Header.Set("Content-Type", "application/geo+json")
			req.Header.Set("Authorization", "Bearer "+testToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s?%s %q: %d %s", req.Method, req.URL.Path, query, body, rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); rec.Code != 204 && !strings.Contains(ct, "json") {
				t.Fatalf("%s ?%s: Content-Type %q", req.Method, query, ct)
			}
		}
	})
}
