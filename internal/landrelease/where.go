package landrelease

// Where is a condition the records of a list must meet beyond the registry's own filters: the filter of OGC API -
// Features - Part 3, compiled by the API for the database that reads the list.
//
// The condition names the columns of the list's query as the database adapter documents them; its text comes
// from the program, and every value a request gave is a parameter. Only the database answers a list with a
// Where: the in-memory index does not.
type Where interface {
	// SQL returns a boolean SQL expression with its parameters numbered from first ($first, $first+1, ...), and
	// their values in that order.
	SQL(first int) (sql string, args []any, err error)
}
