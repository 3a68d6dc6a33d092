// Package migrations holds the database schema as SQL files applied in name order, each once.
package migrations

import "embed"

// FS holds the migration files, named NNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
