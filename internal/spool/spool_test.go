package spool_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spool"
)

func TestCopy(t *testing.T) {
	body := strings.Repeat("hazard areas ", 1000)
	f, err := spool.Copy(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if f.Size() != int64(len(body)) || f.SHA256() != hex.EncodeToString(sum[:]) {
		t.Errorf("size %d, sha256 %s", f.Size(), f.SHA256())
	}
	for range 2 { // read as often as needed
		got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		if err != nil || string(got) != body {
			t.Fatalf("read back %d bytes: %v", len(got), err)
		}
	}
	var _ landrelease.UploadBody = f
	name := tempName(t, f)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("the temporary file is still there after Close: %v", err)
	}

	if _, err := spool.Copy(strings.NewReader(body), int64(len(body))-1); landrelease.ErrorCode(err) != landrelease.ETOOLARGE {
		t.Errorf("one byte over the limit: %v, want too_large", err)
	}
}

// tempName finds the spool's file among the temporary files by its content's size (the type keeps it private).
func tempName(t *testing.T, f *spool.File) string {
	t.Helper()
	matches, _ := filepath.Glob(os.TempDir() + "/landrelease-upload-*.json")
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Size() == f.Size() {
			return m
		}
	}
	t.Fatal("no temporary file of the spool's size")
	return ""
}
