package seeds

import _ "embed"

// The geoparser's word lists, written by the team (see each file's header
// for its columns and sources). They are embedded so that the binary works
// without its source tree; geoparse reads them through these variables.
var (
	// Demonyms maps demonyms to the place they stand for (demonyms.tsv).
	//go:embed demonyms.tsv
	Demonyms string
	// Abbrevs maps abbreviations of place names to the names (abbrevs.tsv).
	//go:embed abbrevs.tsv
	Abbrevs string
	// Stopnames are capitalised words that are rarely places in news (stopnames.txt).
	//go:embed stopnames.txt
	Stopnames string
	// Titles are the words that introduce a person's name (titles.txt).
	//go:embed titles.txt
	Titles string
	// FirstNames are given names that mark a person (firstnames.txt).
	//go:embed firstnames.txt
	FirstNames string
	// Surnames are family names common enough that a bare one is a person (surnames.txt).
	//go:embed surnames.txt
	Surnames string
	// Tags is the default tag lexicon (tags.tsv).
	//go:embed tags.tsv
	Tags string
	// ToponymModel weighs whether a recognised name is a place at all
	// (en/toponym.model, written by `geonews train`).
	//go:embed en/toponym.model
	ToponymModel string
	// LiteralModel weighs whether a place mention is a literal use, where
	// something happens, or stands for a government, an army, a team
	// (en/literal.model, written by `geonews train`).
	//go:embed en/literal.model
	LiteralModel string
)
