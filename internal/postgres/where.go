package postgres

import (
	"fmt"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// andWhere appends the condition w to a query that takes args: it returns "AND (condition)", with the condition's
// parameters numbered after args, and args with their values. Without w it returns "" and args. The condition's
// columns are those the list's query names (findCurrentHazardsSQL, findTemporalHazardsSQL, findReleasesSQL).
func andWhere(w landrelease.Where, args []any) (string, []any, error) {
	if w == nil {
		return "", args, nil
	}
	sql, wargs, err := w.SQL(len(args) + 1)
	if err != nil {
		return "", nil, fmt.Errorf("filter: %w", err)
	}
	return "\n  AND (" + sql + ")", append(args, wargs...), nil
}
