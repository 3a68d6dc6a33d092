package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestUnavailable checks which database errors become EUNAVAILABLE with which message, through dbError as the
// services call it, and that the errors of a wrong request keep their own codes.
func TestUnavailable(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "m"}) }
	for _, tc := range []struct {
		name    string
		err     error
		code    string // landrelease code through dbError
		message string // dbError's message, for EUNAVAILABLE
	}{
		{"read-only transaction", pg("25006"), landrelease.EUNAVAILABLE, readOnlyMessage},
		{"disk full", pg("53100"), landrelease.EUNAVAILABLE, diskFullMessage},
		{"out of memory", pg("53200"), landrelease.EUNAVAILABLE, resourcesMessage},
		{"too many connections", pg("53300"), landrelease.EUNAVAILABLE, resourcesMessage},
		{"administrator shutdown", pg("57P01"), landrelease.EUNAVAILABLE, unreachableMessage},
		{"starting up", pg("57P03"), landrelease.EUNAVAILABLE, unreachableMessage},
		{"connection failure", pg("08006"), landrelease.EUNAVAILABLE, unreachableMessage},
		{"cannot connect", &pgconn.ConnectError{}, landrelease.EUNAVAILABLE, unreachableMessage},
		{"cannot connect, wrapped", fmt.Errorf("acquire: %w", &pgconn.ConnectError{}), landrelease.EUNAVAILABLE, unreachableMessage},
		{"connection dropped by a crashed server", io.ErrUnexpectedEOF, landrelease.EUNAVAILABLE, unreachableMessage},
		{"connection closed, wrapped", fmt.Errorf("receive message: %w", io.EOF), landrelease.EUNAVAILABLE, unreachableMessage},
		{"connection reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, landrelease.EUNAVAILABLE, unreachableMessage},
		{"broken pipe", &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}, landrelease.EUNAVAILABLE, unreachableMessage},
		{"statement timeout", pg("57014"), landrelease.EUNAVAILABLE, "The database stopped a statement that ran past its time limit: try a smaller request, or later."},
		{"unique violation", pg("23505"), landrelease.ECONFLICT, ""},
		{"syntax error", pg("42601"), landrelease.EINTERNAL, ""},
		{"plain error", errors.New("boom"), landrelease.EINTERNAL, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := dbError(tc.err, "context")
			if got := landrelease.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if tc.message != "" && landrelease.ErrorMessage(err) != tc.message {
				t.Errorf("message %q, want %q", landrelease.ErrorMessage(err), tc.message)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("%v does not wrap its cause %v", err, tc.err)
			}
		})
	}
}
