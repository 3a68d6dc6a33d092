package cql2_test

import (
	"slices"
	"testing"

	"github.com/landrelease/landrelease/internal/cql2"
)

// TestRewrite visits every node of a filter once, children before their parent, and replaces nodes where they
// are: a property renamed in every kind of predicate comes out renamed everywhere.
func TestRewrite(t *testing.T) {
	const text = `a = 1 AND (NOT b LIKE 'x%' OR c BETWEEN 1 AND 2) AND d IN (1, 2) AND e IS NULL AND ` +
		`S_INTERSECTS(g, POINT(1 2)) AND CASEI(f) = 'x'`
	e, err := cql2.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	got := cql2.Rewrite(e, func(x cql2.Expr) cql2.Expr {
		if p, ok := x.(*cql2.Property); ok {
			seen = append(seen, p.Name)
			return &cql2.Property{Pos: p.Pos, Name: p.Name + "2"}
		}
		return x
	})
	if want := []string{"a", "b", "c", "d", "e", "g", "f"}; !slices.Equal(seen, want) {
		t.Errorf("properties visited %v, want %v", seen, want)
	}
	want := `a2 = 1 AND (NOT (b2 LIKE 'x%') OR c2 BETWEEN 1 AND 2) AND d2 IN (1, 2) AND e2 IS NULL AND ` +
		`S_INTERSECTS(g2, POINT(1 2)) AND CASEI(f2) = 'x'`
	if got.String() != want {
		t.Errorf("rewritten:\n%s\nwant\n%s", got, want)
	}
	var root cql2.Expr
	if r := cql2.Rewrite(e, func(x cql2.Expr) cql2.Expr { root = x; return &cql2.BoolLit{Value: true} }); r.String() != "TRUE" || root != e {
		t.Errorf("the root is replaced last: got %s, last visited %v", r, root)
	}
}
