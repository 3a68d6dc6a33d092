package cql2

// Rewrite rewrites the tree e bottom-up: each node's children are rewritten first and replaced in it (in place),
// then the node is replaced by what f returns for it (f returns the node itself to keep it). It returns the new
// root. Rewrite with an f that returns its argument visits every node.
func Rewrite(e Expr, f func(Expr) Expr) Expr {
	switch e := e.(type) {
	case *And:
		rewriteAll(e.Terms, f)
	case *Or:
		rewriteAll(e.Terms, f)
	case *Not:
		e.X = Rewrite(e.X, f)
	case *Compare:
		e.Left, e.Right = Rewrite(e.Left, f), Rewrite(e.Right, f)
	case *Like:
		e.X, e.Pattern = Rewrite(e.X, f), Rewrite(e.Pattern, f)
	case *Between:
		e.X, e.Low, e.High = Rewrite(e.X, f), Rewrite(e.Low, f), Rewrite(e.High, f)
	case *In:
		e.X = Rewrite(e.X, f)
		rewriteAll(e.List, f)
	case *IsNull:
		e.X = Rewrite(e.X, f)
	case *Spatial:
		e.A, e.B = Rewrite(e.A, f), Rewrite(e.B, f)
	case *CaseI:
		e.X = Rewrite(e.X, f)
	case nil:
		return nil
	}
	return f(e)
}

func rewriteAll(es []Expr, f func(Expr) Expr) {
	for i, x := range es {
		es[i] = Rewrite(x, f)
	}
}
