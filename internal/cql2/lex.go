package cql2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind int

const (
	tEOF         tokenKind = iota
	tIdent                 // a bare word: a keyword or a property name
	tQuotedIdent           // "a property name"
	tString                // 'a string', with '' unescaped
	tNumber                // a numeric literal, with its sign
	tLParen
	tRParen
	tComma
	tOp // = <> < > <= >=
)

type token struct {
	kind tokenKind
	text string  // the word, the unquoted name or string, the operator, or the number as written
	num  float64 // the value of a tNumber
	pos  Pos
}

// describe names the token in an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tIdent:
		return fmt.Sprintf("'%s'", t.text)
	case tQuotedIdent:
		return fmt.Sprintf("the property %q", t.text)
	case tString:
		return "a string"
	case tNumber:
		return "the number " + t.text
	default:
		return fmt.Sprintf("'%s'", t.text)
	}
}

// lexer splits a filter into tokens, tracking line and column.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Column: l.col} }

// advance moves past one rune.
func (l *lexer) advance() rune {
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) peekRune() rune {
	if l.off >= len(l.src) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return r
}

// lex returns every token of src, the last one tEOF.
func lex(src string) ([]token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		for l.off < len(l.src) && unicode.IsSpace(l.peekRune()) {
			l.advance()
		}
		p := l.pos()
		if l.off >= len(l.src) {
			return append(toks, token{kind: tEOF, pos: p}), nil
		}
		r := l.peekRune()
		var t token
		var err error
		switch {
		case r == '(':
			l.advance()
			t = token{kind: tLParen, text: "("}
		case r == ')':
			l.advance()
			t = token{kind: tRParen, text: ")"}
		case r == ',':
			l.advance()
			t = token{kind: tComma, text: ","}
		case r == '=':
			l.advance()
			t = token{kind: tOp, text: "="}
		case r == '<' || r == '>':
			l.advance()
			op := string(r)
			if n := l.peekRune(); n == '=' || (r == '<' && n == '>') {
				l.advance()
				op += string(n)
			}
			t = token{kind: tOp, text: op}
		case r == '\'':
			t, err = l.str(p)
		case r == '"':
			t, err = l.quotedIdent(p)
		case r == '+' || r == '-' || r == '.' || (r >= '0' && r <= '9'):
			t, err = l.number(p)
		case isIdentStart(r):
			start := l.off
			for l.off < len(l.src) && isIdentPart(l.peekRune()) {
				l.advance()
			}
			t = token{kind: tIdent, text: l.src[start:l.off]}
		case r == '!' && strings.HasPrefix(l.src[l.off:], "!="):
			return nil, errorf(p, "'!=' is not CQL2: write <> for 'not equal'")
		default:
			return nil, errorf(p, "unexpected character %q", r)
		}
		if err != nil {
			return nil, err
		}
		t.pos = p
		toks = append(toks, t)
	}
}

// str reads a string literal: a quote inside it is written twice.
func (l *lexer) str(p Pos) (token, error) {
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return token{}, errorf(p, "the string starting here has no closing quote")
		}
		r := l.advance()
		if r == '\'' {
			if l.peekRune() != '\'' {
				return token{kind: tString, text: b.String()}, nil
			}
			l.advance()
		}
		b.WriteRune(r)
	}
}

// quotedIdent reads a property name in double quotes: at least one character, a double quote in it written
// twice.
func (l *lexer) quotedIdent(p Pos) (token, error) {
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return token{}, errorf(p, "the property name starting here has no closing double quote")
		}
		r := l.advance()
		if r == '"' {
			if l.peekRune() != '"' {
				break
			}
			l.advance()
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return token{}, errorf(p, "a property name in double quotes cannot be empty")
	}
	return token{kind: tQuotedIdent, text: b.String()}, nil
}

// number reads [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits].
func (l *lexer) number(p Pos) (token, error) {
	start := l.off
	if r := l.peekRune(); r == '+' || r == '-' {
		l.advance()
	}
	digits := l.digits()
	if l.peekRune() == '.' {
		l.advance()
		digits += l.digits()
	}
	if digits == 0 {
		return token{}, errorf(p, "expected a number at %q (arithmetic is not supported)", l.src[start:l.off])
	}
	if r := l.peekRune(); r == 'e' || r == 'E' {
		l.advance()
		if r := l.peekRune(); r == '+' || r == '-' {
			l.advance()
		}
		if l.digits() == 0 {
			return token{}, errorf(p, "the exponent of the number %q has no digits", l.src[start:l.off])
		}
	}
	text := l.src[start:l.off]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) {
		return token{}, errorf(p, "the number %s is out of range", text)
	}
	return token{kind: tNumber, text: text, num: v}, nil
}

func (l *lexer) digits() int {
	n := 0
	for r := l.peekRune(); r >= '0' && r <= '9'; r = l.peekRune() {
		l.advance()
		n++
	}
	return n
}

// isIdentStart and isIdentPart follow CQL2's identifierStart and identifierPart: letters, ':' and '_' start a
// name; digits, '.', combining marks and connector punctuation may follow.
func isIdentStart(r rune) bool {
	return r == ':' || r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || (r >= '0' && r <= '9') || unicode.Is(unicode.Mn, r) ||
		unicode.Is(unicode.Pc, r)
}
