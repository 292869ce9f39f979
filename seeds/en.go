package seeds

import "embed"

// EN is English as the geoparser reads it, the folder en/: word lists
// (demonyms.tsv, abbrevs.tsv, stopnames.txt, titles.txt, firstnames.txt,
// surnames.txt, words.tsv, dates.tsv), the tag lexicon (tags.tsv), the
// event ontology and its words (ontology.tsv, triggers.tsv, cues.tsv) and
// the mention models that `geonews train` writes (toponym.model,
// literal.model). Each file's header gives its columns and sources.
//
//go:embed en
var EN embed.FS
