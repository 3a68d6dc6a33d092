package postgres

import (
	"errors"
	"io"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Messages of the database's unavailability, as users read them (with 503 and Retry-After).
const (
	readOnlyMessage    = "The registry is read-only for now: its database accepts no writes (a standby not yet promoted, or maintenance). Nothing was written; try again later."
	diskFullMessage    = "The registry cannot store anything more for now: its database is out of disk space. Nothing was written; try again later."
	resourcesMessage   = "The registry's database is out of resources (memory or connections) for now. Nothing was written; try again later."
	unreachableMessage = "The registry's database cannot be reached for now (restarting, or the network); nothing was changed: try again later."
)

// unavailable returns the EUNAVAILABLE error for an error that says the database cannot take the request now
// rather than that the request is wrong: a read-only transaction (SQLSTATE 25006: a hot standby, a database set
// default_transaction_read_only), a full disk (53100) or other exhausted resources (class 53), a database shutting
// down or starting (57P01-57P03), a lost or refused connection (class 08, pgconn.ConnectError; a connection the
// server dropped without a word, as a crash or pg_ctl stop -m immediate leaves it: io.ErrUnexpectedEOF, io.EOF,
// ECONNRESET, EPIPE). It returns nil for any other error. Every write runs in one transaction, so such a failure leaves nothing half-written.
func unavailable(err error) *landrelease.Error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "25006": // read_only_sql_transaction
			return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: readOnlyMessage, Err: err}
		case pe.Code == "53100": // disk_full
			return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: diskFullMessage, Err: err}
		case strings.HasPrefix(pe.Code, "53"): // insufficient_resources, out_of_memory, too_many_connections
			return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: resourcesMessage, Err: err}
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", strings.HasPrefix(pe.Code, "08"):
			// admin_shutdown, crash_shutdown, cannot_connect_now; connection_exception
			return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: unreachableMessage, Err: err}
		}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: unreachableMessage, Err: err}
	}
	return nil
}
