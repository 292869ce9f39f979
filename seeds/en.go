package seeds

import "embed"

// EN holds the English tables of the geoparser's event layer, under en/:
// ontology.tsv (event types and their ACLED mapping), triggers.tsv (the
// words that say a happening took place) and cues.tsv (the words that say
// whether it is real and whether a place is where it happened).
//
//go:embed en/*.tsv
var EN embed.FS
