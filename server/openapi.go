package server

import (
	"encoding/json"
	"strconv"

	"github.com/geonews/geonews/geo"
)

// obj is a JSON object in the OpenAPI document.
type obj = map[string]any

// openAPI builds the OpenAPI 3.0 document served at /api. It declares
// every path, parameter, body limit and error response, so that clients
// (GDAL reads it) know what each endpoint takes.
func (s *Server) openAPI() ([]byte, error) {
	param := func(name, in, desc string, schema obj, style ...string) obj {
		p := obj{"name": name, "in": in, "description": desc, "required": in == "path", "schema": schema}
		if len(style) > 0 {
			p["style"], p["explode"] = style[0], false
		}
		return p
	}
	str := obj{"type": "string"}
	var (
		pBBox = param("bbox", "query", "Only features inside this box: west,south,east,north in CRS84 (6 numbers with heights are accepted; heights are ignored). West greater than east crosses the antimeridian. Numbers are decimal (an exponent is allowed; hexadecimal, underscores, inf and nan are not).",
			obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}, "form")
		pDatetime = param("datetime", "query", "Only events at this instant or in this interval: an RFC 3339 time or date, a/b, ../b or a/.. (a date covers its whole day). Events lie between 1700 and 2199; a time outside them is applied as such (0001-01-01T00:00:00Z matches nothing).", str)
		pLimit    = param("limit", "query", "Page size. Larger values are lowered to the maximum, not refused.",
			obj{"type": "integer", "minimum": 1, "maximum": geo.MaxLimit, "default": geo.DefaultLimit})
		pTags   = param("tags", "query", "Only events with any of these tags (comma-separated).", obj{"type": "array", "maxItems": geo.MaxTags, "items": obj{"type": "string", "maxLength": geo.MaxTagLen}}, "form")
		pType   = param("type", "query", "Only events of any of these types (comma-separated; the ontology's, such as protest or airstrike_shelling).", obj{"type": "array", "maxItems": geo.MaxTags, "items": obj{"type": "string", "maxLength": geo.MaxTypeLen}}, "form")
		pQEv    = param("q", "query", "Free text over the event title and place name.", obj{"type": "string", "maxLength": maxQLen})
		pQPl    = param("q", "query", "A place name, matched as the geoparser matches names (case, accents and punctuation folded).", obj{"type": "string", "maxLength": maxQLen})
		pCursor = param("cursor", "query", "Opaque paging token; follow the next and prev links rather than making one.", str)
		pF      = param("f", "query", "Response format: json, or html for a page; without f, html when the Accept header names text/html.", obj{"type": "string", "enum": []string{"json", "html"}})
		pFJSON  = param("f", "query", "Response format.", obj{"type": "string", "enum": []string{"json"}})
		pFGeo   = param("f", "query", "Response format (JSON, GeoJSON for features).", obj{"type": "string", "enum": []string{"json", "geojson"}})
		pFItem  = param("f", "query", "Response format: json (GeoJSON; geojson is the same), or html for a page; without f, html when the Accept header names text/html.", obj{"type": "string", "enum": []string{"json", "geojson", "html"}})
		pFItems = param("f", "query", "Response format: json (GeoJSON; geojson is the same) or html, a page of limit features; csv or kml (events), every matching event (see the operation). Without f, html when the Accept header names text/html.",
			obj{"type": "string", "enum": []string{"json", "geojson", "html", "csv", "kml"}})
		pFPlaces = param("f", "query", "Response format: json (GeoJSON; geojson is the same) or html for a page; without f, html when the Accept header names text/html.", obj{"type": "string", "enum": []string{"json", "geojson", "html"}})
		pColl    = param("collectionId", "path", "Collection id.", obj{"type": "string", "enum": s.collectionIDs()})
		pEvID    = param("featureId", "path", "Event id.", str)
		pPlID    = param("featureId", "path", "Gazetteer id (GeoNames id for GeoNames entries).", obj{"type": "integer", "format": "int64"})
		pDryRun  = param("dry_run", "query", "1: geoparse only and return the events without storing them.", obj{"type": "string", "enum": []string{"1", "0", "true", "false"}})
		pZoom    = param("zoom", "query", "The map's Web Mercator zoom; clusters are cells of level zoom+2 (at most 16).", obj{"type": "integer", "minimum": 0, "maximum": MaxZoom})
		pTileZ   = param("z", "path", "Zoom.", obj{"type": "integer", "minimum": 0, "maximum": MaxZoom})
		pTileX   = param("x", "path", "Column, 0 to 2^z-1.", obj{"type": "integer", "minimum": 0})
		pTileY   = param("yMvt", "path", "Row from the north (0 to 2^z-1) followed by .mvt, such as 3.mvt.", obj{"type": "string", "pattern": `^[0-9]+\.mvt$`})
		pStep    = param("step", "query", "Bucket size: day, week (from Monday) or month, in UTC.", obj{"type": "string", "enum": []string{"day", "week", "month"}, "default": "day"})
	)
	errResp := func(desc string) obj {
		return obj{"description": desc, "content": obj{mimeJSON: obj{"schema": obj{"$ref": "#/components/schemas/exception"}}}}
	}
	jsonResp := func(desc string) obj {
		return obj{"description": desc, "content": obj{mimeJSON: obj{"schema": obj{"type": "object"}}}}
	}
	geoResp := func(desc, schema string) obj {
		return obj{"description": desc, "content": obj{mimeGeoJSON: obj{"schema": obj{"$ref": "#/components/schemas/" + schema}}}}
	}
	limitNote := " Bodies over " + formatBytes(MaxFeatureBody) + " are refused with 413."
	featureBody := func(desc, schema string) obj {
		return obj{"required": true, "description": desc + limitNote, "content": obj{
			mimeGeoJSON: obj{"schema": obj{"$ref": "#/components/schemas/" + schema}},
			mimeJSON:    obj{"schema": obj{"$ref": "#/components/schemas/" + schema}},
		}}
	}
	read := func(summary, id string, params []obj, ok obj, errs ...string) obj {
		resp := obj{"200": ok}
		for _, e := range errs {
			resp[e] = errResp(statusText(e))
		}
		// Reads are public: an empty security list says so.
		return obj{"summary": summary, "operationId": id, "parameters": params, "responses": resp, "security": []obj{}}
	}
	write := func(summary, id string, params []obj, body obj, okCode string, ok obj) obj {
		resp := obj{okCode: ok}
		for _, e := range []string{"400", "401", "403", "404", "409", "413", "415"} {
			resp[e] = errResp(statusText(e))
		}
		op := obj{"summary": summary, "operationId": id, "parameters": params, "responses": resp,
			"security": []obj{{"bearer": []string{}}}}
		if params == nil {
			op["parameters"] = []obj{}
		}
		if body != nil {
			op["requestBody"] = body
		}
		return op
	}
	paths := obj{
		"/": obj{"get": read("Landing page (JSON for API clients, the map for browsers)", "getLandingPage",
			[]obj{param("f", "query", "json or html; without it the Accept header decides.", obj{"type": "string", "enum": []string{"json", "html"}})},
			jsonResp("The landing page"), "400")},
		"/conformance":                obj{"get": read("Conformance classes", "getConformance", []obj{pF}, withAlt(jsonResp("The conformance classes"), mimeHTML), "400")},
		"/api":                        obj{"get": read("This document", "getAPI", []obj{pFJSON}, obj{"description": "OpenAPI 3.0", "content": obj{mimeOpenAPI: obj{}}}, "400")},
		"/collections":                obj{"get": read("The collections", "getCollections", []obj{pF}, withAlt(jsonResp("The collections"), mimeHTML), "400")},
		"/collections/{collectionId}": obj{"get": read("A collection", "describeCollection", []obj{pColl, pF}, withAlt(jsonResp("The collection"), mimeHTML), "400", "404")},
		"/collections/events/items": obj{
			"get": read("Events, newest first. With f=json or html, one page of limit events, with next and prev links. "+exportRule, "getEvents",
				[]obj{pBBox, pDatetime, pLimit, pTags, pType, pQEv, pCursor, pFItems}, withAlt(geoResp("A page of events (GeoJSON), or every matching event (CSV, KML)", "featureCollection"),
					mimeHTML, mimeCSV, mimeKML), "400"),
			"post": write("Add an event (a Feature with a Point, or with a null geometry and properties.place naming a gazetteer place) or a FeatureCollection of events in one transaction", "createEvents",
				nil, featureBody("A Feature or FeatureCollection", "eventFeature"), "201", geoResp("The stored event(s)", "eventFeature")),
		},
		"/collections/events/items/{featureId}": obj{
			"get":    read("One event", "getEvent", []obj{pEvID, pFItem}, withAlt(geoResp("The event", "eventFeature"), mimeHTML), "400", "404"),
			"put":    write("Replace an event", "replaceEvent", []obj{pEvID}, featureBody("A Feature", "eventFeature"), "200", geoResp("The stored event", "eventFeature")),
			"delete": write("Delete an event", "deleteEvent", []obj{pEvID}, nil, "204", obj{"description": "Deleted"}),
		},
		"/collections/events/clusters": obj{"get": read("Matching events counted per grid cell (~64 px apart at zoom; counts add up to the items' numberMatched)", "getEventClusters",
			[]obj{pBBox, pDatetime, pTags, pType, pQEv, pZoom, pFGeo}, geoResp("One Point per cell with properties count, top_tags, types (count per event type, when known) and, for a single event, id", "featureCollection"), "400")},
		"/collections/events/timeline": obj{"get": read("Matching events counted per day, week or month and per type, from the store's aggregates", "getEventTimeline",
			[]obj{pBBox, pType, pStep, pFJSON}, jsonResp("buckets: [{start, count, types}], oldest first; types: totals; total"), "400")},
		"/collections/events/tiles": obj{"get": read("TileJSON 3.0 for the event vector tiles (datetime, tags and q are carried into the tile URLs)", "getEventTileJSON",
			[]obj{pDatetime, pTags, pQEv, pFGeo}, jsonResp("The TileJSON document"), "400")},
		"/collections/events/tiles/{z}/{x}/{yMvt}": obj{"get": read("A Mapbox Vector Tile: layer events, clusters below zoom 12, events from it", "getEventTile",
			[]obj{pTileZ, pTileX, pTileY, pDatetime, pTags, pQEv}, obj{"description": "The tile", "content": obj{mimeMVT: obj{}}}, "400")},
		"/articles": obj{
			"post": write("Geoparse an article and store its events in one transaction (dry_run=1: only return them)", "createArticle",
				[]obj{pDryRun}, obj{"required": true, "description": "The article. Bodies over " + formatBytes(MaxArticleBody) + ", a text over " + formatBytes(MaxArticleText) +
					" and an article not read within " + DefaultArticleTimeout.String() + " are refused with 413.",
					"content": obj{
						mimeJSON:     obj{"schema": obj{"$ref": "#/components/schemas/article"}},
						"text/plain": obj{"schema": obj{"type": "string"}},
					}}, "201", geoResp("The article's events as features, and in mentions the place names read with the place each resolved to (null: unresolved) and why; 200 for a dry run", "featureCollection")),
		},
		"/backup": obj{"get": func() obj {
			op := write("A consistent copy of the database, taken while it is in use", "getBackup", nil, nil, "200",
				obj{"description": "The bbolt database file", "content": obj{"application/octet-stream": obj{}}})
			return op
		}()},
		"/healthz":     obj{"get": read("Liveness", "getHealth", []obj{}, jsonResp("ok"), "414")},
		"/config.json": obj{"get": read("Settings for the map page (tile URL)", "getMapConfig", []obj{}, jsonResp("The settings"), "400")},
	}
	if s.cfg.Places != nil {
		paths["/collections/places/items"] = obj{
			"get": read("Gazetteer entries", "getPlaces", []obj{pBBox, pLimit, pQPl, pCursor, pFPlaces}, withAlt(geoResp("A page of places", "featureCollection"), mimeHTML), "400"),
			"post": write("Add a gazetteer entry, usable at once (properties: name, alternate_names, country, kind or feature_code, population)", "createPlace",
				nil, featureBody("A Feature with a Point", "placeFeature"), "201", geoResp("The stored place", "placeFeature")),
		}
		paths["/collections/places/items/{featureId}"] = obj{
			"get":    read("One gazetteer entry", "getPlace", []obj{pPlID, pFItem}, withAlt(geoResp("The place", "placeFeature"), mimeHTML), "400", "404"),
			"put":    write("Replace a gazetteer entry (it becomes a user entry, kept by re-imports)", "replacePlace", []obj{pPlID}, featureBody("A Feature with a Point", "placeFeature"), "200", geoResp("The stored place", "placeFeature")),
			"delete": write("Delete a gazetteer entry", "deletePlace", []obj{pPlID}, nil, "204", obj{"description": "Deleted"}),
		}
	}
	pFeedID := param("id", "path", "Feed id.", obj{"type": "integer", "format": "int64"})
	paths["/feeds"] = obj{
		"get": read("The feeds followed, each with its status (last poll, HTTP status, items, articles, events, skipped, last error)", "getFeeds", []obj{}, jsonResp("The feeds"), "400", "503"),
		"post": write("Follow a feed (RSS, Atom or JSON Feed): {url (http or https), interval? (a duration such as 10m), title?}", "createFeed", nil,
			obj{"required": true, "content": obj{mimeJSON: obj{"schema": obj{"type": "object", "required": []string{"url"}, "properties": obj{
				"url":      obj{"type": "string", "format": "uri", "description": "The feed's http or https URL."},
				"interval": obj{"type": "string", "description": "How often to poll it, a duration such as 10m."},
				"title":    obj{"type": "string"},
			}}}}}, "201", jsonResp("The feed and its id")),
	}
	paths["/collections/events/items/{featureId}/split"] = obj{"post": write("Undo the merge of an event reported by several articles: each report becomes the event it was before it merged", "splitEvent",
		[]obj{pEvID}, nil, "200", geoResp("The split event first, then the events restored", "featureCollection"))}
	paths["/feeds.opml"] = obj{"get": read("The feeds as an OPML 2.0 subscription list, for feed readers", "getFeedsOPML", []obj{},
		obj{"description": "OPML", "content": obj{"text/x-opml": obj{}}}, "400", "503")}
	paths["/feeds/{id}"] = obj{"delete": write("Stop following a feed (what was read from it stays)", "deleteFeed", []obj{pFeedID}, nil, "204", obj{"description": "Deleted"})}
	paths["/feeds/{id}/poll"] = obj{"post": write("Poll a feed now", "pollFeed", []obj{pFeedID}, nil, "200", jsonResp("The feed with its new status"))}
	// Corrections (correction.go): rules learned from users' corrections of events.
	pCorrID := param("id", "path", "Correction id.", obj{"type": "integer", "format": "int64"})
	paths["/corrections"] = obj{
		"get": read("The rules learned from users' corrections of events, with their provenance (event, article URL, mention, country, time)", "getCorrections", []obj{}, jsonResp("The corrections"), "400", "503"),
		"post": write("Correct an event and learn from it: {event_id, action: move (place_id, or lon and lat of a dragged marker: the nearest place within 25 km) or not_place, country? (default: the place's)}; the event is moved or taken off the map, and the same name in later articles about that country resolves the corrected way", "createCorrection", nil,
			obj{"required": true, "content": obj{mimeJSON: obj{"schema": obj{"type": "object", "required": []string{"event_id", "action"}, "properties": obj{
				"event_id": obj{"type": "string", "description": "The event to correct."},
				"action":   obj{"type": "string", "enum": []string{"move", "not_place"}},
				"place_id": obj{"type": "integer", "format": "int64", "description": "move: the gazetteer place to move the event to."},
				"lon":      obj{"type": "number", "description": "move: a dragged marker's longitude (the nearest place within 25 km)."},
				"lat":      obj{"type": "number", "description": "move: a dragged marker's latitude."},
				"country":  obj{"type": "string", "description": "The country the rule is for (ISO 3166-1 alpha-2); default: the place's."},
			}}}}}, "201", jsonResp("The rule and the event as it now is (null when taken off the map)")),
	}
	paths["/corrections/{id}"] = obj{"delete": write("Undo a correction: forget its rule, and put the event back as it was unless it was edited or deleted since", "deleteCorrection", []obj{pCorrID}, nil, "200", jsonResp("The rule forgotten, event_restored and a note"))}
	point := obj{"type": "object", "required": []string{"type", "coordinates"}, "properties": obj{
		"type": obj{"type": "string", "enum": []string{"Point"}}, "coordinates": obj{"type": "array", "minItems": 2, "maxItems": 3, "items": obj{"type": "number"}}}}
	feature := func(props obj, idType string) obj {
		return obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"Feature"}}, "id": obj{"type": idType},
			"geometry": point, "properties": obj{"type": "object", "properties": props}}}
	}
	maxStr := func(n int, desc string) obj {
		o := obj{"type": "string", "maxLength": n}
		if desc != "" {
			o["description"] = desc
		}
		return o
	}
	published := obj{"type": "string", "nullable": true, "description": "The publication time, from 1700 to 2199. Written as RFC 3339; read in any common form: RFC 3339, RFC 1123/822 (zone names or numeric zones), " +
		"\"Wed Nov 23, 2016 | 3:02pm EST\", \"9:55 AM ET, Sun January 4, 2015\", \"2009-03-25 00:26:04-05\", ISO without a zone (UTC) or a date. US zone names (ET, EST, PT…) are their real offsets."}
	// text is a string field with its documented limit (geo.CheckText).
	text := func(max int, desc string) obj {
		return obj{"type": "string", "maxLength": max, "description": desc + " At most " + strconv.Itoa(max) + " characters, one line, no control or bidi-override characters."}
	}
	name := func(desc string) obj {
		return text(geo.MaxNameLen, desc+" Stored in Unicode NFC; must contain a letter.")
	}
	url := obj{"type": "string", "format": "uri", "maxLength": geo.MaxURLLen, "description": "An absolute http or https URL of at most " + strconv.Itoa(geo.MaxURLLen) + " bytes."}
	tags := obj{"type": "array", "maxItems": geo.MaxTags, "items": obj{"type": "string", "maxLength": geo.MaxTagLen,
		"description": "Lower-cased; at most " + strconv.Itoa(geo.MaxTagLen) + " bytes, no commas."}}
	eventTime := obj{"type": "string", "format": "date-time", "description": "RFC 3339, from 1700 to 2199."}
	doc := obj{
		"openapi": "3.0.3",
		"info": obj{"title": "geonews", "version": s.cfg.Version,
			// The terms of the data served: the places' are known (GeoNames is
			// CC BY 4.0, Natural Earth public domain); each event links the
			// reports it was read from, whose own terms apply to it.
			"license": obj{"name": "Places: GeoNames, CC BY 4.0 (Natural Earth: public domain). Events: the terms of the sources each one links",
				"url": "https://creativecommons.org/licenses/by/4.0/"},
			"description": "Events read from news text as OGC API – Features. Reads are public; writes need Authorization: Bearer TOKEN (401 without one, 403 with a wrong one). Every query value must be valid UTF-8; an unknown or repeated parameter is a 400. Errors are JSON {code, description}, the description naming the field as the API does."},
		"paths": paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"schemas": obj{
				"exception": obj{"type": "object", "required": []string{"code", "description"}, "properties": obj{"code": str, "description": str}},
				"featureCollection": obj{"type": "object", "properties": obj{
					"type": obj{"type": "string", "enum": []string{"FeatureCollection"}}, "features": obj{"type": "array", "items": obj{"type": "object"}},
					"numberMatched":  obj{"type": "integer", "description": numberMatchedRule},
					"numberReturned": obj{"type": "integer"}, "timeStamp": obj{"type": "string", "format": "date-time"},
					"links": obj{"type": "array", "items": obj{"type": "object"}}}},
				"eventFeature": feature(obj{
					"title": text(geo.MaxTitleLen, "What happened."), "time": eventTime, "tags": tags,
					"place": obj{"description": "{id,name,precision}; on input also just a name to resolve when the geometry is null",
						"oneOf": []obj{name("A place name."), {"type": "object", "properties": obj{"id": obj{"type": "integer", "nullable": true}, "name": name("The place's name."),
							"precision": obj{"type": "string", "enum": []string{"", geo.PrecisionPoint, geo.PrecisionCity, geo.PrecisionRegion, geo.PrecisionCountry}}}}}},
					"source": obj{"type": "object", "properties": obj{"url": url, "title": text(geo.MaxSourceTitleLen, "The article's title."), "published": published,
						"start": obj{"type": "integer", "description": "offset of the reporting sentence, in code points"}, "end": obj{"type": "integer"},
						"outlet": text(geo.MaxSourceTitleLen, "The publication's name, when known.")}},
					"num_sources":  obj{"type": "integer", "readOnly": true, "description": "How many outlets reported the event (GDELT's NumSources)."},
					"num_articles": obj{"type": "integer", "readOnly": true, "description": "How many articles reported the event (GDELT's NumArticles)."},
					"sources": obj{"type": "array", "readOnly": true, "maxItems": geo.MaxSources, "items": obj{"type": "object"},
						"description": "Present when reports of one happening from several articles were merged: every source, the first being source; each names in event the event its report was."},
					"merge": obj{"type": "object", "readOnly": true, "description": "Present with sources: the rule that merged them and why ({rule, detail}); on a report merged by POST /articles, into names the event it went into.",
						"properties": obj{"rule": str, "detail": str, "into": str}},
					"excerpt":    obj{"type": "string", "maxLength": geo.MaxExcerptLen, "description": "The reporting sentence. At most " + strconv.Itoa(geo.MaxExcerptLen) + " characters; line breaks allowed, no other control or bidi-override characters."},
					"confidence": obj{"type": "number", "minimum": 0, "maximum": 1},
					"time_precision": obj{"type": "string", "enum": []string{"", geo.TimeDay, geo.TimeMonth, geo.TimeYear},
						"description": "How much of time the source gave; \"\" is an exact instant. With a precision, time is the start of that day, month or year in UTC (a later time is truncated)."},
					"type":     maxStr(geo.MaxTypeLen, "The ontology's event type (ACLED's, extended for general news); \"\" if none."),
					"sub_type": maxStr(geo.MaxTypeLen, "The ontology's sub-type; \"\" if none."),
					"actor1":   maxStr(geo.MaxActorLen, "Who did it, as the text names them; \"\" if unknown."),
					"actor2":   maxStr(geo.MaxActorLen, "To whom; \"\" if unknown."),
					"why": obj{"type": "object", "nullable": true, "description": "Why a geoparsed event was made as it was; null for events entered by hand. Texts are at most " + strconv.Itoa(geo.MaxWhyLen) + " characters.",
						"properties": obj{
							"trigger": maxStr(geo.MaxWhyLen, "The word or phrase that says what happened."),
							"mention": obj{"type": "object", "description": "The place mention the event was located by: [start, end) in code points of the article.", "properties": obj{
								"start": obj{"type": "integer", "minimum": 0}, "end": obj{"type": "integer", "minimum": 0}, "text": maxStr(geo.MaxWhyLen, "")}},
							"place_reason": maxStr(geo.MaxWhyLen, "Why this place."),
							"date_reason":  maxStr(geo.MaxWhyLen, "Why this date."),
						}},
				}, "string"),
				"placeFeature": feature(obj{
					"name": name("The place's name."), "alternate_names": obj{"type": "array", "maxItems": geo.MaxAlternateName, "items": name("Another name.")},
					"country": obj{"type": "string", "description": "ISO 3166-1 alpha-2"}, "admin1": text(geo.MaxAdmin1Len, "GeoNames admin1 code."),
					"kind":          obj{"type": "string", "enum": geo.KindNames(), "description": "input only: sets feature_class and feature_code"},
					"feature_class": obj{"type": "string", "enum": []string{"A", "H", "L", "P", "R", "S", "T", "U", "V"}, "description": "GeoNames feature class."},
					"feature_code":  obj{"type": "string", "description": "A GeoNames feature code of the class (https://www.geonames.org/export/codes.html)."},
					"population":    obj{"type": "integer", "minimum": 0},
					"source":        obj{"type": "string", "description": "always user for entries written over HTTP"},
				}, "integer"),
				"article": obj{"type": "object", "required": []string{"text"}, "properties": obj{
					"text": obj{"type": "string", "maxLength": MaxArticleText, "description": "The article, at most " + formatBytes(MaxArticleText) + " of UTF-8."}, "title": text(geo.MaxSourceTitleLen, "The article's title."), "url": url, "published": published}},
			},
		},
	}
	return json.Marshal(doc)
}

