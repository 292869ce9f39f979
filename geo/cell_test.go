package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestCell(t *testing.T) {
	tests := []struct {
		p     orb.Point
		level int
		x, y  uint32
	}{
		{orb.Point{-180, -90}, 4, 0, 0},
		{orb.Point{180, 90}, 4, 15, 15},
		{orb.Point{0, 0}, 1, 1, 1},
		{orb.Point{-0.0001, -0.0001}, 1, 0, 0},
		{orb.Point{38.99, 35.95}, 10, 622, 716},
	}
	for _, tc := range tests {
		c := CellOf(tc.p, tc.level)
		if x, y := c.XY(); x != tc.x || y != tc.y {
			t.Errorf("CellOf(%v, %d) = %d,%d; want %d,%d", tc.p, tc.level, x, y, tc.x, tc.y)
		}
		if !c.Bound().Contains(tc.p) {
			t.Errorf("cell %v bound %v does not contain %v", c, c.Bound(), tc.p)
		}
		if got, want := c.Parent(), CellOf(tc.p, tc.level-1); got != want {
			t.Errorf("Parent = %v, want %v", got, want)
		}
	}
}

// Every point inside a box lies in one of the box's covering cells.
func TestCoveringCells(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		b := BBox{r.Float64()*360 - 180, r.Float64()*180 - 90, r.Float64()*360 - 180, 0}
		b.North = b.South + r.Float64()*(90-b.South)
		level := r.IntN(9)
		cells := map[Cell]bool{}
		for _, c := range CoveringCells(b, level) {
			cells[c] = true
		}
		if got, want := CoveringCellCount(b, level), len(cells); got != want {
			t.Fatalf("CoveringCellCount = %d, want %d", got, want)
		}
		for j := 0; j < 200; j++ {
			p := orb.Point{r.Float64()*360 - 180, b.South + r.Float64()*(b.North-b.South)}
			if b.Contains(p) && !cells[CellOf(p, level)] {
				t.Fatalf("box %v level %d: point %v in cell %v not covering", b, level, p, CellOf(p, level))
			}
		}
	}
	if got := (Cell{Level: 1, ID: 0}).Overlap(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{-90, 0}}); got != 0.5 {
		t.Errorf("Overlap = %g, want 0.5", got)
	}
}
