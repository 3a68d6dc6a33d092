package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
	"github.com/landrelease/landrelease/web"
)

func serve(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "serve [--addr HOST:PORT]")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (env LANDRELEASE_ADDR)")
	maxBody := fs.Int64("max-body", 16<<20, "largest request body in bytes")
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
	reports := postgres.NewReportService(db)
	srv := api.New(api.Config{
		Hazards:      postgres.NewHazardAreaService(db),
		Releases:     postgres.NewLandReleaseService(db),
		Admin:        postgres.NewAdminUnitService(db),
		Users:        postgres.NewUserService(db),
		Reports:      reports,
		Article4:     postgres.NewArticle4Service(db, reports),
		ReportFormat: report.Format,
		Ready:        db.Ping,
		Logger:       e.log,
		MaxBody:      *maxBody,
		Web:          web.Handler(),
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
