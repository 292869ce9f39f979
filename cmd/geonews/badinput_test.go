package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// badRequest is one request of the catalogue and the answer it must get.
type badRequest struct {
	name         string
	method, path string
	body         string
	ctype        string   // Content-Type of the body ("" for application/geo+json)
	hdr          []string // header pairs; the token is added to writes unless noAuth
	noAuth       bool
	status       int
	code         string
}

// badInputs is the catalogue of issue 15's audit, grown: malformed or
// out-of-range requests of every kind each endpoint takes.
func badInputs() []badRequest {
	var rs []badRequest
	get := func(name, path string, status int, code string) {
		rs = append(rs, badRequest{name: name, method: "GET", path: path, status: status, code: code})
	}
	// Filters on both collections.
	for _, coll := range []string{"events", "places"} {
		items := "/collections/" + coll + "/items?"
		for _, b := range []string{"0x1p3,0,10,10", "1_0,0,10,10", "inf,0,10,10", "-Inf,0,10,10", "nan,0,10,10", "1,2,3", "1,2,3,4,5",
			"", "a,b,c,d", "1,,2,3", "0,91,10,92", "0,-91,10,0", "181,0,182,1", "0,10,10,0", "1e999,0,10,10", "0x10,0,10,10", "1.2.3,0,1,1", "%2B-1,0,1,1"} {
			get(coll+" bbox="+b, items+"bbox="+b, 400, "invalid")
		}
		for _, l := range []string{"0", "-1", "abc", "1.5", "", "1e3", "0x10"} {
			get(coll+" limit="+l, items+"limit="+l, 400, "invalid")
		}
		for _, q := range []string{"", "%20%20", "%FF", "%C3", "%E2%80%AE", "a%00b", strings.Repeat("x", 201)} {
			get(coll+" q="+q, items+"q="+q, 400, "invalid")
		}
		for _, c := range []string{"", "garbage", strings.Repeat("c", 1100)} {
			get(coll+" cursor="+c[:min(len(c), 10)], items+"cursor="+c, 400, "invalid")
		}
		get(coll+" unknown parameter", items+"bbbox=1,2,3,4", 400, "invalid")
		get(coll+" parameter twice", items+"limit=1&limit=2", 400, "invalid")
		get(coll+" f=xml", items+"f=xml", 400, "invalid")
		get(coll+" malformed escape", items+"limit=%ZZ", 400, "invalid")
		get(coll+" semicolon", items+"limit=1;q=x", 400, "invalid")
		get(coll+" invalid UTF-8 name", items+"%FF=1", 400, "invalid")
	}
	events := "/collections/events/items?"
	for _, d := range []string{"yesterday", "2020-13-01", "2020-02-30", "../..", "/", "2020-01-02/2020-01-01", "2020-01-01/2020-01-02/2020-01-03",
		"2020-01-01T25:00:00Z", "", "2020-01-01T00:00:00", "0x10", "%FF"} {
		get("datetime="+d, events+"datetime="+d, 400, "invalid")
	}
	for _, tg := range []string{"", ",,", "%FF%FE", "a%E2%80%AEb", "a%0Ab", strings.Repeat("t", 65), "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,bb,cc,dd,ee,ff,gg"} {
		get("tags="+tg[:min(len(tg), 12)], events+"tags="+tg, 400, "invalid")
	}
	clusters := "/collections/events/clusters?bbox=0,0,10,10&"
	for _, z := range []string{"", "zoom=", "zoom=-1", "zoom=15", "zoom=abc", "zoom=0x1p1", "zoom=inf", "zoom=23", "zoom=1&zoom=2"} {
		get("clusters "+z, clusters+z, 400, "invalid")
	}
	get("clusters of places", "/collections/places/clusters?zoom=1", 404, "not_found")
	for _, tile := range []string{"1/2/0.mvt", "1/0/2.mvt", "0/0/0.png", "99/0/0.mvt", "-1/0/0.mvt", "a/0/0.mvt", "1/0/x.mvt"} {
		status := 400
		get("tile "+tile, "/collections/events/tiles/"+tile, status, "invalid")
	}
	get("tile of places", "/collections/places/tiles/0/0/0.mvt", 404, "not_found")
	get("unknown collection", "/collections/nothing", 404, "not_found")
	get("unknown collection items", "/collections/nothing/items", 404, "not_found")
	get("unknown event", "/collections/events/items/nothing", 404, "not_found")
	get("place id not a number", "/collections/places/items/abc", 404, "not_found")
	get("unknown place", "/collections/places/items/999999999", 404, "not_found")
	get("unknown path", "/nothing/here", 404, "not_found")
	get("landing f=pdf", "/?f=pdf", 400, "invalid")
	get("conformance f=xml", "/conformance?f=xml", 400, "invalid")
	get("api f=html", "/api?f=html", 400, "invalid") // metadata ignores unknown parameters (GDAL's OAPIF:URL?x=…), not a bad f
	get("export limit 0", "/collections/events/items?f=csv&limit=0", 400, "invalid")
	get("URI too long", "/collections/events/items?q="+strings.Repeat("x", 9000), 414, "too_large")
	rs = append(rs, badRequest{name: "headers too large", method: "GET", path: "/collections/events/items",
		hdr: []string{"X-Padding", strings.Repeat("p", 40<<10)}, status: 431, code: "too_large"})

	// Event writes.
	w := func(name, method, path, body string, status int, code string) {
		rs = append(rs, badRequest{name: name, method: method, path: path, body: body, status: status, code: code})
	}
	ev := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[39,36]},"properties":{` + props + `}}`
	}
	ok := `"title":"x","time":"2020-01-01T00:00:00Z"`
	post := func(name, body string) { w("event "+name, "POST", "/collections/events/items", body, 400, "invalid") }
	post("not JSON", `{"type":`)
	post("not JSON at all", `hello`)
	post("array", `[]`)
	post("number", `1`)
	post("string", `"Feature"`)
	post("null", `null`)
	post("empty object", `{}`)
	post("wrong type", `{"type":"Point","coordinates":[1,2]}`)
	post("empty collection", `{"type":"FeatureCollection","features":[]}`)
	post("features an object", `{"type":"FeatureCollection","features":{}}`)
	post("feature of wrong type", `{"type":"FeatureCollection","features":[{"type":"Point"}]}`)
	post("trailing data", ev(ok)+` {}`)
	post("polygon", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{`+ok+`}}`)
	post("one coordinate", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{`+ok+`}}`)
	post("four coordinates", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2,3,4]},"properties":{`+ok+`}}`)
	post("string coordinates", `{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]},"properties":{`+ok+`}}`)
	post("latitude 91", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,91]},"properties":{`+ok+`}}`)
	post("longitude 181", `{"type":"Feature","geometry":{"type":"Point","coordinates":[181,1]},"properties":{`+ok+`}}`)
	post("huge coordinate", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1e400,1]},"properties":{`+ok+`}}`)
	post("no properties", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}`)
	post("properties an array", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":[]}`)
	post("no title", ev(`"time":"2020-01-01T00:00:00Z"`))
	post("blank title", ev(`"title":"  ","time":"2020-01-01T00:00:00Z"`))
	post("title a number", ev(`"title":5,"time":"2020-01-01T00:00:00Z"`))
	post("long title", ev(`"title":"`+strings.Repeat("t", 501)+`","time":"2020-01-01T00:00:00Z"`))
	post("title with NUL", ev(`"title":"a\u0000b","time":"2020-01-01T00:00:00Z"`))
	post("title with newline", ev(`"title":"a\nb","time":"2020-01-01T00:00:00Z"`))
	post("title with RLO", ev(`"title":"a\u202eb","time":"2020-01-01T00:00:00Z"`))
	post("title with LRI", ev(`"title":"a\u2066b","time":"2020-01-01T00:00:00Z"`))
	post("title invalid UTF-8", "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"title\":\"a\xffb\",\"time\":\"2020-01-01T00:00:00Z\"}}")
	post("no time", ev(`"title":"x"`))
	post("time yesterday", ev(`"title":"x","time":"yesterday"`))
	post("time year 1", ev(`"title":"x","time":"0001-01-01T00:00:00Z"`))
	post("time year 9999", ev(`"title":"x","time":"9999-12-31T00:00:00Z"`))
	post("time a number", ev(`"title":"x","time":20200101`))
	post("tags a string", ev(ok+`,"tags":"a,b"`))
	post("tags numbers", ev(ok+`,"tags":[1,2]`))
	post("33 tags", ev(ok+`,"tags":["`+strings.Repeat(`t","`, 32)+`u"]`))
	post("long tag", ev(ok+`,"tags":["`+strings.Repeat("t", 65)+`"]`))
	post("tag with comma", ev(ok+`,"tags":["a,b"]`))
	post("tag with newline", ev(ok+`,"tags":["a\nb"]`))
	post("confidence 2", ev(ok+`,"confidence":2`))
	post("confidence -1", ev(ok+`,"confidence":-1`))
	post("confidence a string", ev(ok+`,"confidence":"high"`))
	post("precision galaxy", ev(ok+`,"place":{"name":"a","precision":"galaxy"}`))
	post("place of marks", ev(ok+`,"place":{"name":"\u0301\u0302"}`))
	post("place of zero-width spaces", ev(ok+`,"place":"\u200b\u200b"`))
	post("place a number", ev(ok+`,"place":5`))
	post("place unknown property", ev(ok+`,"place":{"name":"a","colour":"red"}`))
	post("source url javascript", ev(ok+`,"source":{"url":"javascript:alert(1)"}`))
	post("source url JavaScript", ev(ok+`,"source":{"url":"JavaScript://evil.example/%0aalert(1)"}`))
	post("source url data", ev(ok+`,"source":{"url":"data:text/html,x"}`))
	post("source url file", ev(ok+`,"source":{"url":"file:///etc/passwd"}`))
	post("source url relative", ev(ok+`,"source":{"url":"/a/b"}`))
	post("source url with space", ev(ok+`,"source":{"url":"https://example.org/a b"}`))
	post("source url long", ev(ok+`,"source":{"url":"https://example.org/`+strings.Repeat("u", 2100)+`"}`))
	post("source title long", ev(ok+`,"source":{"title":"`+strings.Repeat("s", 900_000)+`"}`))
	post("source title with NUL", ev(ok+`,"source":{"title":"a\u0000"}`))
	post("source published bad", ev(ok+`,"source":{"published":"soon"}`))
	post("source published year 1", ev(ok+`,"source":{"published":"0001-01-01T00:00:00Z"}`))
	post("source unknown property", ev(ok+`,"source":{"author":"me"}`))
	post("excerpt long", ev(ok+`,"excerpt":"`+strings.Repeat("e", 4001)+`"`))
	post("excerpt with NUL", ev(ok+`,"excerpt":"a\u0000b"`))
	post("id an object", `{"type":"Feature","id":{},"geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`)
	post("id a float", `{"type":"Feature","id":1.5,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`)
	post("id with a slash", `{"type":"Feature","id":"a/b","geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`)
	post("id too long", `{"type":"Feature","id":"`+strings.Repeat("i", 129)+`","geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`)
	post("unknown property", ev(ok+`,"colour":"red"`))
	post("no geometry, no place", `{"type":"Feature","geometry":null,"properties":{`+ok+`}}`)
	post("place not in the gazetteer", `{"type":"Feature","geometry":null,"properties":{`+ok+`,"place":"Atlantis"}}`)
	post("batch with one bad feature", `{"type":"FeatureCollection","features":[`+ev(ok)+`,`+ev(`"title":"y"`)+`]}`)
	w("event already stored", "POST", "/collections/events/items", `{"type":"Feature","id":"seed1","geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`, 409, "conflict")
	w("event body too large", "POST", "/collections/events/items", ev(ok+`,"excerpt":"`+strings.Repeat("e", 1<<20)+`"`), 413, "too_large")
	w("PUT id differs", "PUT", "/collections/events/items/seed1", `{"type":"Feature","id":"other","geometry":{"type":"Point","coordinates":[1,2]},"properties":{`+ok+`}}`, 400, "invalid")
	w("PUT a collection", "PUT", "/collections/events/items/seed1", `{"type":"FeatureCollection","features":[`+ev(ok)+`]}`, 400, "invalid")
	w("PUT a bad title", "PUT", "/collections/events/items/seed1", ev(`"title":"a\u202eb","time":"2020-01-01T00:00:00Z"`), 400, "invalid")
	w("PUT a missing event", "PUT", "/collections/events/items/nothing", ev(ok), 404, "not_found")
	w("DELETE a missing event", "DELETE", "/collections/events/items/nothing", "", 404, "not_found")
	w("PATCH", "PATCH", "/collections/events/items/seed1", ev(ok), 405, "method_not_allowed")
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/xml", "garbage/", "multipart/form-data"} {
		rs = append(rs, badRequest{name: "event as " + ct, method: "POST", path: "/collections/events/items", body: ev(ok), ctype: ct, status: 415, code: "unsupported"})
	}
	for _, a := range [][]string{nil, {"Authorization", "Basic dXNlcjpwYXNz"}, {"Authorization", "Bearer"}} {
		rs = append(rs, badRequest{name: fmt.Sprintf("no token %v", a), method: "POST", path: "/collections/events/items", body: ev(ok), hdr: a, noAuth: true, status: 401, code: "unauthorized"})
	}
	rs = append(rs, badRequest{name: "wrong token", method: "POST", path: "/collections/events/items", body: ev(ok), hdr: []string{"Authorization", "Bearer wrong"}, noAuth: true, status: 403, code: "forbidden"},
		badRequest{name: "backup without token", method: "GET", path: "/backup", noAuth: true, status: 401, code: "unauthorized"},
		badRequest{name: "backup with a parameter", method: "GET", path: "/backup?x=1", status: 400, code: "invalid"})

	// Place writes.
	pl := func(props string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[39,36]},"properties":{` + props + `}}`
	}
	ppost := func(name, body string) { w("place "+name, "POST", "/collections/places/items", body, 400, "invalid") }
	ppost("no name", pl(`"country":"SY"`))
	ppost("blank name", pl(`"name":"   "`))
	ppost("long name", pl(`"name":"`+strings.Repeat("n", 900_000)+`"`))
	ppost("name of combining marks", pl(`"name":"\u0301\u0301"`))
	ppost("name of zero-width spaces", pl(`"name":"\u200b\u200c\u200d"`))
	ppost("name of digits", pl(`"name":"12345"`))
	ppost("name with NUL", pl(`"name":"Ra\u0000qa"`))
	ppost("name with newline", pl(`"name":"Ra\nqa"`))
	ppost("name with tab", pl(`"name":"Ra\tqa"`))
	ppost("name with RLO", pl(`"name":"\u202eaqaR"`))
	ppost("name with PDI", pl(`"name":"Raqa\u2069"`))
	ppost("name with line separator", pl(`"name":"Ra\u2028qa"`))
	ppost("name a number", pl(`"name":5`))
	ppost("alternate name of digits", pl(`"name":"Raqa","alternate_names":["123"]`))
	ppost("alternate name long", pl(`"name":"Raqa","alternate_names":["`+strings.Repeat("a", 201)+`"]`))
	ppost("alternate name with bidi", pl(`"name":"Raqa","alternate_names":["a\u202eb"]`))
	ppost("alternate names a string", pl(`"name":"Raqa","alternate_names":"Raqqa"`))
	ppost("1001 alternate names", pl(`"name":"Raqa","alternate_names":["`+strings.Repeat(`a","`, 1000)+`b"]`))
	ppost("feature code ZZZZ", pl(`"name":"Raqa","feature_class":"P","feature_code":"ZZZZ"`))
	ppost("feature code without class", pl(`"name":"Raqa","feature_code":"ZZZZ"`))
	ppost("feature code of another class", pl(`"name":"Raqa","feature_class":"H","feature_code":"PPLC"`))
	ppost("feature class Q", pl(`"name":"Raqa","feature_class":"Q"`))
	ppost("feature class PP", pl(`"name":"Raqa","feature_class":"PP"`))
	ppost("kind galaxy", pl(`"name":"Raqa","kind":"galaxy"`))
	ppost("country XYZ", pl(`"name":"Raqa","country":"XYZ"`))
	ppost("country 12", pl(`"name":"Raqa","country":"12"`))
	ppost("population -1", pl(`"name":"Raqa","population":-1`))
	ppost("population a string", pl(`"name":"Raqa","population":"many"`))
	ppost("admin1 long", pl(`"name":"Raqa","admin1":"`+strings.Repeat("1", 21)+`"`))
	ppost("unknown property", pl(`"name":"Raqa","colour":"red"`))
	ppost("no geometry", `{"type":"Feature","geometry":null,"properties":{"name":"Raqa"}}`)
	ppost("a collection", `{"type":"FeatureCollection","features":[]}`)
	ppost("id not a number", `{"type":"Feature","id":"abc","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"Raqa"}}`)
	w("place PUT id differs", "PUT", "/collections/places/items/40000000001", `{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"Raqa"}}`, 400, "invalid")
	w("place DELETE missing", "DELETE", "/collections/places/items/999999999", "", 404, "not_found")

	// Articles.
	art := func(name, body, ctype string, status int, code string) {
		rs = append(rs, badRequest{name: "article " + name, method: "POST", path: "/articles?dry_run=1", body: body, ctype: ctype, status: status, code: code})
	}
	art("empty text", `{"text":""}`, "application/json", 400, "invalid")
	art("blank text", `{"text":"   "}`, "application/json", 400, "invalid")
	art("no text", `{"title":"x"}`, "application/json", 400, "invalid")
	art("text a number", `{"text":5}`, "application/json", 400, "invalid")
	art("unknown property", `{"text":"Raqa.","author":"me"}`, "application/json", 400, "invalid")
	art("url javascript", `{"text":"Raqa.","url":"javascript:alert(1)"}`, "application/json", 400, "invalid")
	art("title long", `{"text":"Raqa.","title":"`+strings.Repeat("t", 501)+`"}`, "application/json", 400, "invalid")
	art("title with bidi", `{"text":"Raqa.","title":"a\u202eb"}`, "application/json", 400, "invalid")
	art("published bad", `{"text":"Raqa.","published":"soon"}`, "application/json", 400, "invalid")
	art("published year 1", `{"text":"Raqa.","published":"0001-01-01T00:00:00Z"}`, "application/json", 400, "invalid")
	art("not JSON", `{"text":`, "application/json", 400, "invalid")
	art("an array", `["Raqa."]`, "application/json", 400, "invalid")
	art("text invalid UTF-8", "Raqa \xff\xfe.", "text/plain", 400, "invalid")
	art("empty plain text", "", "text/plain", 400, "invalid")
	art("as XML", `<text>Raqa.</text>`, "application/xml", 415, "unsupported")
	rs = append(rs, badRequest{name: "article dry_run=maybe", method: "POST", path: "/articles?dry_run=maybe", body: `{"text":"Raqa."}`, ctype: "application/json", status: 400, code: "invalid"},
		badRequest{name: "article unknown parameter", method: "POST", path: "/articles?lang=en", body: `{"text":"Raqa."}`, ctype: "application/json", status: 400, code: "invalid"})
	return rs
}

