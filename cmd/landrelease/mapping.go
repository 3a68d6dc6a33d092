package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// The property mappings of uploads saved by name (docs/UPLOAD.md, "Property mappings"), from the command line,
// acting as an administrator of it as the other admin commands do: the same service and audit trail as the API.

// withMappings runs f with the mapping service, acting as an administrator of the command line.
func withMappings(ctx context.Context, e *env, f func(ctx context.Context, ms *postgres.MappingService) error) error {
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	return describe(f(cliContext(ctx, e), postgres.NewMappingService(db)))
}

func mappingList(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "mapping list", "mapping list   (the presets, then the saved mappings, by name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withMappings(ctx, e, func(ctx context.Context, ms *postgres.MappingService) error {
		list, err := ms.FindMappings(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tVERSION\tUPDATED BY\tUPDATED AT\tDESCRIPTION")
		for _, m := range list {
			version, by := fmt.Sprint(m.Version), m.UpdatedBy
			if m.Preset {
				version, by = "preset", "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", m.Name, version, by, stamp(m.UpdatedAt), oneLine(m.Description, 60))
		}
		return w.Flush()
	})
}

func mappingShow(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "mapping show", "mapping show NAME   (the document as JSON, to edit and save again)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("mapping show needs the name of a mapping")
	}
	return withMappings(ctx, e, func(ctx context.Context, ms *postgres.MappingService) error {
		m, err := ms.FindMapping(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	})
}

func mappingSave(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "mapping save", "mapping save [--name NAME] [--replace] FILE   (a mapping document; - reads standard input)")
	name := fs.String("name", "", "save under this name (default: the document's name; they must agree when both are given)")
	replace := fs.Bool("replace", false, "replace the saved mapping of that name, whatever its version (without it, only a document with the saved version replaces it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("mapping save needs a mapping document: a JSON file, or - for standard input")
	}
	b, err := readMappingFile(fs.Arg(0))
	if err != nil {
		return err
	}
	m, err := landrelease.ParseMapping(b)
	if err != nil {
		return describe(err)
	}
	switch {
	case *name != "" && m.Name != "" && *name != m.Name:
		return fmt.Errorf("the document names mapping %q, --name %q", m.Name, *name)
	case *name != "":
		m.Name = *name
	case m.Name == "":
		return errors.New("the document names no mapping: give --name NAME")
	}
	return withMappings(ctx, e, func(ctx context.Context, ms *postgres.MappingService) error {
		if *replace {
			// The version read now is the one replaced: a save by someone else in between still fails.
			cur, err := ms.FindMapping(ctx, m.Name)
			switch {
			case landrelease.ErrorCode(err) == landrelease.ENOTFOUND:
				m.Version = 0
			case err != nil:
				return err
			default:
				m.Version = cur.Version
			}
		}
		err := ms.SaveMapping(ctx, m)
		if landrelease.ErrorCode(err) == landrelease.EPRECONDITIONREQUIRED {
			return fmt.Errorf("a mapping called %q is saved already: give the document the version it replaces (\"version\", as mapping show prints it), or save with --replace", m.Name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "mapping %s saved (version %d)\n", m.Name, m.Version)
		return nil
	})
}

func mappingDelete(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "mapping delete", "mapping delete [--version N] NAME")
	version := fs.Int("version", 0, "delete only if the saved mapping is at this version (0: any)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("mapping delete needs the name of a mapping")
	}
	return withMappings(ctx, e, func(ctx context.Context, ms *postgres.MappingService) error {
		if err := ms.DeleteMapping(ctx, fs.Arg(0), *version); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "mapping %s deleted\n", fs.Arg(0))
		return nil
	})
}

// readMappingFile reads a mapping document from path ("-": standard input), at most one byte over the limit
// ParseMapping enforces.
func readMappingFile(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, landrelease.MaxMappingBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// oneLine returns s on one line, cut to at most n runes with an ellipsis.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}
