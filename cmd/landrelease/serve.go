package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/gdal"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/metrics"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/landrelease/landrelease/web"
)

func serve(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "serve [--addr HOST:PORT] [--metrics-addr HOST:PORT] [--secure-cookies] [--trusted-proxy CIDR]... [timeouts]")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (env LANDRELEASE_ADDR)")
	maxBody := fs.Int64("max-body", 16<<20, "largest request body in bytes, uploads aside")
	maxUpload := fs.Int64("max-upload", 256<<20, "largest upload in bytes")
	t := defaultTimeouts
	fs.DurationVar(&t.readHeader, "read-header-timeout", t.readHeader, "longest wait for a request's headers")
	fs.DurationVar(&t.read, "read-timeout", t.read, "longest read of a whole request, body included (an upload of 256 MiB at 0.6 Mbit/s)")
	fs.DurationVar(&t.write, "write-timeout", t.write, "longest time from a request's headers to the end of its response (the read, the work, the reply)")
	fs.DurationVar(&t.idle, "idle-timeout", t.idle, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&t.statement, "statement-timeout", t.statement, "longest database statement, 0 for none (env LANDRELEASE_STATEMENT_TIMEOUT)")
	requestTimeout := fs.Duration("request-timeout", api.DefaultRequestTimeout, "longest work of a request; its database statements are cancelled then (503)")
	heavyTimeout := fs.Duration("heavy-timeout", api.DefaultHeavyTimeout, "longest work of a heavy request: an upload checked or approved, a report")
	heavyConcurrency := fs.Int("heavy-concurrency", api.DefaultHeavyConcurrency, "heavy requests served at once; more wait 2 s, then get 503 with Retry-After")
	secureCookies := fs.Bool("secure-cookies", false, "give the session cookie the Secure attribute, sent over HTTPS only (default: on unless --addr is a loopback address)")
	readURL := fs.String("read-database-url", "", "a streaming replica (hot standby) of the database that reports, pages and the index read from (env DATABASE_READ_URL)")
	maxLag := fs.Duration("replica-max-lag", postgres.DefaultReplicaMaxLag, "replica lag past which reads go to the primary")
	metricsAddr := fs.String("metrics-addr", "", "address of a second listener serving /metrics to Prometheus, without credentials: keep it\non loopback or a private network (env LANDRELEASE_METRICS_ADDR; default none)")
	stop := defaultStop
	fs.DurationVar(&stop.drainDelay, "drain-delay", stop.drainDelay, "on SIGTERM, how long /healthz says draining while requests are still served, before the listener closes")
	fs.DurationVar(&stop.timeout, "shutdown-timeout", stop.timeout, "on SIGTERM, how long requests in flight may take to finish once the listener closed; then they are cut")
	var proxies prefixes
	fs.Var(&proxies, "trusted-proxy", "a proxy's address, or its network as a `CIDR`, whose X-Forwarded-For gives the client's address for sign-in throttling\nand the audit trail; repeatable or comma-separated (default none: the connection's peer is the client)")
	if a := e.getenv("LANDRELEASE_ADDR"); a != "" {
		*addr = a
	}
	if a := e.getenv("LANDRELEASE_METRICS_ADDR"); a != "" {
		*metricsAddr = a
	}
	if v := e.getenv("LANDRELEASE_STATEMENT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("LANDRELEASE_STATEMENT_TIMEOUT=%q is not a duration such as 60s", v)
		}
		t.statement = d
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	secureSet := false
	fs.Visit(func(f *flag.Flag) { secureSet = secureSet || f.Name == "secure-cookies" })
	for _, d := range []time.Duration{t.readHeader, t.read, t.write, t.idle, t.statement, stop.drainDelay, stop.timeout} {
		if d < 0 {
			return errors.New("serve: a timeout is negative")
		}
	}
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL is not set: run `make run`, or set it to postgres://user:password@host:port/db")
	}
	opt, err := replicaOptions(e, postgres.Options{StatementTimeout: t.statement, Logger: e.log}, *readURL, *maxLag)
	if err != nil {
		return err
	}
	db, err := postgres.OpenWith(ctx, url, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	index := spatial.NewService()
	var following atomic.Bool
	// The feed outlives the signal: the index stays current while requests in flight finish (shutdown).
	feedCtx, stopFeed := context.WithCancel(context.WithoutCancel(ctx))
	feedDone := make(chan struct{})
	defer func() { stopFeed(); <-feedDone }() // before the pool closes
	feed := postgres.NewFeed(db, e.getenv("DATABASE_URL"), e.log)
	go func() { defer close(feedDone); followChanges(feedCtx, e, feed, index, &following) }()
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
	m := metrics.New()
	srv := api.New(api.Config{
		Hazards:          postgres.NewHazardAreaService(db),
		Releases:         postgres.NewLandReleaseService(db),
		Admin:            postgres.NewAdminUnitService(db),
		Users:            postgres.NewUserService(db),
		Reports:          reports,
		Article4:         postgres.NewArticle4Service(db, reports),
		ReportFormat:     report.Format,
		WorkPlan:         postgres.NewWorkPlanService(db),
		WorkPlanFormat:   report.WorkPlanFormat,
		Extension:        postgres.NewExtensionService(db, reports),
		ExtensionFormat:  report.ExtensionFormat,
		Completion:       postgres.NewCompletionService(db),
		CompletionFormat: report.CompletionFormat,
		Ready:            ready,
		Spatial:          index,
		CRS:              postgres.NewReprojector(db),
		Uploads:          m.Uploads(postgres.NewUploadService(db, uploadReaders(e))),
		Mappings:         postgres.NewMappingService(db),
		MaxUpload:        *maxUpload,
		Logger:           e.log,
		MaxBody:          *maxBody,
		Web:              web.Handler(),
		Settings:         postgres.NewSettingService(db),
		Audit:            postgres.NewAuditService(db),
		Exports:          postgres.NewAuditService(db),
		Exporter:         gdal.New(gdal.Config{TempDir: e.getenv("LANDRELEASE_EXPORT_TMPDIR")}),
		Archiver:         newArchiveWriter(db, e),
		ArchiveTempDir:   e.getenv("LANDRELEASE_EXPORT_TMPDIR"),
		RequestTimeout:   *requestTimeout,
		HeavyTimeout:     *heavyTimeout,
		HeavyConcurrency: *heavyConcurrency,
		TrustedProxies:   proxies,
		Status:           replicaHealth(db),
		Metrics:          m,
	})
	observe(m, db, index, feed, srv)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if !secureSet {
		*secureCookies = !loopback(ln.Addr())
	}
	var h http.Handler = srv
	if *secureCookies {
		h = api.SecureCookies(srv)
	}
	// Requests run in a context of their own, cut only when a shutdown runs out of time.
	requests, cutRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cutRequests()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle,
		BaseContext: func(net.Listener) context.Context { return requests }}
	if *metricsAddr != "" {
		stopMetrics, err := serveMetrics(e, *metricsAddr, m)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopMetrics() // after the shutdown: Prometheus sees the drain
	}
	fmt.Fprintf(e.stdout, "landrelease serving on http://%s\n", ln.Addr())
	e.log.Info("serving", "addr", ln.Addr().String(), "secure_cookies", *secureCookies,
		"read_header_timeout", t.readHeader.String(), "read_timeout", t.read.String(), "write_timeout", t.write.String(),
		"idle_timeout", t.idle.String(), "statement_timeout", t.statement.String(), "trusted_proxies", proxies.String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if err := stop.run(e, srv, hs, cutRequests); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	e.log.Info("stopped")
	return nil
}

