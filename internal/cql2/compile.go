package cql2

import (
	"math"
	"strconv"
	"strings"
)

// Compile compiles e to a boolean SQL expression for PostgreSQL with PostGIS, to put in a WHERE clause, and its
// arguments. Property names become the Column of their queryable in q (and nothing else of the filter's text
// reaches the SQL); every literal becomes a parameter, numbered from firstParam ($firstParam, ...), with a cast
// to its type: strings ::text, integers ::bigint, other numbers ::double precision, dates ::date, timestamps
// ::timestamptz, booleans ::boolean, geometries ST_GeomFromText($n, 4326) with their WKT, BBOX
// ST_MakeEnvelope($n, $n+1, $n+2, $n+3, 4326). LIKE keeps PostgreSQL's default escape, the backslash, which is
// CQL2's; CASEI(x) is lower(x); the spatial predicates are PostGIS's ST_Intersects, ST_Equals, ST_Disjoint,
// ST_Touches, ST_Within, ST_Overlaps, ST_Crosses and ST_Contains. A NULL value makes a predicate unknown, as in
// SQL: it selects nothing, and neither does its negation.
//
// The errors are *Error at the offending node: an unknown property, values of types that cannot be compared
// (a date with a number, a geometry with =), a LIKE on a property that is no string.
func Compile(e Expr, q Queryables, firstParam int) (sql string, args []any, err error) {
	c := &compiler{q: q, next: firstParam}
	sql, err = c.boolean(e)
	if err != nil {
		return "", nil, err
	}
	return sql, c.args, nil
}

// kind is the type of a value, as far as comparisons go: integers are numbers.
type kind int

const (
	kString kind = iota + 1
	kNumber
	kDate
	kTimestamp
	kBool
	kGeom
)

var kindNames = map[kind]string{
	kString: "a string", kNumber: "a number", kDate: "a date", kTimestamp: "a timestamp", kBool: "a boolean",
	kGeom: "a geometry",
}

var kindOfType = map[Type]kind{
	TypeString: kString, TypeNumber: kNumber, TypeInteger: kNumber, TypeDate: kDate, TypeTimestamp: kTimestamp,
	TypeBoolean: kBool, TypeGeometry: kGeom,
}

// spatialFuncs are the PostGIS functions of the spatial predicates.
var spatialFuncs = map[string]string{
	"S_INTERSECTS": "ST_Intersects", "S_EQUALS": "ST_Equals", "S_DISJOINT": "ST_Disjoint",
	"S_TOUCHES": "ST_Touches", "S_WITHIN": "ST_Within", "S_OVERLAPS": "ST_Overlaps", "S_CROSSES": "ST_Crosses",
	"S_CONTAINS": "ST_Contains",
}

type compiler struct {
	q    Queryables
	next int
	args []any
}

// operand is a compiled value: its SQL, its kind, and how a message names it.
type operand struct {
	sql  string
	kind kind
	desc string
}

func (c *compiler) param(v any, cast string) string {
	n := c.next
	c.next++
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(n) + cast
}

func (c *compiler) boolean(e Expr) (string, error) {
	switch e := e.(type) {
	case *And:
		return c.chain(e.Terms, " AND ")
	case *Or:
		return c.chain(e.Terms, " OR ")
	case *Not:
		x, err := c.boolean(e.X)
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	case *BoolLit:
		return c.param(e.Value, "::boolean"), nil
	case *Compare:
		return c.compare(e)
	case *Like:
		return c.like(e)
	case *Between:
		return c.between(e)
	case *In:
		return c.in(e)
	case *IsNull:
		x, err := c.operand(e.X)
		if err != nil {
			return "", err
		}
		return "(" + x.sql + " IS" + not(e.Not) + " NULL)", nil
	case *Spatial:
		return c.spatial(e)
	case nil:
		return "", errorf(Pos{}, "no filter")
	}
	return "", errorf(e.Position(), "%s is a value, not a condition", e.String())
}

func (c *compiler) chain(terms []Expr, sep string) (string, error) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		s, err := c.boolean(t)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

func (c *compiler) compare(e *Compare) (string, error) {
	l, err := c.operand(e.Left)
	if err != nil {
		return "", err
	}
	r, err := c.operand(e.Right)
	if err != nil {
		return "", err
	}
	if err := sameKind(e.Pos, "compare", l, r); err != nil {
		return "", err
	}
	switch {
	case l.kind == kGeom:
		return "", errorf(e.Pos, "cannot compare %s with %s: geometries are compared with S_INTERSECTS, S_EQUALS and the other spatial functions",
			l.desc, r.desc)
	case l.kind == kBool && e.Op != "=" && e.Op != "<>":
		return "", errorf(e.Pos, "booleans are compared with = and <> only, not %s", e.Op)
	}
	return "(" + l.sql + " " + e.Op + " " + r.sql + ")", nil
}

// sameKind refuses to compare values of different kinds; verb says what the predicate does with them.
func sameKind(p Pos, verb string, a, b operand) error {
	if a.kind != b.kind {
		return errorf(p, "cannot %s %s with %s", verb, a.desc, b.desc)
	}
	return nil
}

