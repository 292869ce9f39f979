package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// MaxCellLevel is the finest cell level: at 16 a cell is ~0.0055° of
// longitude wide and its ID still fits in 32 bits.
const MaxCellLevel = 16

// Cell is one cell of an equirectangular quadtree over lon/lat: at level L
// the world splits into 2^L columns (360/2^L degrees of longitude) and 2^L
// rows (180/2^L degrees of latitude). ID interleaves the column and row bits
// (Z-order), so a cell's parent is ID>>2 and the four children of a cell are
// contiguous: per-level aggregates (cell counts, clusters) roll up by shifts.
type Cell struct {
	Level int
	ID    uint32
}

// CellAt returns the cell in column x and row y (row 0 is the south pole's).
func CellAt(level int, x, y uint32) Cell {
	return Cell{Level: level, ID: interleave(x) | interleave(y)<<1}
}

// CellOf returns the cell at level that holds p. Points on the east and
// north edges of the world (lon 180, lat 90) belong to the last column/row.
func CellOf(p orb.Point, level int) Cell {
	return CellAt(level, cellX(p[0], level), cellY(p[1], level))
}

// XY returns the cell's column and row.
func (c Cell) XY() (x, y uint32) {
	return deinterleave(c.ID), deinterleave(c.ID >> 1)
}

// Parent returns the cell one level up that contains c.
func (c Cell) Parent() Cell {
	if c.Level == 0 {
		return c
	}
	return Cell{Level: c.Level - 1, ID: c.ID >> 2}
}

// Bound returns the rectangle the cell covers.
func (c Cell) Bound() orb.Bound {
	x, y := c.XY()
	w, h := 360/float64(uint32(1)<<c.Level), 180/float64(uint32(1)<<c.Level)
	return orb.Bound{
		Min: orb.Point{-180 + float64(x)*w, -90 + float64(y)*h},
		Max: orb.Point{-180 + float64(x+1)*w, -90 + float64(y+1)*h},
	}
}

// Overlap returns the fraction of the cell's area that lies inside b, the
// estimate query planners use when they assume points spread evenly in a cell.
func (c Cell) Overlap(b orb.Bound) float64 {
	cb := c.Bound()
	w := math.Min(cb.Max[0], b.Max[0]) - math.Max(cb.Min[0], b.Min[0])
	h := math.Min(cb.Max[1], b.Max[1]) - math.Max(cb.Min[1], b.Min[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h / ((cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1]))
}

// CoveringCellCount returns how many cells CoveringCells would return, without
// building the list, so that a planner can reject a level cheaply.
func CoveringCellCount(b BBox, level int) int {
	n := 0
	for _, r := range cellRanges(b, level) {
		n += int(r[1]-r[0]+1) * int(r[3]-r[2]+1)
	}
	return n
}

// CoveringCells returns the cells at level that together cover b (a superset:
// every point b contains lies in one of them), each once.
func CoveringCells(b BBox, level int) []Cell {
	cells := make([]Cell, 0, CoveringCellCount(b, level))
	for _, r := range cellRanges(b, level) {
		for y := r[2]; y <= r[3]; y++ {
			for x := r[0]; x <= r[1]; x++ {
				cells = append(cells, CellAt(level, x, y))
			}
		}
	}
	return cells
}

// cellRanges returns the column and row ranges {x0, x1, y0, y1} that cover
// b: two for a box across the antimeridian, merged into one when they meet
// in a shared column (at coarse levels).
func cellRanges(b BBox, level int) [][4]uint32 {
	var rs [][4]uint32
	for _, bd := range b.Bounds() {
		rs = append(rs, [4]uint32{cellX(bd.Min[0], level), cellX(bd.Max[0], level), cellY(bd.Min[1], level), cellY(bd.Max[1], level)})
	}
	// Parts of a crossing box are [west,180] then [-180,east].
	if len(rs) == 2 && rs[1][1] >= rs[0][0] {
		rs = [][4]uint32{{0, uint32(1)<<level - 1, rs[0][2], rs[0][3]}}
	}
	return rs
}

func cellX(lon float64, level int) uint32 { return cellIndex((lon+180)/360, level) }
func cellY(lat float64, level int) uint32 { return cellIndex((lat+90)/180, level) }

// cellIndex maps f in [0,1] to 0..2^level-1, clamping so that 1 (lon 180,
// lat 90) and any rounding overshoot stay in range.
func cellIndex(f float64, level int) uint32 {
	n := float64(uint32(1) << level)
	i := math.Floor(f * n)
	if i < 0 || math.IsNaN(i) {
		return 0
	}
	if i >= n {
		return uint32(n) - 1
	}
	return uint32(i)
}

// interleave spreads the low 16 bits of v to the even bits of the result.
func interleave(v uint32) uint32 {
	v &= 0xFFFF
	v = (v | v<<8) & 0x00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F
	v = (v | v<<2) & 0x33333333
	v = (v | v<<1) & 0x55555555
	return v
}

// deinterleave gathers the even bits of v into the low 16 bits.
func deinterleave(v uint32) uint32 {
	v &= 0x55555555
	v = (v | v>>1) & 0x33333333
	v = (v | v>>2) & 0x0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF
	v = (v | v>>8) & 0x0000FFFF
	return v
}
