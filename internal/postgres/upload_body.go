package postgres

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spool"
)

// readBody reads the features of body with the service's reader, as src says, within ctx; it returns the file's
// fields.
func (s *UploadService) readBody(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource, fn func(i int, d *landrelease.UploadFeature, derr error) error) ([]string, error) {
	return s.reader.ReadUpload(ctx, bufio.NewReaderSize(io.NewSectionReader(body, 0, body.Size()), 1<<20), src, fn)
}

// readAhead is readBody decoding up to a few hundred features ahead of fn, on another goroutine, so that
// decoding overlaps with what fn waits for (the database).
func (s *UploadService) readAhead(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource, fn func(i int, d *landrelease.UploadFeature, derr error) error) ([]string, error) {
	type decoded struct {
		i    int
		d    *landrelease.UploadFeature
		derr error
	}
	ch := make(chan decoded, 256)
	stop := make(chan struct{})
	errStopped := errors.New("stopped")
	var (
		readErr error
		fields  []string
	)
	go func() {
		defer close(ch)
		fields, readErr = s.readBody(ctx, body, src, func(i int, d *landrelease.UploadFeature, derr error) error {
			select {
			case ch <- decoded{i, d, derr}:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	var err error
	for x := range ch {
		if err == nil {
			if err = fn(x.i, x.d, x.derr); err != nil {
				close(stop)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return fields, readErr // read after ch is closed
}

// storeBody stores body as an upload submitted by u with report rep, and sets id. errRaced: key was taken
// concurrently.
func storeBody(ctx context.Context, tx pgx.Tx, body landrelease.UploadBody, src landrelease.UploadSource, u *landrelease.User, key string, rep *landrelease.UploadReport, id *int64) error {
	los := tx.LargeObjects()
	oid, err := los.Create(ctx, 0)
	if err != nil {
		return dbError(err, "upload: create large object")
	}
	obj, err := los.Open(ctx, oid, pgx.LargeObjectModeWrite)
	if err != nil {
		return dbError(err, "upload: open large object")
	}
	// Gzipped (GeoJSON shrinks about fivefold: fewer large-object pages to write), in writes of 1 MiB.
	bw := bufio.NewWriterSize(obj, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("upload: compress body: %w", err)
	}
	if _, err := io.Copy(zw, io.NewSectionReader(body, 0, body.Size())); err != nil {
		return dbError(err, "upload: store body")
	}
	if err := zw.Close(); err != nil {
		return dbError(err, "upload: store body")
	}
	if err := bw.Flush(); err != nil {
		return dbError(err, "upload: store body")
	}
	var k *string
	if key != "" {
		k = &key
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("upload: encode report: %w", err)
	}
	var mapping []byte
	if src.Mapping != nil {
		if mapping, err = json.Marshal(src.Mapping); err != nil {
			return fmt.Errorf("upload: encode mapping: %w", err)
		}
	}
	err = tx.QueryRow(ctx, insertUploadSQL, u.Name, k, oid, body.Size(), body.SHA256(), rep.Total, report,
		src.FormatOrDefault(), nullStr(src.Filename), nullStr(src.Layer), mapping).Scan(id)
	if errors.Is(err, pgx.ErrNoRows) {
		return errRaced
	} else if err != nil {
		return dbError(err, "upload: insert")
	}
	return audit(ctx, tx, u.Name, "submit", "upload", fmt.Sprint(*id), 0, map[string]any{"features": rep.Total, "sha256": body.SHA256(), "format": src.FormatOrDefault()})
}

var errRaced = errors.New("idempotency key taken concurrently")

// spoolBody copies an upload's body to a temporary file.
func (s *UploadService) spoolBody(ctx context.Context, id int64) (*spool.File, error) {
	return spoolWrite(func(w io.Writer) error { return s.writeBody(ctx, id, w) })
}

// spoolBodyTx is spoolBody inside tx, for a caller that holds tx's connection: it must not wait for another
// connection of the pool (with every connection held by such callers, none would come).
func spoolBodyTx(ctx context.Context, tx pgx.Tx, id int64) (*spool.File, error) {
	return spoolWrite(func(w io.Writer) error { return copyBody(ctx, tx, id, w) })
}

// spoolWrite copies what write writes to a temporary file. write runs on another goroutine, and has returned when
// spoolWrite returns: a write in a transaction leaves it to the caller.
func spoolWrite(write func(w io.Writer) error) (*spool.File, error) {
	pr, pw := io.Pipe()
	wrote := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err)
		wrote <- err
	}()
	sp, err := spool.Copy(pr, 1<<40)
	pr.Close() // a write still running fails at once
	switch werr := <-wrote; {
	case werr != nil && !errors.Is(werr, io.ErrClosedPipe): // the write's failure, not the spool's
		if sp != nil {
			sp.Close()
		}
		return nil, werr
	case err != nil:
		return nil, err
	}
	return sp, nil
}

func (s *UploadService) writeBody(ctx context.Context, id int64, w io.Writer) error {
	return s.db.inTx(ctx, func(tx pgx.Tx) error { return copyBody(ctx, tx, id, w) })
}

// copyBody writes upload id's body, as sent, to w, reading it in tx.
func copyBody(ctx context.Context, tx pgx.Tx, id int64, w io.Writer) error {
	var oid uint32
	var by string
	if err := tx.QueryRow(ctx, uploadBodySQL, id).Scan(&oid, &by); errors.Is(err, pgx.ErrNoRows) {
		return landrelease.Errorf(landrelease.ENOTFOUND, "Upload %d not found.", id)
	} else if err != nil {
		return dbError(err, "upload body")
	}
	los := tx.LargeObjects()
	obj, err := los.Open(ctx, oid, pgx.LargeObjectModeRead)
	if err != nil {
		return dbError(err, "open upload body")
	}
	// Bodies are stored gzipped (storeBody); bodies stored before were JSON, which never starts with gzip's magic
	// bytes.
	r := bufio.NewReaderSize(obj, 1<<20)
	if magic, _ := r.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("upload %d body: %w", id, err)
		}
		if _, err := io.Copy(w, zr); err != nil {
			return fmt.Errorf("upload %d body: %w", id, err)
		}
		return nil
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("upload %d body: %w", id, err)
	}
	return nil
}

// WriteUploadBody writes the body as sent; see landrelease.UploadService.
func (s *UploadService) WriteUploadBody(ctx context.Context, id int64, open func(up *landrelease.Upload) io.Writer) error {
	up, _, err := s.visible(ctx, id)
	if err != nil {
		return err
	}
	return s.writeBody(ctx, id, open(up))
}
