package cql2

import (
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Expr is a node of a parsed filter: a boolean expression (And, Or, Not, a predicate, a BoolLit) or one of the
// values a predicate compares. String gives it back as canonical CQL2 text, which parses to the same tree.
type Expr interface {
	// Position is where the node starts in the text it was parsed from.
	Position() Pos
	String() string
	expr()
}

// And is true when all its terms are (two or more, as written in one chain: a AND b AND c).
type And struct {
	Pos   Pos
	Terms []Expr
}

// Or is true when any of its terms is (two or more, as written in one chain).
type Or struct {
	Pos   Pos
	Terms []Expr
}

// Not negates X.
type Not struct {
	Pos Pos
	X   Expr
}

// Compare is a binary comparison; Op is one of = <> < > <= >=.
type Compare struct {
	Pos         Pos
	Op          string
	Left, Right Expr
}

// Like matches X against a pattern (a StringLit, or CaseI of one): % matches any run of characters, _ one
// character, and a backslash makes the next character literal.
type Like struct {
	Pos     Pos
	Not     bool
	X       Expr
	Pattern Expr
}

// Between is Low <= X <= High.
type Between struct {
	Pos       Pos
	Not       bool
	X         Expr
	Low, High Expr
}

// In is true when X equals one of List.
type In struct {
	Pos  Pos
	Not  bool
	X    Expr
	List []Expr
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	Pos Pos
	Not bool
	X   Expr
}

// Spatial is a spatial predicate; Op is one of S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN,
// S_OVERLAPS, S_CROSSES, S_CONTAINS.
type Spatial struct {
	Pos  Pos
	Op   string
	A, B Expr
}

// Property names a queryable.
type Property struct {
	Pos  Pos
	Name string
}

// StringLit is a character literal.
type StringLit struct {
	Pos   Pos
	Value string
}

// NumberLit is a numeric literal.
type NumberLit struct {
	Pos   Pos
	Value float64
}

// BoolLit is TRUE or FALSE, as a value or as a whole predicate.
type BoolLit struct {
	Pos   Pos
	Value bool
}

// DateLit is DATE('YYYY-MM-DD'): midnight UTC of that day.
type DateLit struct {
	Pos   Pos
	Value time.Time
}

// TimestampLit is TIMESTAMP('YYYY-MM-DDThh:mm:ss[.ffffff]Z'), in UTC.
type TimestampLit struct {
	Pos   Pos
	Value time.Time
}

// CaseI is CASEI(X): X compared without regard to case.
type CaseI struct {
	Pos Pos
	X   Expr
}

// GeometryLit is a WKT geometry in CRS84 (longitude, latitude): an orb.Point, LineString, Polygon, MultiPoint,
// MultiLineString, MultiPolygon or Collection.
type GeometryLit struct {
	Pos  Pos
	Geom orb.Geometry
}

// BBoxLit is BBOX(west, south, east, north) in CRS84.
type BBoxLit struct {
	Pos   Pos
	Bound orb.Bound
}

func (e *And) Position() Pos          { return e.Pos }
func (e *Or) Position() Pos           { return e.Pos }
func (e *Not) Position() Pos          { return e.Pos }
func (e *Compare) Position() Pos      { return e.Pos }
func (e *Like) Position() Pos         { return e.Pos }
func (e *Between) Position() Pos      { return e.Pos }
func (e *In) Position() Pos           { return e.Pos }
func (e *IsNull) Position() Pos       { return e.Pos }
func (e *Spatial) Position() Pos      { return e.Pos }
func (e *Property) Position() Pos     { return e.Pos }
func (e *StringLit) Position() Pos    { return e.Pos }
func (e *NumberLit) Position() Pos    { return e.Pos }
func (e *BoolLit) Position() Pos      { return e.Pos }
func (e *DateLit) Position() Pos      { return e.Pos }
func (e *TimestampLit) Position() Pos { return e.Pos }
func (e *CaseI) Position() Pos        { return e.Pos }
func (e *GeometryLit) Position() Pos  { return e.Pos }
func (e *BBoxLit) Position() Pos      { return e.Pos }

func (*And) expr()          {}
func (*Or) expr()           {}
func (*Not) expr()          {}
func (*Compare) expr()      {}
func (*Like) expr()         {}
func (*Between) expr()      {}
func (*In) expr()           {}
func (*IsNull) expr()       {}
func (*Spatial) expr()      {}
func (*Property) expr()     {}
func (*StringLit) expr()    {}
func (*NumberLit) expr()    {}
func (*BoolLit) expr()      {}
func (*DateLit) expr()      {}
func (*TimestampLit) expr() {}
func (*CaseI) expr()        {}
func (*GeometryLit) expr()  {}
func (*BBoxLit) expr()      {}

// The layouts of date and timestamp literals.
const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02T15:04:05.999999Z"
)

