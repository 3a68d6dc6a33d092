package api

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/landrelease/landrelease/internal/cql2"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// The filters of OGC API - Features - Part 3 on the registry's lists, both APIs: filter in CQL2 text
// (filter-lang cql2-text, or cql-text, the name of the drafts GDAL 3.6 sends), and, as Part 1 recommends, a
// query parameter named after a queryable selecting the features whose property equals it (GDAL 3.6 learns the
// queryables from these parameters in the OpenAPI document). Both compile to one parameterised SQL condition,
// which the database answers (the in-memory index does not).

// Filter languages accepted.
const (
	filterLangCQL2 = "cql2-text"
	filterLangCQL  = "cql-text"
)

// listFilter is a list's compiled filter: a landrelease.Where.
type listFilter struct {
	expr cql2.Expr
	q    cql2.Queryables
}

// SQL compiles the filter with its parameters numbered from first.
func (f *listFilter) SQL(first int) (string, []any, error) {
	return cql2.Compile(f.expr, f.q, first)
}

// names reports whether the filter names the property.
func (f *listFilter) names(property string) bool {
	found := false
	cql2.Rewrite(f.expr, func(e cql2.Expr) cql2.Expr {
		if p, ok := e.(*cql2.Property); ok && p.Name == property {
			found = true
		}
		return e
	})
	return found
}

// readFilter reads a list's filter from its query: filter with filter-lang and filter-crs, and the parameters
// named after queryables, other than those the list reads itself (own). Nil when there is none. A filter that
// does not parse or compile is EBADREQUEST naming the position and the reason.
func readFilter(q url.Values, qs cql2.Queryables, own ...string) (*listFilter, error) {
	var terms []cql2.Expr
	for _, name := range sortedNames(qs) {
		if !q.Has(name) || slices.Contains(own, name) || qs[name].Type == cql2.TypeGeometry {
			continue
		}
		v, err := literal(qs[name].Type, q.Get(name))
		if err != nil {
			return nil, badParam(name, "%s", err)
		}
		terms = append(terms, &cql2.Compare{Op: "=", Left: &cql2.Property{Name: name}, Right: v})
	}
	if lang := q.Get("filter-lang"); lang != "" && lang != filterLangCQL2 && lang != filterLangCQL {
		return nil, badParam("filter-lang", "must be %s, not %q", filterLangCQL2, lang)
	}
	if c := q.Get("filter-crs"); c != "" && c != crs84URI {
		return nil, badParam("filter-crs", "must be %s (longitude, latitude), not %q", crs84URI, c)
	}
	if text := q.Get("filter"); text != "" {
		e, err := cql2.Parse(text)
		if err != nil {
			return nil, filterError(err)
		}
		terms = append(terms, coerceDates(e, qs))
	} else if q.Has("filter-lang") || q.Has("filter-crs") {
		return nil, badParam("filter", "is missing: filter-lang and filter-crs go with a filter")
	}
	var f *listFilter
	switch len(terms) {
	case 0:
		return nil, nil
	case 1:
		f = &listFilter{expr: terms[0], q: qs}
	default:
		f = &listFilter{expr: &cql2.And{Terms: terms}, q: qs}
	}
	if _, _, err := f.SQL(1); err != nil {
		return nil, filterError(err)
	}
	return f, nil
}

// where is f as the domain's Where: nil when there is no filter.
func (f *listFilter) where() landrelease.Where {
	if f == nil {
		return nil
	}
	return f
}

// filterError is a filter's parse or compile error as the API's.
func filterError(err error) error {
	var ce *cql2.Error
	if !errors.As(err, &ce) {
		return err
	}
	reason := ce.Error()
	return &landrelease.Error{Code: landrelease.EBADREQUEST, Message: "Query parameter filter: " + reason + ".",
		Details: []landrelease.Detail{{Field: "filter", Reason: reason}}}
}

// literal reads the value of a property parameter as a literal of the property's type.
func literal(t cql2.Type, s string) (cql2.Expr, error) {
	switch t {
	case cql2.TypeNumber, cql2.TypeInteger:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != v {
			return nil, fmt.Errorf("must be a number, not %q", s)
		}
		return &cql2.NumberLit{Value: v}, nil
	case cql2.TypeDate:
		if d, ok := parseDate(s); ok {
			return &cql2.DateLit{Value: d}, nil
		}
		return nil, fmt.Errorf("must be a date such as 2024-05-01, not %q", s)
	case cql2.TypeTimestamp:
		if ts, ok := parseTimestamp(s); ok {
			return &cql2.TimestampLit{Value: ts}, nil
		}
		return nil, fmt.Errorf("must be an RFC 3339 time such as 2024-05-01T10:00:00Z, not %q", s)
	case cql2.TypeBoolean:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("must be true or false, not %q", s)
		}
		return &cql2.BoolLit{Value: v}, nil
	}
	return &cql2.StringLit{Value: s}, nil
}

// parseDate reads a date as CQL2's DATE takes it, or as GDAL 3.6 writes one (2024-05-01T).
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "2006-01-02T"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// parseTimestamp reads an RFC 3339 time, or a date or a time as GDAL 3.6 writes them (2024-05-01T,
// 2024-05-01T10Z, 2024-05-01T10:30Z), in UTC.
func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02T", "2006-01-02T15Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// coerceDates reads a string compared with a date or timestamp property (=, <>, <, >, <=, >=, BETWEEN, IN) as a
// date or timestamp when it is one: identified_on >= '2024-01-01' means DATE('2024-01-01'), as a user writes it
// and as GDAL 3.6 sends it. A string that is no date is left as it is, for the compiler to refuse.
func coerceDates(e cql2.Expr, qs cql2.Queryables) cql2.Expr {
	return cql2.Rewrite(e, func(x cql2.Expr) cql2.Expr {
		switch x := x.(type) {
		case *cql2.Compare:
			x.Right = asTime(x.Left, x.Right, qs)
			x.Left = asTime(x.Right, x.Left, qs)
		case *cql2.Between:
			x.Low, x.High = asTime(x.X, x.Low, qs), asTime(x.X, x.High, qs)
		case *cql2.In:
			for i, v := range x.List {
				x.List[i] = asTime(x.X, v, qs)
			}
		}
		return x
	})
}

// asTime returns v as a date or timestamp literal when prop is a date or timestamp property and v a string
// that reads as one; v otherwise.
func asTime(prop, v cql2.Expr, qs cql2.Queryables) cql2.Expr {
	p, ok := prop.(*cql2.Property)
	s, ok2 := v.(*cql2.StringLit)
	if !ok || !ok2 {
		return v
	}
	switch qs[p.Name].Type {
	case cql2.TypeDate:
		if d, ok := parseDate(s.Value); ok {
			return &cql2.DateLit{Pos: s.Pos, Value: d}
		}
	case cql2.TypeTimestamp:
		if t, ok := parseTimestamp(s.Value); ok {
			return &cql2.TimestampLit{Pos: s.Pos, Value: t}
		}
	}
	return v
}

// sortedNames lists the queryables' names in order.
func sortedNames(qs cql2.Queryables) []string {
	ns := make([]string, 0, len(qs))
	for n := range qs {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
