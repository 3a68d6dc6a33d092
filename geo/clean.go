package geo

import (
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
)

// FixKind says what kind of change Clean made.
type FixKind int

// Kinds of fixes.
const (
	FixWinding  FixKind = iota + 1 // ring reversed to the RFC 7946 orientation
	FixRepeated                    // repeated consecutive positions removed
)

// String returns a short description such as "winding order fixed".
func (k FixKind) String() string {
	switch k {
	case FixWinding:
		return "winding order fixed"
	case FixRepeated:
		return "repeated vertices removed"
	}
	return "FixKind(" + strconv.Itoa(int(k)) + ")"
}

// Fix says what Clean changed in one ring. Pointer locates the ring as
// "/coordinates/P/R" in the MultiPolygon form. Count is the number of
// positions removed for FixRepeated and 1 for FixWinding.
type Fix struct {
	Kind    FixKind
	Pointer string
	Count   int
}

// Clean returns a copy of mp with repeated consecutive positions removed
// (keeping rings closed) and rings oriented after RFC 7946 section 3.1.6:
// exterior rings counterclockwise, holes clockwise, judged by the signed
// planar area in lon/lat. A ring with zero area is left as it is. mp is not
// modified.
//
// Fixes are reported in ring order, a ring's FixRepeated before its
// FixWinding. A ring with fewer than 4 positions, before or after removing
// repeats, is an ErrTooFewPositions *Error; a ring whose last position
// differs from its first is an ErrUnclosed *Error. On error Clean returns
// nil results.
func Clean(mp orb.MultiPolygon) (orb.MultiPolygon, []Fix, error) {
	var fixes []Fix
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			ptr := "/coordinates/" + strconv.Itoa(i) + "/" + strconv.Itoa(j)
			if len(r) < 4 {
				return nil, nil, &Error{Err: ErrTooFewPositions, Pointer: ptr,
					Msg: fmt.Sprintf("ring has %s; a closed ring needs at least 4", count(len(r), "position"))}
			}
			if r[0] != r[len(r)-1] {
				return nil, nil, &Error{Err: ErrUnclosed, Pointer: ptr, Position: []float64{r[len(r)-1][0], r[len(r)-1][1]},
					Msg: fmt.Sprintf("first position %v differs from last %v", r[0], r[len(r)-1])}
			}

			c := dedupe(r)
			if n := len(r) - len(c); n > 0 {
				if len(c) < 4 {
					return nil, nil, &Error{Err: ErrTooFewPositions, Pointer: ptr,
						Msg: fmt.Sprintf("ring has %s after removing %d repeated; a closed ring needs at least 4", count(len(c), "position"), n)}
				}
				fixes = append(fixes, Fix{Kind: FixRepeated, Pointer: ptr, Count: n})
			}

			a := area2(c)
			if (j == 0 && a < 0) || (j > 0 && a > 0) {
				c.Reverse()
				fixes = append(fixes, Fix{Kind: FixWinding, Pointer: ptr, Count: 1})
			}
			out[i][j] = c
		}
	}
	return out, fixes, nil
}

// dedupe returns a copy of r without consecutive repeats. A closed ring
// stays closed: its first position is kept, and a repeated last position
// collapses onto the one before it, which equals the first.
func dedupe(r orb.Ring) orb.Ring {
	c := make(orb.Ring, 1, len(r))
	c[0] = r[0]
	for _, p := range r[1:] {
		if p != c[len(c)-1] {
			c = append(c, p)
		}
	}
	return c
}

// area2 returns twice the signed area of the closed ring r, positive when r
// is counterclockwise. Vertices are taken relative to r[0] to limit
// cancellation.
func area2(r orb.Ring) float64 {
	var s float64
	o := r[0]
	for i := 1; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		s += (a[0]-o[0])*(b[1]-o[1]) - (b[0]-o[0])*(a[1]-o[1])
	}
	return s
}
