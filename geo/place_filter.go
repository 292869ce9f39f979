package geo

// PlaceFilter selects gazetteer entries; its fields combine with AND.
type PlaceFilter struct {
	BBox   *BBox  // nil: anywhere
	Q      string // a name, matched with the gazetteer's normalisation; empty: any
	Limit  int
	Cursor string
}

// PlacePage is one page of places.
type PlacePage struct {
	Places        []*Place
	NumberMatched int // -1 when unknown
	Next, Prev    string
}
