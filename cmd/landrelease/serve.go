package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/landrelease/landrelease/web"
)

func serve(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "serve [--addr HOST:PORT]")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (env LANDRELEASE_ADDR)")
	maxBody := fs.Int64("max-body", 16<<20, "largest request body in bytes, uploads aside")
	maxUpload := fs.Int64("max-upload", 256<<20, "largest upload in bytes")
	if a := e.getenv("LANDRELEASE_ADDR"); a != "" {
		*addr = a
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	index := spatial.NewService()
	var following atomic.Bool
	go followChanges(ctx, e, postgres.NewFeed(db, e.getenv("DATABASE_URL"), e.log), index, &following)
	ready := func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return landrelease.Errorf(landrelease.EUNAVAILABLE, "the database does not answer")
		}
		if !index.Ready() {
			return landrelease.Errorf(landrelease.EUNAVAILABLE, "the spatial index is loading")
		}
		if !following.Load() {
			return landrelease.Errorf(landrelease.EUNAVAILABLE, "the spatial index is reconnecting to the change feed")
		}
		return nil
	}
	reports := postgres.NewReportService(db)
	srv := api.New(api.Config{
		Hazards:      postgres.NewHazardAreaService(db),
		Releases:     postgres.NewLandReleaseService(db),
		Admin:        postgres.NewAdminUnitService(db),
		Users:        postgres.NewUserService(db),
		Reports:      reports,
		Article4:     postgres.NewArticle4Service(db, reports),
		ReportFormat: report.Format,
		Ready:        ready,
		Spatial:      index,
		Uploads:      postgres.NewUploadService(db),
		MaxUpload:    *maxUpload,
		Logger:       e.log,
		MaxBody:      *maxBody,
		Web:          web.Handler(),
		Settings:     postgres.NewSettingService(db),
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(e.stdout, "landrelease serving on http://%s\n", ln.Addr())
	e.log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	e.log.Info("stopped")
	return nil
}

// followChanges loads the spatial index from PostGIS, retrying until the database answers, then keeps it in
// step with every committed change until ctx ends.
func followChanges(ctx context.Context, e *env, feed *postgres.Feed, index *spatial.Service, following *atomic.Bool) {
	for {
		start := time.Now()
		hs, w, err := feed.Load(ctx)
		if err == nil {
			index.Load(hs)
			e.log.Info("spatial index loaded", "hazard_areas", len(hs), "duration", time.Since(start))
			_ = feed.Run(ctx, w, index.Apply, following.Store)
			return
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Warn("spatial index: load failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