// numberMatchedRule is the one rule numberMatched follows, documented in
// /api and the README.
const numberMatchedRule = "The exact number of features that match the filter (bbox, datetime, tags, q), whatever limit and cursor are: every page of the same filter gives the same number. Events: always given, except with q (free text, unindexed) when more than 50,000 stored events would have to be read to count. Places: given for no filter and for q; omitted for bbox alone."

// exportRule says what f=csv and f=kml return.
const exportRule = "With f=csv or f=kml, every matching event, newest first, streamed (no page, no limit unless one is given, which then caps the rows; cursor starts after a page's events), so an export has numberMatched rows. " +
	"CSV (RFC 4180, UTF-8, a header row) has ACLED's columns: event_id, event_date (YYYY-MM-DD, UTC), time_precision (day, month, year, or exact), event_type, sub_event_type, actor1, actor2, country (English name), iso (ISO 3166-1 alpha-2), admin1, location, latitude, longitude, geo_precision (point, city, region, country), source, notes (the reporting sentence), then title, tags (semicolon-separated), confidence and time (RFC 3339). " +
	"country and admin1 are those of the gazetteer place the event was located at, when it names one."

// withAlt adds other media types to a 200 response, with no schema: the
// HTML pages, CSV and KML exports of the same resource.
func withAlt(resp obj, types ...string) obj {
	content := resp["content"].(obj)
	for _, t := range types {
		content[t] = obj{"schema": obj{"type": "string"}}
	}
	return resp
}

// apiWithServer is the OpenAPI document with its servers entry: the base
// URL links start with, which is known per request behind a proxy.
func (s *Server) apiWithServer(base string) []byte {
	u, _ := json.Marshal(base)
	b := make([]byte, 0, len(s.api)+len(u)+64)
	b = append(b, s.api[:len(s.api)-1]...)
	b = append(b, `,"servers":[{"url":`...)
	b = append(b, u...)
	return append(b, `,"description":"this server"}]}`...)
}

// statusText names an error status for the document.
func statusText(code string) string {
	switch n, _ := strconv.Atoi(code); n {
	case 400:
		return "Bad request: a malformed or unknown parameter, or an invalid body"
	case 401:
		return "No Authorization: Bearer token"
	case 403:
		return "Wrong token"
	case 404:
		return "Not found"
	case 409:
		return "Already exists"
	case 413:
		return "Body over the documented limit"
	case 414:
		return "Request URI over 8 KiB"
	case 415:
		return "Unsupported Content-Type"
	}
	return "Error"
}
