// Package cql2 parses filters in CQL2 text (OGC 21-065r2, Common Query Language) and compiles them to
// parameterised SQL for PostgreSQL with PostGIS, for the filter parameter of OGC API - Features - Part 3.
//
// Parse is a hand-written recursive-descent parser of the standard's BNF; it returns a tree of plain types
// (Expr) whose String is canonical CQL2 text. Compile turns a tree into a boolean SQL expression, naming columns
// only through the Queryables it is given and passing every literal as a $n parameter. Errors of both are
// *Error, with the position (byte offset, line, column) and the reason.
//
// Conformance classes implemented:
//   - basic-cql2: AND, OR, NOT (NOT binds tighter than AND, AND tighter than OR), =, <>, <, >, <=, >=, IS [NOT]
//     NULL, TRUE and FALSE, strings (a quote in one written twice), numbers (signed, decimal, scientific),
//     DATE('...') and TIMESTAMP('...Z'), property names bare or in double quotes (a double quote in one
//     written twice), keywords in any case;
//   - advanced-comparison-operators: [NOT] LIKE (% any run of characters, _ one character, \ escapes the next),
//     [NOT] BETWEEN (of numbers, and here of dates and timestamps too), [NOT] IN (...);
//   - case-insensitive-comparison: CASEI(x), compiled to lower(x);
//   - basic-spatial-functions: S_INTERSECTS of a geometry property and a WKT literal (POINT, LINESTRING,
//     POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION) or BBOX(west, south, east, north),
//     all in CRS84;
//   - spatial-functions, with the same literals: S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS,
//     S_CROSSES, S_CONTAINS;
//   - property-property: either side of a comparison may be a property.
//
// Not implemented, and refused with an error saying so: ACCENTI (accent-insensitive-comparison), temporal
// functions (T_...) and INTERVAL, array functions (A_...), arithmetic, other functions, three-dimensional
// geometries and BBOX, EMPTY geometries, a BBOX crossing the antimeridian. A backslash before a quote does not
// escape it in a string (the BNF's alternative escape \' makes a string ending in a backslash ambiguous): a
// quote in a string is written twice. Timestamps are in UTC (Z) with at most six decimals, PostgreSQL's
// resolution.
//
// Limits, each an error when exceeded: MaxLength bytes of text, MaxDepth levels of nesting, MaxTerms predicates
// and IN values, MaxVertices vertices in all geometry literals.
package cql2
