package cql2

import "fmt"

// Pos is where a token or a node starts in the filter's text.
type Pos struct {
	Offset int // byte offset, from 0
	Line   int // line, from 1
	Column int // character (rune) on the line, from 1
}

// Error is a filter that cannot be parsed or compiled: where, and why in words a user understands.
type Error struct {
	Pos
	Reason string
}

// Error says "at C: reason" for a position on the first line, and "at line L, column C: reason" after it.
func (e *Error) Error() string {
	if e.Line > 1 {
		return fmt.Sprintf("at line %d, column %d: %s", e.Line, e.Column, e.Reason)
	}
	return fmt.Sprintf("at %d: %s", e.Column, e.Reason)
}

func errorf(p Pos, format string, args ...any) *Error {
	return &Error{Pos: p, Reason: fmt.Sprintf(format, args...)}
}
