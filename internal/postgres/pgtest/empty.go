package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewEmptyDatabase creates a database for t with nothing in it, not even PostGIS (as CREATE DATABASE makes one
// from template0: a target for a restore), drops it when t ends, and returns its URL.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	return createDatabase(ctx, t, conn, base, "lr_test_empty", "template0")
}
