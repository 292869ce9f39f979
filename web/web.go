// Package web holds the map page served by geonews at /. This is a
// placeholder (one small HTML file that links to the API) until the Leaflet
// map of issue 5 replaces it; server serves whatever Files holds, by path.
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html
var files embed.FS

// Files returns the page's files; index.html is the page itself.
func Files() fs.FS { return files }
