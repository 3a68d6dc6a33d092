package cql2_test

import (
	"reflect"

	"github.com/landrelease/landrelease/internal/cql2"
)

// withoutPositions returns a deep copy of e with every Pos zeroed, to compare trees parsed from different text.
func withoutPositions(e cql2.Expr) cql2.Expr {
	if e == nil {
		return nil
	}
	v := reflect.New(reflect.TypeOf(e).Elem())
	v.Elem().Set(reflect.ValueOf(e).Elem())
	zeroPositions(v.Elem())
	return v.Interface().(cql2.Expr)
}

var posType = reflect.TypeOf(cql2.Pos{})
var exprType = reflect.TypeOf((*cql2.Expr)(nil)).Elem()

// zeroPositions zeroes the Pos fields of the struct v and copies its Expr children without theirs.
func zeroPositions(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == posType:
			f.Set(reflect.Zero(posType))
		case f.Type() == exprType && !f.IsNil():
			f.Set(reflect.ValueOf(withoutPositions(f.Interface().(cql2.Expr))))
		case f.Kind() == reflect.Slice && f.Type().Elem() == exprType:
			s := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
			for j := range f.Len() {
				s.Index(j).Set(reflect.ValueOf(withoutPositions(f.Index(j).Interface().(cql2.Expr))))
			}
			f.Set(s)
		}
	}
}
