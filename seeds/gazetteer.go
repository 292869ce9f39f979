package seeds

import _ "embed"

// The gazetteer's curated additions: places news needs that GeoNames'
// cities500 and Natural Earth lack, and spellings of existing places that
// wire services use. Every data line names its source.
var (
	// Places are regions, areas and continents (places.tsv).
	//go:embed places.tsv
	Places string
	// Aliases are extra names of places already in the data (aliases.tsv).
	//go:embed aliases.tsv
	Aliases string
	// Countries are country centre points that replace Natural Earth's
	// label points (countries.tsv).
	//go:embed countries.tsv
	Countries string
)
