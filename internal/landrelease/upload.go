package landrelease

import (
	"context"
	"io"
	"time"
)

// Upload states.
const (
	UploadSubmitted = "submitted"
	UploadApproved  = "approved"
	UploadRejected  = "rejected"
)

// Feature outcomes in an upload report.
const (
	FeatureAccepted = "accepted"
	FeatureRejected = "rejected"
)

// Feature actions against the current record.
const (
	ActionNew       = "new"       // the local_id is not in the registry
	ActionChanged   = "changed"   // a new version of a known record
	ActionUnchanged = "unchanged" // the same as the current version
)

// FeatureReport is the outcome of one feature of an upload.
type FeatureReport struct {
	Index       int            `json:"index"`
	Source      *FeatureSource `json:"source,omitempty"` // where it is in the original file (formats other than GeoJSON)
	Record      string         `json:"record"`
	LocalID     string         `json:"local_id"`
	HazardArea  string         `json:"hazard_area,omitempty"`  // a release's parent
	Status      string         `json:"status"`                 // accepted or rejected
	Action      string         `json:"action,omitempty"`       // new, changed or unchanged
	BaseVersion int            `json:"base_version,omitempty"` // the version it was compared with
	Errors      []Detail       `json:"errors,omitempty"`
	Warnings    []Detail       `json:"warnings,omitempty"`
}

// UploadReport is the outcome of every feature of an upload.
type UploadReport struct {
	Accepted bool            `json:"accepted"` // every feature accepted
	Total    int             `json:"total"`
	Rejected int             `json:"rejected"`
	Warnings int             `json:"warnings"`
	New      int             `json:"new"`
	Changed  int             `json:"changed"`
	Same     int             `json:"unchanged"`
	Features []FeatureReport `json:"features"`
	// SourceFields are the names of the file's fields, for a client to show beside the upload's properties.
	SourceFields []string `json:"source_fields,omitempty"`
}

// Upload is a field upload: stored as submitted, then approved into the registry or rejected.
type Upload struct {
	ID             int64         `json:"id"`
	Status         string        `json:"status"`
	SubmittedBy    string        `json:"submitted_by"`
	SubmittedAt    time.Time     `json:"submitted_at"`
	IdempotencyKey string        `json:"idempotency_key,omitempty"`
	SizeBytes      int64         `json:"size_bytes"`
	SHA256         string        `json:"sha256"`
	FeatureCount   int           `json:"feature_count"`
	ReviewedBy     string        `json:"reviewed_by,omitempty"`
	ReviewedAt     *time.Time    `json:"reviewed_at,omitempty"`
	ReviewComment  string        `json:"review_comment,omitempty"`
	Report         *UploadReport `json:"report,omitempty"`
	// Format, Filename, Layer and Mapping are how the body is read (UploadSource).
	Format   string   `json:"format"`
	Filename string   `json:"filename,omitempty"`
	Layer    string   `json:"layer,omitempty"`
	Mapping  *Mapping `json:"mapping,omitempty"`
}

// Source is how the upload's body is read.
func (u *Upload) Source() UploadSource {
	return UploadSource{Format: u.Format, Filename: u.Filename, Layer: u.Layer, Mapping: u.Mapping}
}

// UploadBody is an upload's body, spooled where it can be read more than once.
type UploadBody interface {
	io.ReaderAt
	Size() int64
	SHA256() string
}

// UploadFilter selects uploads, newest first.
type UploadFilter struct {
	Status string
	Limit  int
}

// UploadService validates, stores and reviews field uploads. Every feature is checked with the registry's own
// rules, in a transaction that is rolled back unless an approval applies it.
type UploadService interface {
	// Check validates an upload, read as src says, without storing anything. EBADREQUEST, EINVALID (the body as
	// a whole, a mapping naming fields the file lacks), ETOOLARGE, EUNSUPPORTEDMEDIA.
	Check(ctx context.Context, body UploadBody, src UploadSource) (*UploadReport, error)
	// Submit validates and stores an upload with src, how it is read. A rejected feature rejects it: EINVALID carrying the report, nothing
	// stored. A retry with the same idempotency key returns the first upload; the same key with another body is
	// ECONFLICT. EUNAUTHORIZED, EFORBIDDEN.
	Submit(ctx context.Context, body UploadBody, src UploadSource, idempotencyKey string) (up *Upload, replayed bool, err error)
	// FindUploads lists uploads: all for reviewers, their own for field teams.
	FindUploads(ctx context.Context, f UploadFilter) ([]*Upload, error)
	// FindUpload returns one upload with its report compared with the current record. ENOTFOUND, EFORBIDDEN.
	FindUpload(ctx context.Context, id int64) (*Upload, error)
	// WriteUploadBody writes the body exactly as it was sent to the writer open returns; open is called once,
	// before the first byte, with the upload (its format and file name say what the body is). ENOTFOUND,
	// EFORBIDDEN.
	WriteUploadBody(ctx context.Context, id int64, open func(up *Upload) io.Writer) error
	// Approve applies every feature in one transaction, checking the rules again; if one fails nothing changes
	// and EINVALID carries the report. ECONFLICT when the upload is not submitted. EFORBIDDEN.
	Approve(ctx context.Context, id int64, comment string) (*Upload, error)
	// Reject keeps the upload with the reviewer's reason. ECONFLICT when not submitted. EFORBIDDEN.
	Reject(ctx context.Context, id int64, comment string) (*Upload, error)
}

// ReportError is the error of an upload with a rejected feature: EINVALID, carrying the full report.
type ReportError struct {
	Err    *Error
	Report *UploadReport
}

func (e *ReportError) Error() string { return e.Err.Error() }

func (e *ReportError) Unwrap() error { return e.Err }
