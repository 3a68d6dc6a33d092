package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/spool"
)

// TestUploadKeyRace: two submissions of one body with the same Idempotency-Key, at once (a field team's retry
// over a poor connection while the first is still being checked): one upload is stored, both answers name it,
// exactly one of them as a replay.
func TestUploadKeyRace(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	uploads := postgres.NewUploadService(r.db, geojson.Reader{})
	var fs []any
	for i := range 200 {
		lon := 103.3 + float64(i%20)*0.005
		lat := 19.3 + float64(i/20)*0.005
		fs = append(fs, geojson.HazardInputFeature(hazard(fmt.Sprintf("KR-%03d", i), square(lon, lat, lon+0.002, lat+0.002), "2021-01-01")))
	}
	b1, b2 := body(t, fs...), body(t, fs...)
	type answer struct {
		up       *landrelease.Upload
		replayed bool
		err      error
	}
	answers := make([]answer, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range []*spool.File{b1, b2} {
		wg.Go(func() {
			<-start
			up, replayed, err := uploads.Submit(r.ctx, b, landrelease.UploadSource{}, "retry-7")
			answers[i] = answer{up, replayed, err}
		})
	}
	close(start)
	wg.Wait()
	for i, a := range answers {
		if a.err != nil {
			t.Fatalf("submission %d: %v", i, a.err)
		}
	}
	if answers[0].up.ID != answers[1].up.ID || answers[0].replayed == answers[1].replayed {
		t.Errorf("answers: upload %d (replayed %v) and upload %d (replayed %v); want one upload, one replay",
			answers[0].up.ID, answers[0].replayed, answers[1].up.ID, answers[1].replayed)
	}
	var n int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM upload WHERE idempotency_key = 'retry-7'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d uploads stored for one key (%v)", n, err)
	}
	if _, err := uploads.Approve(landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager}), answers[0].up.ID, "ok"); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM hazard_area WHERE local_id LIKE 'KR-%'`).Scan(&n); err != nil || n != 200 {
		t.Errorf("%d hazard areas after the approval, want 200 (%v)", n, err)
	}
}

// TestUploadStagingLost: the staged areas of a submitted upload live in an unlogged table, which PostgreSQL empties
// after a crash. Review and approval then check and write everything from the stored body: the same report, the
// same records.
func TestUploadStagingLost(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	uploads := postgres.NewUploadService(r.db, geojson.Reader{})
	var fs []any
	for i := range 30 {
		lon := 103.6 + float64(i)*0.005
		fs = append(fs, geojson.HazardInputFeature(hazard(fmt.Sprintf("SL-%02d", i), square(lon, 19.6, lon+0.002, 19.602), "2021-01-01")))
	}
	up, _, err := uploads.Submit(r.ctx, body(t, fs...), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var staged int
	if err := r.db.Pool.QueryRow(ctx, `SELECT count(*) FROM upload_staged_hazard WHERE upload_id = $1`, up.ID).Scan(&staged); err != nil || staged != 30 {
		t.Fatalf("%d areas staged (%v), want 30", staged, err)
	}
	if _, err := r.db.Pool.Exec(ctx, `TRUNCATE upload_staged_hazard`); err != nil { // as crash recovery does
		t.Fatal(err)
	}
	seen, err := uploads.FindUpload(r.ctx, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !seen.Report.Accepted || seen.Report.New != 30 {
		t.Errorf("review after the staging was lost: %+v", seen.Report)
	}
	done, err := uploads.Approve(r.ctx, up.ID, "after a crash")
	if err != nil {
		t.Fatalf("approve after the staging was lost: %v", err)
	}
	if done.Status != landrelease.UploadApproved || done.Report.New != 30 {
		t.Errorf("approved: %s, report %+v", done.Status, done.Report)
	}
	var n int
	if err := r.db.Pool.QueryRow(ctx, `SELECT count(*) FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
		WHERE h.local_id LIKE 'SL-%' AND v.version = 1 AND v.is_current AND v.area_m2 > 0 AND v.admin1_id IS NOT NULL`).Scan(&n); err != nil || n != 30 {
		t.Errorf("%d areas written with their area and province, want 30 (%v)", n, err)
	}
}
