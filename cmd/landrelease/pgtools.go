package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// libpqParam reports whether libpq (pg_dump, pg_restore) accepts k as a query parameter of a connection URI. A
// DATABASE_URL may carry others that only pgx knows (pool_max_conns, ...), which libpq refuses: they are left out.
func libpqParam(k string) bool {
	switch k {
	case "host", "hostaddr", "port", "dbname", "user", "passfile", "channel_binding", "connect_timeout",
		"client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
		"keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "gssencmode", "sslmode",
		"requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir",
		"sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname", "gsslib",
		"service", "target_session_attrs", "load_balance_hosts":
		return true
	}
	return false
}

// pgTool runs PostgreSQL's client programs (pg_dump, pg_restore) on the database of a DATABASE_URL.
type pgTool struct {
	dbname string   // the --dbname argument: the URL without its password and pgx's own parameters
	env    []string // the environment of the programs: ours, with PGPASSWORD from the URL
}

// newPGTool prepares the programs' connection to dbURL. The password goes to PGPASSWORD, never to the command
// line, where every user of the machine could read it (ps). A keyword/value string (host=... dbname=...) is
// passed as it is.
func newPGTool(dbURL string) (*pgTool, error) {
	t := &pgTool{dbname: dbURL, env: os.Environ()}
	if !strings.HasPrefix(dbURL, "postgres://") && !strings.HasPrefix(dbURL, "postgresql://") {
		return t, nil
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			t.env = append(t.env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k := range q {
		if !libpqParam(k) {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	t.dbname = u.String()
	return t, nil
}

// run runs program with args, writing its standard output to stdout (nil: discarded). When it fails, the error
// names the program and quotes what it wrote to its standard error.
func (t *pgTool) run(ctx context.Context, program string, args []string, stdout io.Writer) error {
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("%s not found: install PostgreSQL's client programs (Debian: apt-get install postgresql-client-15, or the version of the server): %w", program, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = t.env
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), program+": ")
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && msg != "" {
			return fmt.Errorf("%s: %s", program, msg)
		}
		return fmt.Errorf("%s: %w: %s", program, err, msg)
	}
	return nil
}
