package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/internal/report"
)

// TestArchive archives a loaded registry with two uploads (one approved, one pending) and reads it back as
// someone without landrelease would: GDAL opens every layer with a row per version, the Form F files of every
// year equal the report's, the bodies are the bytes sent, the MANIFEST's hashes hold; an earlier --as-of leaves
// out what was recorded later; and the archive of a backup restored into a new database is the same files,
// byte for byte, as the live registry's.
func TestArchive(t *testing.T) {
	ogr2ogr := needOgr2ogr(t)
	ctx := context.Background()
	srcURL := pgtest.NewDatabase(t)
	if out, err := cliAt(srcURL, "demo", "load", "--hazards", "60", "--admin", "../../testdata/admin1-LA.geojson"); err != nil {
		t.Fatalf("demo load: %v\n%s", err, out)
	}
	a := startOn(t, srcURL)
	field := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))
	const w, s = 102.50, 18.00
	bodies := map[int64][]byte{}
	submit := func(fc map[string]any) int64 {
		t.Helper()
		body, err := json.MarshalIndent(fc, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		res := a.do("POST", "/api/v1/uploads", field, nil, string(append(body, '\n')))
		if res.status != http.StatusCreated {
			t.Fatalf("submit: %d %v", res.status, res.body)
		}
		id := int64(res.body["id"].(float64))
		bodies[id] = append(body, '\n')
		return id
	}
	h1 := hazardFeature("LA-AR-2024-0001", w, s, w+0.002, s+0.001)
	h1["properties"].(map[string]any)["notes"] = "ພື້ນທີ່ອັນຕະລາຍ, \"quoted\", reported by the village chief"
	approved := submit(collection(h1, releaseFeature("LA-AR-2024-0001-R1", "LA-AR-2024-0001", w, s, w+0.001, s+0.001)))
	time.Sleep(10 * time.Millisecond)
	beforeApproval := time.Now()
	time.Sleep(10 * time.Millisecond)
	if res := a.do("POST", fmt.Sprintf("/api/v1/uploads/%d/approve", approved), dm, nil, map[string]string{"comment": "checked"}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %v", res.status, res.body)
	}
	pending := submit(collection(hazardFeature("LA-AR-2024-0002", w+0.01, s, w+0.012, s+0.001)))
	time.Sleep(10 * time.Millisecond)
	asOf := time.Now().UTC()
	time.Sleep(10 * time.Millisecond)
	// Written after the as-of time: in no archive of it.
	if res := a.do("POST", fmt.Sprintf("/api/v1/uploads/%d/reject", pending), dm, nil, map[string]string{"comment": "duplicate"}); res.status != http.StatusOK {
		t.Fatalf("reject: %d %v", res.status, res.body)
	}

	dir := filepath.Join(t.TempDir(), "live")
	if out, err := cliAt(srcURL, "archive", "--out", dir, "--as-of", asOf.Format(time.RFC3339Nano)); err != nil {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	if _, err := os.Stat(dir + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("archive left %s.tmp: %v", dir, err)
	}
	if out, err := cliAt(srcURL, "archive", "--out", dir); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("archive into an existing directory: %v\n%s", err, out)
	}

	// Every layer opens in GDAL, in both formats, with a row per version recorded by the as-of time.
	src := openDB(t, srcURL)
	count := func(q string) int {
		var n int
		if err := src.Pool.QueryRow(ctx, q, asOf).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := map[string]int{
		"hazard_area_versions":  count(`SELECT count(*) FROM hazard_area_version WHERE recorded_at <= $1`),
		"land_release_versions": count(`SELECT count(*) FROM land_release_version WHERE recorded_at <= $1`),
		"admin_units":           count(`SELECT count(*) FROM admin_unit WHERE $1::timestamptz IS NOT NULL`),
	}
	if all := count(`SELECT count(*) FROM hazard_area_version WHERE $1::timestamptz IS NOT NULL`); want["hazard_area_versions"] != all || all <= 60 {
		t.Fatalf("%d hazard area versions recorded by the as-of time of %d: want all of them, more than 60", want["hazard_area_versions"], all)
	}
	var hazards []archivedFeature
	for _, l := range landrelease.ArchiveLayers() {
		for _, ext := range []string{".gpkg", ".csv"} {
			fc := readLayer(t, ogr2ogr, filepath.Join(dir, "layers", l.Name+ext))
			if len(fc) != want[l.Name] {
				t.Errorf("%s%s: %d features, want %d", l.Name, ext, len(fc), want[l.Name])
			}
			for i, f := range fc {
				if f.Geometry == nil {
					t.Errorf("%s%s feature %d has no geometry", l.Name, ext, i)
				}
				for _, fl := range l.Fields {
					if _, ok := f.Properties[fl.Name]; !ok {
						t.Fatalf("%s%s feature %d has no field %s: %v", l.Name, ext, i, fl.Name, f.Properties)
					}
				}
			}
			if l.Name == "hazard_area_versions" && ext == ".gpkg" {
				hazards = fc
			}
		}
	}
	checkValidTo(t, hazards)

	// Form F of every year since the entry into force up to the last complete one, as the report writes it.
	settings, err := postgres.NewSettingService(src).Settings(ctx)
	if err != nil || settings.EntryIntoForce == nil {
		t.Fatalf("settings: %v %+v", err, settings)
	}
	reports := postgres.NewReportService(src)
	years := 0
	for y := settings.EntryIntoForce.Year(); y < asOf.Year(); y++ {
		for _, level := range []int{1, 2} {
			r, err := reports.Article7(ctx, landrelease.Article7Request{Level: level, AsOf: &asOf,
				From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			var wantCSV bytes.Buffer
			if err := report.CSV(&wantCSV, r); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "form-f", formFFile(y, level)+".csv"))
			if err != nil || !bytes.Equal(got, wantCSV.Bytes()) {
				t.Errorf("Form F %d level %d: %v\n%s\nwant\n%s", y, level, err, got, wantCSV.Bytes())
			}
			if st, err := os.Stat(filepath.Join(dir, "form-f", formFFile(y, level)+".xlsx")); err != nil || st.Size() == 0 {
				t.Errorf("Form F %d level %d XLSX: %v", y, level, err)
			}
		}
		years++
	}
	if years < 5 {
		t.Errorf("Form F of %d years: the demo's entry into force should give more", years)
	}
	if _, err := os.Stat(filepath.Join(dir, "form-f", formFFile(asOf.Year(), 1)+".csv")); !os.IsNotExist(err) {
		t.Errorf("Form F of the year not yet complete: %v", err)
	}

	// The bodies as sent, and their index as of the archive's time: the pending upload not yet rejected.
	for id, body := range bodies {
		if got, err := os.ReadFile(filepath.Join(dir, "uploads", landrelease.ArchiveUploadFile(id))); err != nil || !bytes.Equal(got, body) {
			t.Errorf("upload %d body: %v, %d bytes, sent %d", id, err, len(got), len(body))
		}
	}
	index := readCSV(t, filepath.Join(dir, "tables", "uploads.csv"))
	wantIndex := [][]string{landrelease.ArchiveColumns(landrelease.ArchiveUploads)}
	for _, u := range []struct {
		id                int64
		status, decidedBy string
		decided, features bool
	}{{approved, "approved", "manager", true, true}, {pending, "submitted", "", false, true}} {
		row := index[len(wantIndex)]
		wantIndex = append(wantIndex, row)
		if row[0] != fmt.Sprint(u.id) || row[1] != u.status || row[2] != "team7" || row[4] != u.decidedBy ||
			(row[5] != "") != u.decided || row[9] != landrelease.ArchiveUploadFile(u.id) {
			t.Errorf("upload %d in the index: %q", u.id, row)
		}
	}
	if len(index) != len(wantIndex) {
		t.Errorf("uploads index: %d rows, want %d", len(index), len(wantIndex))
	}
	audit := readCSV(t, filepath.Join(dir, "tables", "audit_trail.csv"))
	if n := count(`SELECT count(*) FROM audit_log WHERE at <= $1`); len(audit)-1 != n || n == 0 {
		t.Errorf("audit trail: %d rows, want %d", len(audit)-1, n)
	}
	for _, row := range audit[1:] {
		if row[4] == "reject" {
			t.Errorf("the audit trail holds the rejection made after the as-of time: %q", row)
		}
	}

	// The MANIFEST names every other file with its hash, as sha256sum -c checks it.
	files := archiveFiles(t, dir)
	manifest := readManifest(t, filepath.Join(dir, "MANIFEST"))
	if listed := slices.Sorted(mapsKeys(manifest)); !slices.Equal(listed, slices.DeleteFunc(slices.Clone(files), func(p string) bool { return p == "MANIFEST" })) {
		t.Errorf("MANIFEST lists %v\nthe archive holds %v", listed, files)
	}
	for p, h := range manifest {
		if got, err := fileSHA256(filepath.Join(dir, filepath.FromSlash(p))); err != nil || got != h {
			t.Errorf("MANIFEST: %s has SHA-256 %s, MANIFEST says %s (%v)", p, got, h, err)
		}
	}
	if sum, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sum, "--check", "--quiet", "MANIFEST")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum --check MANIFEST: %v\n%s", err, out)
		}
	}

	// The service's ZIP of the same as-of time, for administrators only, holds the same files.
	path := "/api/v1/archive?as_of=" + url.QueryEscape(asOf.Format(time.RFC3339Nano))
	if status, b := a.fetch(path, dm); status != http.StatusForbidden {
		t.Errorf("a data manager's GET %s: %d %s", path, status, b)
	}
	status, zb := a.fetch(path, admin)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, zb)
	}
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatalf("the archive's ZIP: %v", err)
	}
	var zipped []string
	for _, f := range zr.File {
		prefix, p, _ := strings.Cut(f.Name, "/")
		zipped = append(zipped, p)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		want, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, want) || !strings.HasPrefix(prefix, "landrelease-archive-") {
			t.Errorf("ZIP entry %s differs from the archive's file (%v)", f.Name, err)
		}
	}
	if !slices.Equal(zipped, files) {
		t.Errorf("the ZIP holds %v\nthe archive %v", zipped, files)
	}

	// An as-of time before the approval: the approved upload still pending, its hazard area not yet there.
	early := filepath.Join(t.TempDir(), "early")
	if out, err := cliAt(srcURL, "archive", "--out", early, "--as-of", beforeApproval.UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatalf("archive --as-of before the approval: %v\n%s", err, out)
	}
	if idx := readCSV(t, filepath.Join(early, "tables", "uploads.csv")); len(idx) != 2 || idx[1][1] != "submitted" || idx[1][4] != "" {
		t.Errorf("uploads before the approval: %q", idx)
	}
	if b, err := os.ReadFile(filepath.Join(early, "layers", "hazard_area_versions.csv")); err != nil || bytes.Contains(b, []byte("LA-AR-2024-0001")) {
		t.Errorf("hazard areas before the approval hold the approved one (%v)", err)
	}

	// A backup restored into a new database gives the same archive, byte for byte.
	backup := filepath.Join(t.TempDir(), "landrelease.backup")
	if out, err := cliAt(srcURL, "backup", "--out", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	dstURL := pgtest.NewEmptyDatabase(t)
	if out, err := cliAt(dstURL, "restore", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := cliAt(dstURL, "archive", "--out", restored, "--as-of", asOf.Format(time.RFC3339Nano)); err != nil {
		t.Fatalf("archive of the restored registry: %v\n%s", err, out)
	}
	if got := archiveFiles(t, restored); !slices.Equal(got, files) {
		t.Fatalf("the restored registry's archive holds %v\nthe live one's %v", got, files)
	}
	for _, p := range files {
		live, err1 := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		back, err2 := os.ReadFile(filepath.Join(restored, filepath.FromSlash(p)))
		if err1 != nil || err2 != nil || !bytes.Equal(live, back) {
			t.Errorf("%s differs between the archive of the live registry and of its backup restored (%v, %v)", p, err1, err2)
		}
	}
}

// archivedFeature is a feature of a layer read back through GDAL.
type archivedFeature struct {
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// readLayer reads the single layer of a GeoPackage or a CSV file (its geometry the WKT column) with ogr2ogr,
// as GeoJSON.
func readLayer(t *testing.T, ogr2ogr, path string) []archivedFeature {
	t.Helper()
	args := []string{"-f", "GeoJSON", "/vsistdout/", path}
	if strings.HasSuffix(path, ".csv") {
		args = append(args, "-oo", "GEOM_POSSIBLE_NAMES=WKT", "-oo", "KEEP_GEOM_COLUMNS=NO")
	}
	out, err := exec.Command(ogr2ogr, args...).Output()
	if err != nil {
		t.Fatalf("ogr2ogr %s: %v", path, err)
	}
	var fc struct {
		Features []archivedFeature `json:"features"`
	}
	if err := json.Unmarshal(out, &fc); err != nil {
		t.Fatalf("%s read by GDAL: %v", path, err)
	}
	return fc.Features
}

// checkValidTo checks the field timeline of each hazard area's versions known at the archive's time: sorted by
// valid_from, each holds until the next one's valid_from, the last one without end.
func checkValidTo(t *testing.T, versions []archivedFeature) {
	t.Helper()
	known := map[string][]map[string]any{}
	for _, f := range versions {
		if f.Properties["superseded_at"] == nil {
			id := f.Properties["local_id"].(string)
			known[id] = append(known[id], f.Properties)
		}
	}
	changed := 0
	for id, vs := range known {
		sort.Slice(vs, func(i, j int) bool { return vs[i]["valid_from"].(string) < vs[j]["valid_from"].(string) })
		for i, v := range vs {
			var next any
			if i+1 < len(vs) {
				next = vs[i+1]["valid_from"]
				changed++
			}
			if v["valid_to"] != next {
				t.Errorf("hazard area %s version %v: valid_to %v, want %v", id, v["version"], v["valid_to"], next)
			}
		}
	}
	if changed == 0 {
		t.Error("no hazard area has two versions in field time: valid_to was not checked")
	}
}

// readCSV reads every record of the CSV file at path.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// archiveFiles lists the files of the archive in dir, by path with "/", sorted.
func archiveFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// readManifest reads a MANIFEST: path to hash.
func readManifest(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h, p, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(h) != 64 {
			t.Fatalf("MANIFEST line %q", sc.Text())
		}
		m[p] = h
	}
	return m
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestArchiveReadmeComplete checks that the archive's README gives every field of every table a meaning.
func TestArchiveReadmeComplete(t *testing.T) {
	tables := map[string][]string{"form_f": report.Header()}
	for _, l := range landrelease.ArchiveLayers() {
		for _, f := range l.Fields {
			tables[l.Name] = append(tables[l.Name], f.Name)
		}
	}
	for _, tb := range []landrelease.ArchiveTable{landrelease.ArchiveUploads, landrelease.ArchiveAuditTrail} {
		tables[string(tb)] = landrelease.ArchiveColumns(tb)
	}
	for table, fields := range tables {
		for _, f := range fields {
			if archiveFieldMeaning[table][f] == "" {
				t.Errorf("the README gives %s.%s no meaning", table, f)
			}
		}
		if len(archiveFieldMeaning[table]) != len(fields) {
			t.Errorf("the README describes %d fields of %s, which has %d", len(archiveFieldMeaning[table]), table, len(fields))
		}
	}
	if len(archiveFieldMeaning) != len(tables) {
		t.Errorf("the README describes %d tables, the archive has %d", len(archiveFieldMeaning), len(tables))
	}
	var b bytes.Buffer
	if err := writeArchiveReadme(&b, time.Date(2025, 4, 30, 9, 0, 0, 0, time.UTC), &landrelease.Settings{StateName: "Lao PDR"}, archiveSummary{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Lao PDR", "2025-04-30T09:00:00Z", "| valid_to |", "| balance_diff_m2 |", "SHA", "cancelled", "Record time"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("the README does not say %q", s)
		}
	}
}
