package landrelease

import (
	"context"
	"time"
)

// AuditEntry is one entry of the audit trail: who did what, when, from where, to which record.
type AuditEntry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Address string         `json:"address,omitempty"` // the client's address, when the action came over HTTP
	Action  string         `json:"action"`
	Entity  string         `json:"entity"`
	LocalID string         `json:"local_id,omitempty"`
	Version int            `json:"version,omitempty"`
	Detail  map[string]any `json:"detail"`
}

// AuditFilter selects entries of the audit trail, newest first.
type AuditFilter struct {
	Actor, Action, Entity, LocalID string
	Since, Until                   *time.Time
	Before                         int64 // keyset paging: entries with a smaller id (0: from the newest)
	Limit                          int   // default 100, at most 1000
}

// AuditService reads the audit trail, which nothing can change: the service's database role may only add to it.
type AuditService interface {
	// FindAudit returns a page of entries. EFORBIDDEN (administrators only), EINVALID.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// ExportRecorder adds the exports of the record to the audit trail (writes record themselves).
type ExportRecorder interface {
	// RecordExport records an export (a Form F file, say) named name by the user ctx acts as ("anonymous" when
	// none), with the client's address ctx carries.
	RecordExport(ctx context.Context, entity, name string, detail map[string]any) error
}

type addressKey struct{}

// NewContextWithAddress returns ctx carrying the address of the client a request came from, for the audit trail.
func NewContextWithAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addressKey{}, addr)
}

// AddressFromContext returns the client's address ctx carries, or "".
func AddressFromContext(ctx context.Context) string {
	a, _ := ctx.Value(addressKey{}).(string)
	return a
}