func (c *compiler) like(e *Like) (string, error) {
	x, err := c.operand(e.X)
	if err != nil {
		return "", err
	}
	if x.kind != kString {
		return "", errorf(e.Pos, "LIKE matches strings, and %s is not one", x.desc)
	}
	if lit := patternLiteral(e.Pattern); lit != nil {
		trailing := len(lit.Value) - len(strings.TrimRight(lit.Value, `\`))
		if trailing%2 == 1 {
			return "", errorf(lit.Pos, "the pattern ends with a backslash that escapes nothing (write \\\\ for a backslash)")
		}
	}
	pat, err := c.operand(e.Pattern)
	if err != nil {
		return "", err
	}
	if pat.kind != kString {
		return "", errorf(e.Pattern.Position(), "the pattern of LIKE must be a string, not %s", pat.desc)
	}
	return "(" + x.sql + not(e.Not) + " LIKE " + pat.sql + ")", nil
}

// patternLiteral returns the string literal of a LIKE pattern, within CASEI if need be.
func patternLiteral(e Expr) *StringLit {
	switch e := e.(type) {
	case *StringLit:
		return e
	case *CaseI:
		return patternLiteral(e.X)
	}
	return nil
}

func (c *compiler) between(e *Between) (string, error) {
	var ops [3]operand
	for i, x := range []Expr{e.X, e.Low, e.High} {
		o, err := c.operand(x)
		if err != nil {
			return "", err
		}
		ops[i] = o
	}
	switch ops[0].kind {
	case kNumber, kDate, kTimestamp:
	default:
		return "", errorf(e.Pos, "BETWEEN compares numbers, dates or timestamps, and %s is none", ops[0].desc)
	}
	for _, o := range ops[1:] {
		if err := sameKind(e.Pos, "compare", ops[0], o); err != nil {
			return "", err
		}
	}
	return "(" + ops[0].sql + not(e.Not) + " BETWEEN " + ops[1].sql + " AND " + ops[2].sql + ")", nil
}

func (c *compiler) in(e *In) (string, error) {
	x, err := c.operand(e.X)
	if err != nil {
		return "", err
	}
	if x.kind == kGeom {
		return "", errorf(e.Pos, "IN does not compare geometries (%s)", x.desc)
	}
	items := make([]string, len(e.List))
	for i, v := range e.List {
		o, err := c.operand(v)
		if err != nil {
			return "", err
		}
		if err := sameKind(v.Position(), "compare", x, o); err != nil {
			return "", err
		}
		items[i] = o.sql
	}
	return "(" + x.sql + not(e.Not) + " IN (" + strings.Join(items, ", ") + "))", nil
}

func (c *compiler) spatial(e *Spatial) (string, error) {
	fn, ok := spatialFuncs[e.Op]
	if !ok {
		return "", errorf(e.Pos, "unknown spatial function %s", e.Op)
	}
	a, err := c.operand(e.A)
	if err != nil {
		return "", err
	}
	b, err := c.operand(e.B)
	if err != nil {
		return "", err
	}
	for _, o := range []struct {
		operand
		pos Pos
	}{{a, e.A.Position()}, {b, e.B.Position()}} {
		if o.kind != kGeom {
			return "", errorf(o.pos, "%s takes geometries, and %s is not one", e.Op, o.desc)
		}
	}
	return fn + "(" + a.sql + ", " + b.sql + ")", nil
}

// maxExactInt is the largest integer a float64 holds exactly: integral literals up to it are bigint parameters.
const maxExactInt = 1 << 53

func (c *compiler) operand(e Expr) (operand, error) {
	switch e := e.(type) {
	case *Property:
		qb, ok := c.q[e.Name]
		if !ok {
			return operand{}, errorf(e.Pos, "unknown property '%s' (the queryables are %s)", e.Name, c.queryableList())
		}
		k, ok := kindOfType[qb.Type]
		if !ok || qb.Column == "" {
			return operand{}, errorf(e.Pos, "the property '%s' has no column or no type among the queryables", e.Name)
		}
		return operand{qb.Column, k, "the property '" + e.Name + "' (" + kindNames[k] + ")"}, nil
	case *StringLit:
		return operand{c.param(e.Value, "::text"), kString, "a string"}, nil
	case *NumberLit:
		if v := e.Value; v == math.Trunc(v) && math.Abs(v) <= maxExactInt {
			return operand{c.param(int64(v), "::bigint"), kNumber, "a number"}, nil
		}
		return operand{c.param(e.Value, "::double precision"), kNumber, "a number"}, nil
	case *BoolLit:
		return operand{c.param(e.Value, "::boolean"), kBool, "a boolean"}, nil
	case *DateLit:
		return operand{c.param(e.Value, "::date"), kDate, "a date"}, nil
	case *TimestampLit:
		return operand{c.param(e.Value, "::timestamptz"), kTimestamp, "a timestamp"}, nil
	case *CaseI:
		x, err := c.operand(e.X)
		if err != nil {
			return operand{}, err
		}
		if x.kind != kString {
			return operand{}, errorf(e.Pos, "CASEI takes a string, and %s is not one", x.desc)
		}
		return operand{"lower(" + x.sql + ")", kString, x.desc}, nil
	case *GeometryLit:
		return operand{"ST_GeomFromText(" + c.param(WKT(e.Geom), "") + ", 4326)", kGeom, "a geometry"}, nil
	case *BBoxLit:
		b := e.Bound
		return operand{"ST_MakeEnvelope(" + c.param(b.Min[0], "") + ", " + c.param(b.Min[1], "") + ", " +
			c.param(b.Max[0], "") + ", " + c.param(b.Max[1], "") + ", 4326)", kGeom, "a geometry"}, nil
	case nil:
		return operand{}, errorf(Pos{}, "a value is missing")
	}
	return operand{}, errorf(e.Position(), "%s is a condition, not a value", e.String())
}

// queryableList names the queryables for an error message, the first ten of them.
func (c *compiler) queryableList() string {
	ns := c.q.names()
	if len(ns) == 0 {
		return "none"
	}
	if len(ns) > 10 {
		return strings.Join(ns[:10], ", ") + ", ..."
	}
	return strings.Join(ns, ", ")
}
