// Package web holds the map page served by geonews at /: our own HTML,
// JavaScript and CSS, and in vendor/ Leaflet and Leaflet.markercluster,
// which scripts/web-vendor copies there from node_modules at set-up (they
// are not committed). Built before set-up, the page says Leaflet is missing.
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html app.js symbols.js app.css feeds.js feeds.css corrections.js vendor
var files embed.FS

// Files returns the page's files; index.html is the page itself.
func Files() fs.FS { return files }