func (e *And) String() string { return joinTerms(e.Terms, " AND ") }
func (e *Or) String() string  { return joinTerms(e.Terms, " OR ") }

// joinTerms writes terms with sep, parenthesising the ones that are themselves chains.
func joinTerms(terms []Expr, sep string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		switch t.(type) {
		case *And, *Or:
			b.WriteString("(" + t.String() + ")")
		default:
			b.WriteString(t.String())
		}
	}
	return b.String()
}

func (e *Not) String() string { return "NOT (" + e.X.String() + ")" }

func (e *Compare) String() string { return e.Left.String() + " " + e.Op + " " + e.Right.String() }

func not(n bool) string {
	if n {
		return " NOT"
	}
	return ""
}

func (e *Like) String() string {
	return e.X.String() + not(e.Not) + " LIKE " + e.Pattern.String()
}

func (e *Between) String() string {
	return e.X.String() + not(e.Not) + " BETWEEN " + e.Low.String() + " AND " + e.High.String()
}

func (e *In) String() string {
	items := make([]string, len(e.List))
	for i, x := range e.List {
		items[i] = x.String()
	}
	return e.X.String() + not(e.Not) + " IN (" + strings.Join(items, ", ") + ")"
}

func (e *IsNull) String() string { return e.X.String() + " IS" + not(e.Not) + " NULL" }

func (e *Spatial) String() string { return e.Op + "(" + e.A.String() + ", " + e.B.String() + ")" }

// String writes the name bare when it is an identifier that is no keyword, in double quotes otherwise (a double
// quote in it written twice).
func (e *Property) String() string {
	if isBareName(e.Name) {
		return e.Name
	}
	return `"` + strings.ReplaceAll(e.Name, `"`, `""`) + `"`
}

func isBareName(name string) bool {
	if name == "" || reserved[strings.ToUpper(name)] {
		return false
	}
	for i, r := range name {
		if (i == 0 && !isIdentStart(r)) || !isIdentPart(r) {
			return false
		}
	}
	return true
}

func (e *StringLit) String() string { return quoteString(e.Value) }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (e *NumberLit) String() string { return formatNumber(e.Value) }

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (e *BoolLit) String() string {
	if e.Value {
		return "TRUE"
	}
	return "FALSE"
}

func (e *DateLit) String() string { return "DATE('" + e.Value.Format(dateLayout) + "')" }

func (e *TimestampLit) String() string {
	return "TIMESTAMP('" + e.Value.UTC().Format(timestampLayout) + "')"
}

func (e *CaseI) String() string { return "CASEI(" + e.X.String() + ")" }

func (e *GeometryLit) String() string { return WKT(e.Geom) }

func (e *BBoxLit) String() string {
	return "BBOX(" + formatNumber(e.Bound.Min[0]) + ", " + formatNumber(e.Bound.Min[1]) + ", " +
		formatNumber(e.Bound.Max[0]) + ", " + formatNumber(e.Bound.Max[1]) + ")"
}
