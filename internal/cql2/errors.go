package cql2

import (
	"fmt"
	"strconv"
)

// Pos is where a token or a node starts in the filter's text.
type Pos struct {
	Offset int // byte offset, from 0
	Line   int // line, from 1
	Column int // character (rune) on the line, from 1
}

// String writes a position as it appears in messages: the column on the first line, the line and column after.
func (p Pos) String() string {
	if p.Line > 1 {
		return "line " + strconv.Itoa(p.Line) + ", column " + strconv.Itoa(p.Column)
	}
	return strconv.Itoa(p.Column)
}

// Error is a filter that cannot be parsed or compiled: where, and why in words a user understands.
type Error struct {
	Pos
	Reason string
}

// Error says "at C: reason" for a position on the first line, and "at line L, column C: reason" after it.
func (e *Error) Error() string { return "at " + e.Pos.String() + ": " + e.Reason }

func errorf(p Pos, format string, args ...any) *Error {
	return &Error{Pos: p, Reason: fmt.Sprintf(format, args...)}
}
