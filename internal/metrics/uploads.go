package metrics

import (
	"context"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Outcomes of an upload (the outcome label of landrelease_uploads_total).
const (
	Submitted = "submitted"
	Approved  = "approved"
	Rejected  = "rejected"
)

// Uploads returns s counting its uploads: each submitted (a replayed submission is not counted again), approved
// (with the approval's duration) and rejected by a reviewer, once the registry stored it.
func (m *Metrics) Uploads(s landrelease.UploadService) landrelease.UploadService {
	return &countedUploads{UploadService: s, m: m}
}

type countedUploads struct {
	landrelease.UploadService
	m *Metrics
}

func (c *countedUploads) Submit(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource, key string) (*landrelease.Upload, bool, error) {
	up, replayed, err := c.UploadService.Submit(ctx, body, src, key)
	if err == nil && !replayed {
		c.m.uploads.WithLabelValues(Submitted).Inc()
	}
	return up, replayed, err
}

func (c *countedUploads) Approve(ctx context.Context, id int64, comment string) (*landrelease.Upload, error) {
	start := time.Now()
	up, err := c.UploadService.Approve(ctx, id, comment)
	if err == nil {
		c.m.uploads.WithLabelValues(Approved).Inc()
		c.m.approval.Observe(time.Since(start).Seconds())
	}
	return up, err
}

func (c *countedUploads) Reject(ctx context.Context, id int64, comment string) (*landrelease.Upload, error) {
	up, err := c.UploadService.Reject(ctx, id, comment)
	if err == nil {
		c.m.uploads.WithLabelValues(Rejected).Inc()
	}
	return up, err
}
