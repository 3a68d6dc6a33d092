package geo

import (
	"errors"
	"strings"
)

// Sentinel errors. Decode and Clean return an *Error that wraps exactly one
// of them, so errors.Is(err, ErrUnclosed) and similar work.
var (
	ErrSyntax          = errors.New("geo: malformed JSON")
	ErrType            = errors.New("geo: geometry type not allowed")
	ErrNull            = errors.New("geo: null geometry")
	ErrEmpty           = errors.New("geo: empty geometry")
	ErrPosition        = errors.New("geo: invalid position")
	ErrNotFinite       = errors.New("geo: coordinate not finite")
	ErrRange           = errors.New("geo: coordinate out of range")
	ErrDimension       = errors.New("geo: mixed dimensions")
	ErrUnclosed        = errors.New("geo: ring not closed")
	ErrTooFewPositions = errors.New("geo: ring has fewer than 4 positions")
	ErrTooLarge        = errors.New("geo: geometry exceeds limits")
)

// Error locates a defect in a geometry.
//
// Pointer is a JSON pointer (RFC 6901) relative to the geometry object, such
// as "/coordinates/0/2/1"; it is "" when the defect is the object as a whole.
// Position is the offending position when there is one, including its Z value,
// and nil otherwise. Err is one of the package's sentinel errors and Msg a
// human-readable sentence without the sentinel's text.
type Error struct {
	Err      error
	Pointer  string
	Msg      string
	Position []float64
}

// Error returns the sentinel's text, then the pointer and message when set,
// e.g. "geo: ring not closed at /coordinates/0: first position [102.1 18.2]
// differs from last [102.3 18.1]".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("geo: invalid geometry")
	}
	if e.Pointer != "" {
		b.WriteString(" at ")
		b.WriteString(e.Pointer)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }
