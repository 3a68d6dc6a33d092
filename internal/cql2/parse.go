package cql2

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The limits of a filter: Parse refuses a filter past any of them.
const (
	// MaxLength is the longest filter, in bytes.
	MaxLength = 64 << 10
	// MaxDepth is the deepest nesting: of parentheses, CASEI and GEOMETRYCOLLECTION while parsing, and of
	// AND, OR and NOT in the tree. QGIS parenthesises each AND and OR it sends, one level a term.
	MaxDepth = 100
	// MaxTerms is the most predicates plus values in IN lists.
	MaxTerms = 512
	// MaxVertices is the most vertices of all geometry literals together.
	MaxVertices = 10000
)

// reserved are the words of CQL2 text that a bare property name cannot be (in double quotes it can).
var reserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "BETWEEN": true, "IN": true, "IS": true, "NULL": true,
	"TRUE": true, "FALSE": true, "CASEI": true, "ACCENTI": true, "DATE": true, "TIMESTAMP": true,
	"INTERVAL": true, "BBOX": true, "DIV": true,
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true, "MULTILINESTRING": true,
	"MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
	"S_INTERSECTS": true, "S_EQUALS": true, "S_DISJOINT": true, "S_TOUCHES": true, "S_WITHIN": true,
	"S_OVERLAPS": true, "S_CROSSES": true, "S_CONTAINS": true,
	"T_AFTER": true, "T_BEFORE": true, "T_CONTAINS": true, "T_DISJOINT": true, "T_DURING": true,
	"T_EQUALS": true, "T_FINISHEDBY": true, "T_FINISHES": true, "T_INTERSECTS": true, "T_MEETS": true,
	"T_METBY": true, "T_OVERLAPPEDBY": true, "T_OVERLAPS": true, "T_STARTEDBY": true, "T_STARTS": true,
	"A_EQUALS": true, "A_CONTAINS": true, "A_CONTAINEDBY": true, "A_OVERLAPS": true,
}

var geometryKinds = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true, "MULTILINESTRING": true,
	"MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

var spatialOps = map[string]bool{
	"S_INTERSECTS": true, "S_EQUALS": true, "S_DISJOINT": true, "S_TOUCHES": true, "S_WITHIN": true,
	"S_OVERLAPS": true, "S_CROSSES": true, "S_CONTAINS": true,
}

