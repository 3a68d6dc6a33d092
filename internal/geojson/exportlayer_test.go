package geojson

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestExportLayersDocumented holds docs/EXPORT.md's tables of fields (name, type, Shapefile name) to the layers
// the exports write, and checks the Shapefile names: at most ten characters, unique in their layer.
func TestExportLayersDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/EXPORT.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile("^### ([a-z-]+) \\(layer `([a-z_]+)`\\)$")
	row := regexp.MustCompile("^\\| `([a-z0-9_]+)` \\| ([a-z]+) \\| `([a-z0-9_]+)` \\|$")
	documented := map[string][]string{}
	var current string
	for _, line := range strings.Split(string(doc), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			current = m[1] + " " + m[2]
		} else if m := row.FindStringSubmatch(line); m != nil && current != "" {
			documented[current] = append(documented[current], m[1]+" "+m[2]+" "+m[3])
		}
	}
	for _, c := range []landrelease.ExportCollection{landrelease.ExportHazardAreas, landrelease.ExportLandReleases, landrelease.ExportAdminUnits} {
		l := ExportLayer(c, true)
		var fields []string
		shorts := map[string]bool{}
		for _, f := range l.Fields {
			fields = append(fields, f.Name+" "+string(f.Type)+" "+f.Short)
			if len(f.Short) > 10 || shorts[f.Short] {
				t.Errorf("%s: the Shapefile name %q of %s is longer than ten characters or taken", c, f.Short, f.Name)
			}
			if len(f.Name) <= 10 && f.Short != f.Name {
				t.Errorf("%s: %s fits in ten characters but is renamed %q", c, f.Name, f.Short)
			}
			shorts[f.Short] = true
		}
		if got := documented[string(c)+" "+l.Name]; !slices.Equal(got, fields) {
			t.Errorf("docs/EXPORT.md's table of %s:\n %v\nthe layer's fields:\n %v", c, got, fields)
		}
		if without := ExportLayer(c, false); len(without.Fields) != len(l.Fields)-2 {
			t.Errorf("%s without centroids has %d fields", c, len(without.Fields))
		}
	}
}
