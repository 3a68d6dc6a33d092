package main

import (
	"os"
	"strings"
	"testing"
)

// TestPGToolConnection: the programs get the URL without its password (in PGPASSWORD instead, off the command
// line) and without the parameters only pgx knows, which libpq refuses.
func TestPGToolConnection(t *testing.T) {
	for _, tc := range []struct {
		url, dbname, password string
	}{
		{"postgres://owner:s3cret@db.example:5432/landrelease?sslmode=require&pool_max_conns=8",
			"postgres://owner@db.example:5432/landrelease?sslmode=require", "s3cret"},
		{"postgresql://owner@127.0.0.1/landrelease?application_name=x&statement_cache_capacity=0",
			"postgresql://owner@127.0.0.1/landrelease?application_name=x", ""},
		{"postgres://owner:p%40ss%2Fword@[::1]:25429/lr", "postgres://owner@[::1]:25429/lr", "p@ss/word"},
		{"host=/run/postgresql dbname=landrelease", "host=/run/postgresql dbname=landrelease", ""},
	} {
		pg, err := newPGTool(tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if pg.dbname != tc.dbname {
			t.Errorf("%s: --dbname %q, want %q", tc.url, pg.dbname, tc.dbname)
		}
		// exec uses the last value of a variable given twice; without a password in the URL, ours is left as is.
		password, set := os.LookupEnv("PGPASSWORD")
		for _, kv := range pg.env {
			if v, ok := strings.CutPrefix(kv, "PGPASSWORD="); ok {
				password, set = v, true
			}
		}
		if tc.password != "" && (!set || password != tc.password) {
			t.Errorf("%s: PGPASSWORD %q, want %q", tc.url, password, tc.password)
		}
		if tc.password == "" && len(pg.env) != len(os.Environ()) {
			t.Errorf("%s: the programs' environment gained %v", tc.url, pg.env[len(os.Environ()):])
		}
	}
}