var (
	dateRE      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	timestampRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$`)
)

// Parse parses a filter in CQL2 text. Its errors are *Error.
func Parse(text string) (Expr, error) {
	start := Pos{Line: 1, Column: 1}
	if len(text) > MaxLength {
		return nil, errorf(start, "the filter is longer than %d bytes", MaxLength)
	}
	if !utf8.ValidString(text) {
		return nil, errorf(start, "the filter is not valid UTF-8")
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		l := &lexer{src: text, line: 1, col: 1}
		for l.off < i {
			l.advance()
		}
		return nil, errorf(l.pos(), "the filter contains a NUL character")
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if toks[0].kind == tEOF {
		return nil, errorf(toks[0].pos, "the filter is empty")
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, errorf(t.pos, "expected AND, OR or the end of the filter, found %s", t.describe())
	}
	if err := checkDepth(e, 1); err != nil {
		return nil, err
	}
	return e, nil
}

// checkDepth refuses AND, OR and NOT nested deeper than MaxDepth.
func checkDepth(e Expr, d int) error {
	var kids []Expr
	switch e := e.(type) {
	case *And:
		kids = e.Terms
	case *Or:
		kids = e.Terms
	case *Not:
		kids = []Expr{e.X}
	default:
		return nil
	}
	if d > MaxDepth {
		return errorf(e.Position(), "AND, OR and NOT are nested more than %d deep", MaxDepth)
	}
	for _, k := range kids {
		if err := checkDepth(k, d+1); err != nil {
			return err
		}
	}
	return nil
}

// parser is a recursive-descent parser over the tokens of one filter.
type parser struct {
	toks     []token
	i        int
	depth    int
	terms    int
	vertices int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+n]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// expect takes a token of kind k; where says where it was expected, for the error.
func (p *parser) expect(k tokenKind, where string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, errorf(t.pos, "expected %s %s, found %s", punctuation(k), where, t.describe())
	}
	return t, nil
}

// punctuation names the token kinds expect is asked for.
func punctuation(k tokenKind) string {
	switch k {
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	default:
		return "','"
	}
}

// isWord reports whether t is the keyword w (in capitals), in any case.
func isWord(t token, w string) bool { return t.kind == tIdent && strings.EqualFold(t.text, w) }

// enter counts one level of nesting at pos; the caller decrements p.depth when it leaves.
func (p *parser) enter(pos Pos) error {
	p.depth++
	if p.depth > MaxDepth {
		return errorf(pos, "the filter is nested more than %d deep", MaxDepth)
	}
	return nil
}

func (p *parser) term(pos Pos) error {
	p.terms++
	if p.terms > MaxTerms {
		return errorf(pos, "the filter has more than %d terms", MaxTerms)
	}
	return nil
}

// or parses booleanTerm {OR booleanTerm}.
func (p *parser) or() (Expr, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for isWord(p.peek(), "OR") {
		p.next()
		t, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &Or{Pos: first.Position(), Terms: terms}, nil
}

// and parses booleanFactor {AND booleanFactor}.
func (p *parser) and() (Expr, error) {
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for isWord(p.peek(), "AND") {
		p.next()
		t, err := p.factor()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &And{Pos: first.Position(), Terms: terms}, nil
}

// factor parses [NOT] booleanPrimary.
func (p *parser) factor() (Expr, error) {
	t := p.peek()
	if !isWord(t, "NOT") {
		return p.primary()
	}
	p.next()
	if n := p.peek(); isWord(n, "NOT") {
		return nil, errorf(n.pos, "NOT cannot follow NOT: write NOT (NOT ...)")
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return &Not{Pos: t.pos, X: x}, nil
}

// primary parses "(" booleanExpression ")", a spatial predicate or another predicate.
func (p *parser) primary() (Expr, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "to close the '(' at "+t.pos.String()); err != nil {
			return nil, err
		}
		p.depth--
		return e, nil
	}
	if t.kind == tIdent && p.peekAt(1).kind == tLParen {
		up := strings.ToUpper(t.text)
		switch {
		case spatialOps[up]:
			return p.spatial()
		case reserved[up] && strings.HasPrefix(up, "T_"):
			return nil, errorf(t.pos, "temporal functions such as %s are not supported", up)
		case reserved[up] && strings.HasPrefix(up, "A_"):
			return nil, errorf(t.pos, "array functions such as %s are not supported", up)
		}
	}
	return p.predicate()
}

// spatial parses S_xxx "(" geomExpression "," geomExpression ")".
func (p *parser) spatial() (Expr, error) {
	t := p.next()
	op := strings.ToUpper(t.text)
	if err := p.term(t.pos); err != nil {
		return nil, err
	}
	p.next() // (
	a, err := p.value("after " + op + "(")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tComma, "between the two geometries of "+op); err != nil {
		return nil, err
	}
	b, err := p.value("after ','")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "after the second geometry of "+op); err != nil {
		return nil, err
	}
	return &Spatial{Pos: t.pos, Op: op, A: a, B: b}, nil
}

// predicate parses a comparison, LIKE, BETWEEN, IN or IS NULL predicate, or TRUE or FALSE alone.
func (p *parser) predicate() (Expr, error) {
	start := p.peek()
	x, err := p.value("here")
	if err != nil {
		return nil, err
	}
	if err := p.term(start.pos); err != nil {
		return nil, err
	}
	pos := x.Position()
	t := p.peek()
	if t.kind == tOp {
		p.next()
		y, err := p.value("after '" + t.text + "'")
		if err != nil {
			return nil, err
		}
		return &Compare{Pos: pos, Op: t.text, Left: x, Right: y}, nil
	}
	negated := false
	if isWord(t, "NOT") {
		p.next()
		negated = true
		t = p.peek()
		if !isWord(t, "LIKE") && !isWord(t, "BETWEEN") && !isWord(t, "IN") {
			return nil, errorf(t.pos, "expected LIKE, BETWEEN or IN after NOT, found %s", t.describe())
		}
	}
	switch {
	case isWord(t, "LIKE"):
		p.next()
		pat, err := p.value("after LIKE")
		if err != nil {
			return nil, err
		}
		if !isPattern(pat) {
			return nil, errorf(pat.Position(), "the pattern after LIKE must be a string, or CASEI of one")
		}
		return &Like{Pos: pos, Not: negated, X: x, Pattern: pat}, nil
	case isWord(t, "BETWEEN"):
		p.next()
		lo, err := p.value("after BETWEEN")
		if err != nil {
			return nil, err
		}
		if a := p.next(); !isWord(a, "AND") {
			return nil, errorf(a.pos, "expected AND after the lower bound of BETWEEN, found %s", a.describe())
		}
		hi, err := p.value("after AND")
		if err != nil {
			return nil, err
		}
		return &Between{Pos: pos, Not: negated, X: x, Low: lo, High: hi}, nil
	case isWord(t, "IN"):
		p.next()
		if _, err := p.expect(tLParen, "after IN"); err != nil {
			return nil, err
		}
		var list []Expr
		after := "after '('"
		err := p.list(func() error {
			v, err := p.value(after)
			if err != nil {
				return err
			}
			if err := p.term(v.Position()); err != nil {
				return err
			}
			list = append(list, v)
			after = "after ','"
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &In{Pos: pos, Not: negated, X: x, List: list}, nil
	case isWord(t, "IS"):
		p.next()
		n := p.next()
		not := false
		if isWord(n, "NOT") {
			not = true
			n = p.next()
		}
		if !isWord(n, "NULL") {
			return nil, errorf(n.pos, "expected NULL after IS, found %s", n.describe())
		}
		return &IsNull{Pos: pos, Not: not, X: x}, nil
	}
	if b, ok := x.(*BoolLit); ok {
		return b, nil
	}
	return nil, errorf(t.pos, "expected a comparison (=, <>, <, >, <=, >=), LIKE, BETWEEN, IN or IS NULL after %s, found %s",
		x.String(), t.describe())
}

func isPattern(e Expr) bool {
	switch e := e.(type) {
	case *StringLit:
		return true
	case *CaseI:
		return isPattern(e.X)
	}
	return false
}

// value parses a value: a literal, a property, CASEI, DATE, TIMESTAMP, a geometry or BBOX. after says what it
// follows, for the error when none is there.
func (p *parser) value(after string) (Expr, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return &StringLit{Pos: t.pos, Value: t.text}, nil
	case tNumber:
		return &NumberLit{Pos: t.pos, Value: t.num}, nil
	case tQuotedIdent:
		return &Property{Pos: t.pos, Name: t.text}, nil
	case tIdent:
	default:
		return nil, errorf(t.pos, "expected a value %s, found %s", after, t.describe())
	}
	up := strings.ToUpper(t.text)
	switch {
	case up == "TRUE" || up == "FALSE":
		return &BoolLit{Pos: t.pos, Value: up == "TRUE"}, nil
	case up == "CASEI":
		return p.casei(t)
	case (up == "DATE" || up == "TIMESTAMP") && p.peek().kind != tLParen:
		return nil, errorf(t.pos, "%s must be followed by '(' (a property named %s must be written in double quotes)",
			up, t.text)
	case up == "DATE" || up == "TIMESTAMP":
		return p.instant(t, up)
	case up == "BBOX":
		return p.bbox(t)
	case geometryKinds[up]:
		g, err := p.geometry(t, up)
		if err != nil {
			return nil, err
		}
		return &GeometryLit{Pos: t.pos, Geom: g}, nil
	case up == "ACCENTI":
		return nil, errorf(t.pos, "ACCENTI (accent-insensitive comparison) is not supported")
	case up == "INTERVAL":
		return nil, errorf(t.pos, "INTERVAL is not supported")
	case reserved[up]:
		return nil, errorf(t.pos, "expected a value %s, found the keyword %s (a property of that name must be written in double quotes)",
			after, up)
	case p.peek().kind == tLParen:
		return nil, errorf(t.pos, "unknown function '%s'", t.text)
	}
	return &Property{Pos: t.pos, Name: t.text}, nil
}

// casei parses CASEI "(" characterExpression ")".
func (p *parser) casei(kw token) (Expr, error) {
	open, err := p.expect(tLParen, "after CASEI")
	if err != nil {
		return nil, err
	}
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	x, err := p.value("after CASEI(")
	if err != nil {
		return nil, err
	}
	switch x.(type) {
	case *Property, *StringLit, *CaseI:
	default:
		return nil, errorf(x.Position(), "CASEI takes a property or a string, not %s", x.String())
	}
	if _, err := p.expect(tRParen, "after the argument of CASEI"); err != nil {
		return nil, err
	}
	p.depth--
	return &CaseI{Pos: kw.pos, X: x}, nil
}

// instant parses DATE('YYYY-MM-DD') or TIMESTAMP('YYYY-MM-DDThh:mm:ss[.ffffff]Z').
func (p *parser) instant(kw token, up string) (Expr, error) {
	p.next() // (
	s := p.next()
	if s.kind != tString {
		return nil, errorf(s.pos, "expected a string after %s(, found %s", up, s.describe())
	}
	var v time.Time
	var err error
	if up == "DATE" {
		if !dateRE.MatchString(s.text) {
			return nil, errorf(s.pos, "a date is written 'YYYY-MM-DD', not %s", quoteString(s.text))
		}
		v, err = time.Parse(dateLayout, s.text)
	} else {
		if !timestampRE.MatchString(s.text) {
			return nil, errorf(s.pos, "a timestamp is written 'YYYY-MM-DDThh:mm:ssZ' (in UTC, with at most 6 decimals), not %s",
				quoteString(s.text))
		}
		v, err = time.Parse(time.RFC3339Nano, s.text)
	}
	if err != nil || v.Year() < 1 {
		return nil, errorf(s.pos, "%s is not a valid %s", quoteString(s.text), strings.ToLower(up))
	}
	if _, err := p.expect(tRParen, "after the "+strings.ToLower(up)); err != nil {
		return nil, err
	}
	if up == "DATE" {
		return &DateLit{Pos: kw.pos, Value: v}, nil
	}
	return &TimestampLit{Pos: kw.pos, Value: v.UTC()}, nil
}

// bbox parses BBOX "(" west "," south "," east "," north ")".
func (p *parser) bbox(kw token) (Expr, error) {
	if _, err := p.expect(tLParen, "after BBOX"); err != nil {
		return nil, err
	}
	var v [4]float64
	for i := range 4 {
		t := p.next()
		if t.kind != tNumber {
			return nil, errorf(t.pos, "expected a number in BBOX, found %s", t.describe())
		}
		v[i] = t.num
		sep := p.next()
		if i < 3 && sep.kind != tComma {
			return nil, errorf(sep.pos, "expected ',' in BBOX, found %s", sep.describe())
		}
		if i == 3 && sep.kind == tComma {
			return nil, errorf(sep.pos, "only two-dimensional BBOX(west, south, east, north) is supported")
		}
		if i == 3 && sep.kind != tRParen {
			return nil, errorf(sep.pos, "expected ')' after the fourth number of BBOX, found %s", sep.describe())
		}
	}
	if v[0] > v[2] {
		return nil, errorf(kw.pos, "BBOX's west %s is east of its east %s (crossing the antimeridian is not supported)",
			formatNumber(v[0]), formatNumber(v[2]))
	}
	if v[1] > v[3] {
		return nil, errorf(kw.pos, "BBOX's south %s is north of its north %s", formatNumber(v[1]), formatNumber(v[3]))
	}
	return &BBoxLit{Pos: kw.pos, Bound: orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}}, nil
}
