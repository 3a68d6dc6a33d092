package landrelease

// Page sizes of the registry's lists.
const (
	DefaultPageSize = 100    // a page without a limit
	MaxPageSize     = 10_000 // the largest page a client may ask for
)

// PageLimit is the size of a page asked for with limit n: DefaultPageSize when n is 0 or less, at most
// MaxPageSize. A list whose page holds PageLimit(n) items may have more: its answer links to the next page.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}
