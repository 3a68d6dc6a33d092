package cql2_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/cql2"
)

// FuzzParse: Parse never panics; its errors are *Error within the text; a parsed filter's String parses to the
// same tree and prints the same; Compile never panics, and its SQL holds nothing of the text but parameters.
// The corpus is kept in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, tc := range validFilters {
		f.Add(tc.in)
	}
	for _, tc := range invalidFilters {
		if len(tc.in) < 200 {
			f.Add(tc.in)
		}
	}
	for _, tc := range dbFilters {
		f.Add(tc.filter)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := cql2.Parse(text)
		if err != nil {
			var ce *cql2.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse(%q): %T %v, want *cql2.Error", text, err, err)
			}
			if ce.Offset < 0 || ce.Offset > len(text) || ce.Line < 1 || ce.Column < 1 || ce.Reason == "" {
				t.Fatalf("Parse(%q): error %+v outside the text", text, ce)
			}
			return
		}
		canon := e.String()
		if len(canon) <= cql2.MaxLength { // the canonical text may be longer than the filter
			again, err := cql2.Parse(canon)
			if err != nil {
				t.Fatalf("Parse(%q) gives %q, which does not parse: %v", text, canon, err)
			}
			if !reflect.DeepEqual(withoutPositions(e), withoutPositions(again)) {
				t.Fatalf("Parse(%q) and Parse(%q) differ", text, canon)
			}
			if s := again.String(); s != canon {
				t.Fatalf("Parse(%q) prints %q, and that prints %q", text, canon, s)
			}
		}
		sql, args, err := cql2.Compile(e, testQueryables, 1)
		if err != nil {
			var ce *cql2.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q): %T %v, want *cql2.Error", text, err, err)
			}
			return
		}
		if n := strings.Count(sql, "$"); n != len(args) {
			t.Fatalf("Compile(%q) = %s with %d arguments", text, sql, len(args))
		}
		if rest := strings.ReplaceAll(sql, testQueryables["admin:unit"].Column, ""); strings.ContainsAny(rest, `'";`) {
			t.Fatalf("Compile(%q) = %s: text of the filter in the SQL", text, sql)
		}
	})
}