// goTypes matches what Go says of its own types in an error ("Go value of
// type server.geojsonIn", "[]string", "json: cannot unmarshal").
var goTypes = regexp.MustCompile(`Go value|Go struct|json: |unmarshal|\bserver\.|\bgeo\.|\[\]string|float64|int64|\*`)

// TestBadInputCatalogue sends every request of badInputs to the real server:
// each must be a JSON 4xx with the expected status and code, whose
// description is in the API's words, and the stored data must be as it was.
func TestBadInputCatalogue(t *testing.T) {
	s := startServe(t, filepath.Join(t.TempDir(), "g.db"), nil, "--token", "cat")
	s.token = "cat"
	seed := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","id":"seed1","geometry":{"type":"Point","coordinates":[39,36]},"properties":{"title":"seed one","time":"2020-01-01T00:00:00Z","tags":["a"]}},` +
		`{"type":"Feature","id":"seed2","geometry":{"type":"Point","coordinates":[-70,-30]},"properties":{"title":"seed two","time":"2021-01-01T00:00:00Z","tags":["b"]}}]}`
	if r := s.write(t, "POST", "/collections/events/items", seed); r.status != 201 {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	if r := s.write(t, "POST", "/collections/places/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[39,36]},"properties":{"name":"Raqa","feature_class":"P","feature_code":"PPLA"}}`); r.status != 201 {
		t.Fatalf("seed place: %d %s", r.status, r.body)
	}
	state := func() []byte {
		var b bytes.Buffer
		for _, p := range []string{"/collections/events/items?limit=10000", "/collections/places/items?bbox=38,35,40,37&limit=10000", "/collections/events"} {
			r := s.do(t, "GET", p, "")
			if r.status != 200 {
				t.Fatalf("%s: %d", p, r.status)
			}
			b.Write(regexp.MustCompile(`"timeStamp":"[^"]*"`).ReplaceAll(r.body, nil))
		}
		return b.Bytes()
	}
	before := state()
	cases := badInputs()
	if len(cases) < 150 {
		t.Fatalf("the catalogue has %d requests; it should have at least 150", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			if !tc.noAuth && tc.method != "GET" || strings.HasPrefix(tc.path, "/backup") && !tc.noAuth {
				hdr = append([]string{"Authorization", "Bearer cat"}, hdr...)
			}
			if tc.ctype != "" {
				hdr = append(hdr, "Content-Type", tc.ctype)
			}
			r := s.do(t, tc.method, tc.path, tc.body, hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var body struct{ Code, Description string }
			if err := json.Unmarshal(r.body, &body); err != nil || body.Description == "" {
				t.Fatalf("not a JSON error: %.300s", r.body)
			}
			if body.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", body.Code, tc.code, body.Description)
			}
			if m := goTypes.FindString(body.Description); m != "" {
				t.Errorf("description speaks Go (%q): %s", m, body.Description)
			}
			if len(body.Description) > 1000 {
				t.Errorf("description of %d bytes echoes the input", len(body.Description))
			}
		})
	}
	if after := state(); !bytes.Equal(before, after) {
		t.Errorf("the stored data changed:\nbefore %s\nafter  %s", before, after)
	}
	if n := len(cases); testing.Verbose() {
		t.Logf("%d bad requests, each a JSON 4xx, nothing stored", n)
	}
}
