package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

const insertAuditSQL = `
INSERT INTO audit_log (actor, action, entity, local_id, version, detail) VALUES ($1, $2, $3, $4, $5, $6)`

// audit appends to the audit trail inside tx.
func audit(ctx context.Context, tx pgx.Tx, actor, action, entity, localID string, version int, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, insertAuditSQL, actor, action, entity, localID, version, detail)
	return dbError(err, "audit")
}
