# landrelease — developer entry points.
#
#   make run    build, provision PostgreSQL/PostGIS if needed, migrate, load the
#               demo data (if empty) and serve on $(ADDR)
#   make test   go vet + go test against a provisioned database (the concurrency-
#               sensitive tests with -race)
#   make test-faults, make load
#               the longer fault tests, and a sustained load on two instances;
#               not part of make test
#
# Database: if DATABASE_URL is set in the environment it is used as is.
# Otherwise .ci/db installs postgresql-15 + postgresql-15-postgis-3 from
# Debian's packages when missing and runs a private cluster under .pg/ on
# 127.0.0.1:$${PGPORT_LANDRELEASE:-25429}. Provisioning only happens inside the
# recipes that need a database, never when the Makefile is parsed.
#
# Roles (make run): migrations and the demo load run as the owner of the
# registry, the server as a role with only the privileges `landrelease grant`
# gives it (it can append to audit_log, never change it): in the private
# cluster, landrelease and landrelease_app. With DATABASE_URL set, make run
# uses it for everything, unless DATABASE_OWNER_URL is set too: then it
# migrates, grants (to the user of DATABASE_URL) and loads the demo as
# DATABASE_OWNER_URL and serves as DATABASE_URL. Tests run as the owner.
#
# Backups: `bin/landrelease backup --out FILE` (as the owner, while the server
# serves) and `restore`; docs/DEPLOYMENT.md ("Backups") sets up a nightly one
# with systemd or cron, keeping 14 days.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
ADDR      ?= 127.0.0.1:8080
BIN       := bin/landrelease
PKG       := ./cmd/landrelease
DB        := bash .ci/db
GOTESTFLAGS ?=
# make test runs the concurrency-sensitive tests with the race detector, beside the others: all of RACE_PKGS (the
# R-tree index and its snapshots; the HTTP server's feature, map, token and session caches and its other shared
# state), which do not run a second time without it, and the tests of RACE_RUN_PKGS that RACE_RUN matches (the
# change feed on a busy pool and across a long transaction, two instances following one registry, revoked
# credentials, reads from a streaming replica of the test cluster).
RACE_PKGS     := ./internal/spatial ./internal/api
RACE_RUN_PKGS := ./internal/postgres ./cmd/landrelease
RACE_RUN      := Feed|Instances|Credentials|Cache|Replica
BENCH     ?= .
STATICCHECK_VERSION := 2025.1.1

# Go sources, excluding local state and front-end dependencies.
GOFILES_CMD := find . -type f -name '*.go' -not -path './.git/*' -not -path './.pg/*' -not -path './web/node_modules/*' -print0

.PHONY: help build web chromium gdal cc run test long-test test-faults load bench lint fmt vet db db-stop db-status clean

help: ## show this help
	@echo 'usage: make <target>'
	@grep -E '^[a-zA-Z_-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/  \1\t\2/' | expand -t 14

web: ## build the front-end into web/dist (npm ci && npm run build; no-op without web/package.json)
	@if [ ! -f web/package.json ]; then \
		echo 'web: no web/package.json; skipping front-end build'; \
	else \
		command -v npm >/dev/null || { echo 'web: npm is required to build web/ (apt-get install npm)' >&2; exit 1; }; \
		if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
			if [ -f web/package-lock.json ]; then npm --prefix web ci --no-audit --no-fund; else npm --prefix web install; fi; \
		fi; \
		npm --prefix web run build; \
	fi

chromium: ## ensure a headless Chromium for the browser tests (installs Debian's chromium when missing)
	@bash .ci/chromium >/dev/null

gdal: ## ensure GDAL's ogr2ogr and ogrinfo for the exports and the GIS-client tests (installs Debian's gdal-bin when missing)
	@bash .ci/gdal >/dev/null

build: web ## build bin/landrelease
	$(GO) build -o $(BIN) $(PKG)

run: build gdal ## provision the database, ensure GDAL (exports), migrate and load demo data (as the owner), serve on ADDR (127.0.0.1:8080) as the service role
	@OWNER_URL="$$($(DB))"; \
	if [ -z "$${DATABASE_URL:-}" ]; then SERVICE_URL="$$($(DB) service-url)"; \
	elif [ -n "$${DATABASE_OWNER_URL:-}" ]; then OWNER_URL="$$DATABASE_OWNER_URL"; SERVICE_URL="$$DATABASE_URL"; \
	else SERVICE_URL="$$DATABASE_URL"; fi; \
	echo '+ $(BIN) migrate   (as the owner)'; DATABASE_URL="$$OWNER_URL" $(BIN) migrate; \
	if [ "$$SERVICE_URL" != "$$OWNER_URL" ]; then \
		echo '+ $(BIN) grant --service-url-env LANDRELEASE_SERVICE_URL   (as the owner)'; \
		DATABASE_URL="$$OWNER_URL" LANDRELEASE_SERVICE_URL="$$SERVICE_URL" $(BIN) grant --service-url-env LANDRELEASE_SERVICE_URL; \
	fi; \
	echo '+ $(BIN) demo load --if-empty   (as the owner)'; DATABASE_URL="$$OWNER_URL" $(BIN) demo load --if-empty; \
	unset DATABASE_OWNER_URL; export DATABASE_URL="$$SERVICE_URL"; \
	echo '+ $(BIN) serve --addr $(ADDR)   (as the service role)'; exec $(BIN) serve --addr '$(ADDR)'