// replicaOptions adds the replica of --read-database-url, or else of DATABASE_READ_URL, to opt.
func replicaOptions(e *env, opt postgres.Options, readURL string, maxLag time.Duration) (postgres.Options, error) {
	if readURL == "" {
		readURL = e.getenv("DATABASE_READ_URL")
	}
	if maxLag <= 0 {
		return opt, errors.New("serve: --replica-max-lag must be positive")
	}
	opt.ReadURL, opt.ReplicaMaxLag = readURL, maxLag
	if readURL != "" {
		e.log.Info("reads may go to a replica", "replica_max_lag", maxLag.String())
	}
	return opt, nil
}

// replicaHealth returns what /healthz tells of db's replica: nil without one.
func replicaHealth(db *postgres.DB) func() map[string]any {
	if !db.HasReplica() {
		return nil
	}
	return func() map[string]any {
		st, _ := db.ReplicaStatus()
		r := map[string]any{
			"up": st.Up, "serving": st.Serving, "lag_seconds": st.Lag.Seconds(), "bytes_behind": st.BytesBehind,
			"replay_lsn": st.ReplayLSN.String(), "primary_lsn": st.PrimaryLSN.String(),
			"replica_reads": st.ReplicaReads, "primary_reads": st.PrimaryReads, "pending_writes": st.PendingWrites,
			"feed_on_replica": st.FeedOnReplica,
		}
		if st.Reason != "" {
			r["reason"] = st.Reason
		}
		if !st.CheckedAt.IsZero() {
			r["checked_at"] = st.CheckedAt.UTC().Format(time.RFC3339Nano)
		}
		return map[string]any{"replica": r}
	}
}

// prefixes is a flag of networks (CIDR, or single addresses), repeatable or comma-separated.
type prefixes []netip.Prefix

func (p *prefixes) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(*p))
	for i, x := range *p {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}

func (p *prefixes) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		x, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return fmt.Errorf("%q is neither a network such as 10.0.0.0/8 nor an address", f)
			}
			x = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		*p = append(*p, x.Masked())
	}
	return nil
}

// timeouts are serve's limits in time; docs/DEPLOYMENT.md explains the defaults.
type timeouts struct {
	readHeader, read, write, idle time.Duration // http.Server's
	statement                     time.Duration // PostgreSQL's statement_timeout on the pool's connections
}

// defaultTimeouts: headers come at once or not at all; a whole request may be an upload of 256 MiB (--max-upload)
// from the field, over a poor link: an hour is 0.6 Mbit/s (larger or slower, split it or run landrelease import
// nearer the database); a response may follow such a read, then the upload's check (minutes at 10^5 features),
// or be a large export to a slow client; the longest statement of the service (a report of 10^5 areas, ~2 s) runs
// well within a minute.
var defaultTimeouts = timeouts{
	readHeader: 10 * time.Second,
	read:       time.Hour,
	write:      time.Hour + 15*time.Minute,
	idle:       2 * time.Minute,
	statement:  time.Minute,
}

// loopback reports whether a is a loopback address: only this machine's browsers reach it, over plain HTTP.
func loopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
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
