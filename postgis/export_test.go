package postgis

// SetPagePlans sets the most matches a page reads in one pass over the
// GiST index, for any filter and for one that index answers alone, and
// the matches per row of the page above which such a pass reads keys
// only (see page); it returns what restores them.
func SetPagePlans(direct, keyed, rows int) (restore func()) {
	d, k, r := directBudget, keyedDirectBudget, keyedRows
	directBudget, keyedDirectBudget, keyedRows = direct, keyed, rows
	return func() { directBudget, keyedDirectBudget, keyedRows = d, k, r }
}

// SetCellCountFrom sets the bound above which matches are counted from
// the cell counts, until the returned function restores it.
func SetCellCountFrom(n int) func() {
	old := cellCountFrom
	cellCountFrom = n
	return func() { cellCountFrom = old }
}