vet: ## go vet
	$(GO) vet ./...

cc: ## ensure a C compiler for the race detector (installs Debian's gcc when missing)
	@bash .ci/cc >/dev/null

test: vet web chromium gdal cc ## build the web assets, ensure chromium, GDAL and a C compiler, go vet + go test ./... (browser and GDAL tests included; the concurrency-sensitive ones with -race)
	@URL="$$($(DB))"; \
	export DATABASE_URL="$$URL"; \
	race="$$($(GO) list $(RACE_PKGS))"; \
	rest="$$($(GO) list ./... | grep -vxF "$$race")"; \
	echo "+ $(GO) test -race -count=1 -timeout 14m $(GOTESTFLAGS) $(RACE_PKGS) &"; \
	echo "+ $(GO) test -race -count=1 -timeout 14m -run '$(RACE_RUN)' $(GOTESTFLAGS) $(RACE_RUN_PKGS) &"; \
	{ $(GO) test -race -count=1 -timeout 14m $(GOTESTFLAGS) $(RACE_PKGS) && \
	  $(GO) test -race -count=1 -timeout 14m -run '$(RACE_RUN)' $(GOTESTFLAGS) $(RACE_RUN_PKGS); } & racing=$$!; \
	echo '+ $(GO) test -count=1 -timeout 14m $(GOTESTFLAGS) <./... but $(RACE_PKGS)>'; \
	rc=0; $(GO) test -count=1 -timeout 14m $(GOTESTFLAGS) $$rest || rc=$$?; \
	wait $$racing || rc=$$?; \
	exit $$rc

long-test: ## the long tests (10^4 features, most of them land releases, uploaded end to end), against the provisioned database
	@URL="$$($(DB))"; \
	export DATABASE_URL="$$URL" LANDRELEASE_LONG_TESTS=1; \
	$(GO) test -count=1 -timeout 60m -run 'TestUploadTenThousandMixed' -v ./cmd/landrelease

# The longer fault tests: a real PostgreSQL cluster of the test's own stopped (-m fast), crashed (-m immediate) and
# restarted under read load, and serve killed with SIGKILL during the approval of 10^4 new areas
# (docs/DEPLOYMENT.md, "Faults tested").
FAULT_RUN := TestPostgresRestartUnderReads|TestDatabaseRestartUnderReads|TestKilledDuringApproval|TestFeedReconnectsWithBackoff
test-faults: ## the longer fault tests: PostgreSQL stopped, crashed and restarted under reads; SIGKILL during a 10^4-area approval
	@URL="$$($(DB))"; \
	export DATABASE_URL="$$URL" LANDRELEASE_FAULT_TESTS=1; \
	echo "+ $(GO) test -count=1 -timeout 30m -run '$(FAULT_RUN)' -v ./cmd/landrelease ./internal/postgres"; \
	$(GO) test -count=1 -timeout 30m -run '$(FAULT_RUN)' -v $(GOTESTFLAGS) ./cmd/landrelease ./internal/postgres

# make load: two instances of serve on one database with the demo, LOAD_CLIENTS clients for LOAD_DURATION on
# loopback (LOAD_HAZARDS demo areas), then the database checked (docs/BENCHMARKS.md, "Sustained load").
LOAD_DURATION ?= 60s
LOAD_CLIENTS  ?= 100
LOAD_HAZARDS  ?= 3000
load: ## sustained mixed load on two instances (LOAD_CLIENTS=100 for LOAD_DURATION=60s), then checks: no 5xx but 503s, no lost update or duplicate
	@URL="$$($(DB))"; \
	export DATABASE_URL="$$URL" LANDRELEASE_LOAD=1 LOAD_DURATION='$(LOAD_DURATION)' LOAD_CLIENTS='$(LOAD_CLIENTS)' LOAD_HAZARDS='$(LOAD_HAZARDS)'; \
	echo "+ $(GO) test -count=1 -timeout 30m -run '^TestLoad$$' -v ./cmd/landrelease  (LOAD_CLIENTS=$(LOAD_CLIENTS) LOAD_DURATION=$(LOAD_DURATION))"; \
	$(GO) test -count=1 -timeout 30m -run '^TestLoad$$' -v $(GOTESTFLAGS) ./cmd/landrelease

bench: ## go benchmarks against the provisioned database (LANDRELEASE_BENCH_SCALE passes through)
	@URL="$$($(DB))"; \
	export DATABASE_URL="$$URL"; \
	$(if $(LANDRELEASE_BENCH_SCALE),export LANDRELEASE_BENCH_SCALE='$(LANDRELEASE_BENCH_SCALE)';) \
	echo "+ $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(GOTESTFLAGS) ./..."; \
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(GOTESTFLAGS) ./...

lint: ## gofmt check, go vet, staticcheck
	@out="$$($(GOFILES_CMD) | xargs -0 -r gofmt -l)"; \
	if [ -n "$$out" ]; then echo 'gofmt: these files need formatting (run make fmt):' >&2; echo "$$out" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fmt: ## gofmt -w all Go files
	@$(GOFILES_CMD) | xargs -0 -r gofmt -l -w

db: ## ensure the database and print its URL, e.g. psql "$(make -s db)"
	@$(DB)

db-stop: ## stop the private cluster in .pg/ (if any)
	@$(DB) stop

db-status: ## is the private cluster running?
	@$(DB) status || true

clean: ## remove build output
	rm -rf bin/
