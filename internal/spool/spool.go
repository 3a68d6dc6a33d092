// Package spool writes a request body to a temporary file while it is received, so that it can be read as often
// as needed, hashed, and never held in memory: the HTTP layer spools uploads, the command line spools files, and
// the database adapter spools a stored body it reads again.
package spool

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// File is a body written to a temporary file while it was received: read as often as needed, hashed, and never
// held in memory. It implements landrelease.UploadBody.
type File struct {
	f    *os.File
	size int64
	sum  string
}

// Copy copies r to a temporary file, at most limit bytes (ETOOLARGE beyond). Close removes the file.
func Copy(r io.Reader, limit int64) (*File, error) {
	f, err := os.CreateTemp("", "landrelease-upload-*.json")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || n > limit:
		f.Close()
		os.Remove(f.Name())
		return nil, landrelease.Errorf(landrelease.ETOOLARGE, "The upload is over the limit of %d bytes: split it.", limit)
	case err != nil:
		f.Close()
		os.Remove(f.Name())
		return nil, &landrelease.Error{Code: landrelease.EBADREQUEST, Message: "The upload could not be read to its end.", Err: err}
	}
	return &File{f: f, size: n, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// ReadAt implements io.ReaderAt.
func (s *File) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

// Size is the body's length in bytes.
func (s *File) Size() int64 { return s.size }

// SHA256 is the body's SHA-256 in hex.
func (s *File) SHA256() string { return s.sum }

// Close removes the temporary file.
func (s *File) Close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}
