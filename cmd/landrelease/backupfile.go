package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
)

// backupFile is what restore needs to know of a backup before it touches a database. A backup is a pg_dump
// archive in custom format and nothing else, so that PostgreSQL's own tools read it without landrelease; its
// schema version is the content of its schema_migrations table, dumped in the same snapshot as the registry.
type backupFile struct {
	migrations []string // the migrations applied to the database backed up, in order
	created    string   // when pg_dump started, as it wrote it (its machine's time zone)
	blobs      int      // large objects: upload bodies
	extensions []string // extensions the database had (postgis)
	toc        []string // pg_restore --list: the archive's table of contents, one entry a line
	// emptyExtensionData are the entries of toc that hold no rows of a table an extension made: PostGIS's
	// spatial_ref_sys, whose SRSs added by users pg_dump dumps (none here; only PostGIS's owner may add some).
	emptyExtensionData map[string]bool
}

// schema is the backup's schema version: its last migration.
func (b *backupFile) schema() string {
	if len(b.migrations) == 0 {
		return "none"
	}
	return b.migrations[len(b.migrations)-1]
}

// readBackupFile reads the table of contents and the schema_migrations table of the archive at path.
func readBackupFile(ctx context.Context, pg *pgTool, path string) (*backupFile, error) {
	b := &backupFile{}
	var list bytes.Buffer
	if err := pg.run(ctx, "pg_restore", []string{"--list", "--file=-", "--", path}, &list); err != nil {
		return nil, fmt.Errorf("%s is not a backup made by landrelease backup (a pg_dump archive in custom format): %w", path, err)
	}
	tables := map[string]bool{} // "schema name" of the archive's tables
	data := map[string]string{} // "schema name" of a table's data: its entry
	for _, line := range strings.Split(list.String(), "\n") {
		if after, ok := strings.CutPrefix(line, "; Archive created at "); ok {
			b.created = strings.TrimSpace(after)
		}
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		b.toc = append(b.toc, line)
		switch d := tocDesc(line); {
		case strings.HasPrefix(d, "BLOB - "):
			b.blobs++
		case strings.HasPrefix(d, "EXTENSION - "):
			if f := strings.Fields(strings.TrimPrefix(d, "EXTENSION - ")); len(f) > 0 {
				b.extensions = append(b.extensions, f[0])
			}
		case strings.HasPrefix(d, "TABLE DATA "):
			if f := strings.Fields(d); len(f) >= 4 {
				data[f[2]+" "+f[3]] = line
			}
		case strings.HasPrefix(d, "TABLE "):
			if f := strings.Fields(d); len(f) >= 3 {
				tables[f[1]+" "+f[2]] = true
			}
		}
	}
	b.emptyExtensionData = map[string]bool{}
	for t, line := range data {
		if tables[t] {
			continue
		}
		schema, name, _ := strings.Cut(t, " ")
		rows, err := tableRows(ctx, pg, path, schema, name)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			b.emptyExtensionData[line] = true
		}
	}
	migrations, err := tableRows(ctx, pg, path, "", "schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read the schema version of %s: %w", path, err)
	}
	if len(migrations) == 0 {
		return nil, fmt.Errorf("%s holds no landrelease registry: its database had no migrations applied (schema_migrations)", path)
	}
	slices.Sort(migrations)
	b.migrations = migrations
	return b, nil
}

// tableRows returns the first column of the rows of the table name of schema (any schema if "") in the archive
// at path.
func tableRows(ctx context.Context, pg *pgTool, path, schema, name string) ([]string, error) {
	args := []string{"--data-only", "--table=" + name, "--file=-"}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	var sql bytes.Buffer
	if err := pg.run(ctx, "pg_restore", append(args, "--", path), &sql); err != nil {
		return nil, fmt.Errorf("read table %s of %s: %w", name, path, err)
	}
	rows, _ := copyFirstColumn(sql.Bytes(), name)
	return rows, nil
}

// tocDesc returns an entry of pg_restore --list without its ids: "1234; 2613 470752 BLOB - 470752 owner" gives
// "BLOB - 470752 owner".
func tocDesc(line string) string {
	_, rest, ok := strings.Cut(line, "; ")
	if !ok {
		return ""
	}
	f := strings.SplitN(strings.TrimSpace(rest), " ", 3)
	if len(f) < 3 {
		return ""
	}
	return f[2]
}

// copyFirstColumn returns the first column of the rows of the COPY of table in SQL written by pg_restore, and
// whether there was one. Values are in COPY's text format: the migrations' names need no unescaping.
func copyFirstColumn(sql []byte, table string) ([]string, bool) {
	var rows []string
	in, found := false, false
	sc := bufio.NewScanner(bytes.NewReader(sql))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.HasPrefix(line, "COPY ") && strings.HasSuffix(line, " FROM stdin;") &&
			(strings.HasPrefix(line, "COPY "+table+" ") || strings.Contains(line, "."+table+" ")):
			in, found = true, true
		case in && line == `\.`:
			in = false
		case in:
			first, _, _ := strings.Cut(line, "\t")
			rows = append(rows, first)
		}
	}
	return rows, found
}

// restoreList is the table of contents pg_restore restores from (--use-list): all of the archive's but its
// extensions, their comments and their tables' empty data, which restore creates beforehand if they are missing
// (only their owner, a superuser for PostGIS, may comment on them or write to their tables).
func (b *backupFile) restoreList() string {
	var sb strings.Builder
	for _, line := range b.toc {
		d := tocDesc(line)
		if strings.HasPrefix(d, "EXTENSION - ") || strings.HasPrefix(d, "COMMENT - EXTENSION ") || b.emptyExtensionData[line] {
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return sb.String()
}
