package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// insertAuditSQL appends an entry: actor $1, action $2, entity $3, local id $4, version $5, detail $6, address $7.
const insertAuditSQL = `
INSERT INTO audit_log (actor, action, entity, local_id, version, detail, address) VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''))`

// audit appends to the audit trail inside tx, with the client's address ctx carries.
func audit(ctx context.Context, tx pgx.Tx, actor, action, entity, localID string, version int, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, insertAuditSQL, actor, action, entity, localID, version, detail, landrelease.AddressFromContext(ctx))
	return dbError(err, "audit")
}

// AuditService implements landrelease.AuditService.
type AuditService struct{ db *DB }

// NewAuditService returns an AuditService on db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

var (
	_ landrelease.AuditService   = (*AuditService)(nil)
	_ landrelease.ExportRecorder = (*AuditService)(nil)
)

// findAuditSQL lists entries newest first: actor $1, action $2, entity $3, local id $4 (NULL: any), at or after
// $5, before $6 (NULL: unbounded), id below $7 (0: any), at most $8.
const findAuditSQL = `
SELECT id, at, actor, coalesce(address, ''), action, entity, coalesce(local_id, ''), coalesce(version, 0), detail
FROM audit_log
WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR entity = $3)
  AND ($4::text IS NULL OR local_id = $4) AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
  AND ($7 = 0 OR id < $7)
ORDER BY id DESC
LIMIT $8`

// Audit page sizes.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// FindAudit reads the audit trail; see landrelease.AuditService.
func (s *AuditService) FindAudit(ctx context.Context, f landrelease.AuditFilter) ([]*landrelease.AuditEntry, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleAdministrator); err != nil {
		return nil, err
	}
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = defaultAuditLimit
	case limit > maxAuditLimit:
		limit = maxAuditLimit
	}
	rows, err := s.db.reader(ctx).Query(ctx, findAuditSQL, nullStr(f.Actor), nullStr(f.Action), nullStr(f.Entity), nullStr(f.LocalID),
		f.Since, f.Until, f.Before, limit)
	if err != nil {
		return nil, dbError(err, "read audit trail")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*landrelease.AuditEntry, error) {
		var e landrelease.AuditEntry
		var detail []byte
		if err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Address, &e.Action, &e.Entity, &e.LocalID, &e.Version, &detail); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(detail, &e.Detail); err != nil {
			return nil, err
		}
		return &e, nil
	})
	return out, dbError(err, "read audit trail")
}

// RecordExport records an export; see landrelease.AuditService.
func (s *AuditService) RecordExport(ctx context.Context, entity, name string, detail map[string]any) error {
	actor := "anonymous"
	if u := landrelease.UserFromContext(ctx); u != nil {
		actor = u.Name
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, actor, "export", entity, name, 0, detail)
	})
}
