package api

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// callCounter is a UserService and a SettingService that fail with err when it is set, and count every call,
// failed or not: each is a database round trip (or a connection attempt) in the real services.
type callCounter struct {
	flakyUsers
	landrelease.SettingService
	settings fakeSettings
	calls    int
}

func (c *callCounter) Authenticate(ctx context.Context, token string) (*landrelease.User, error) {
	c.calls++
	return c.flakyUsers.Authenticate(ctx, token)
}

func (c *callCounter) Settings(ctx context.Context) (*landrelease.Settings, error) {
	c.calls++
	c.settings.err = c.err
	return c.settings.Settings(ctx)
}

// TestCredentialChecksBackOff: once a credential check finds the database unavailable, the checks of every
// credential and of public_read wait out a growing delay (100 ms, doubling to 2 s) instead of each request trying
// the database: meanwhile a credential verified within its grace is honoured, one never verified gets the 503 at
// once; the outage is logged once when it begins and once when it ends, and a check after the delay that finds
// the database back ends it: the token never verified is then accepted.
func TestCredentialChecksBackOff(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	down := landrelease.Errorf(landrelease.EUNAVAILABLE, "The registry's database cannot be reached for now.")
	amy := &landrelease.User{ID: 1, Name: "amy", Role: landrelease.RoleDataManager}
	bob := &landrelease.User{ID: 2, Name: "bob", Role: landrelease.RoleFieldTeam}
	svc := &callCounter{flakyUsers: flakyUsers{countingUsers: countingUsers{
		tokens: map[string]*landrelease.User{"lr_a": amy, "lr_b": bob}}}, settings: fakeSettings{on: true}}
	var logs bytes.Buffer
	outage := newDBOutage(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	outage.gate.Rand = func() float64 { return 0 } // delays exactly 100, 200, 400, 800, 1600, 2000, 2000 ms
	now := start
	clock := func() time.Time { return now }
	tokens := newTokenCache()
	tokens.now, tokens.outage = clock, outage
	public := &publicRead{settings: svc, log: func(string, ...any) {}, now: clock, outage: outage}
	ctx := context.Background()
	if _, err := tokens.authenticate(ctx, svc, "lr_a"); err != nil {
		t.Fatal(err)
	}
	if on, err := public.on(ctx); !on || err != nil {
		t.Fatal(on, err)
	}

	svc.err = down
	svc.calls = 0
	// 20 s of requests every 10 ms, past the TTL: amy's token and public_read from the grace, bob's refused.
	now = start.Add(tokenTTL)
	for now.Before(start.Add(tokenTTL + 20*time.Second)) {
		if u, err := tokens.authenticate(ctx, svc, "lr_a"); err != nil || u.Name != "amy" {
			t.Fatalf("%v into the outage, amy's token: %v %v", now.Sub(start), u, err)
		}
		if _, err := tokens.authenticate(ctx, svc, "lr_b"); landrelease.ErrorCode(err) != landrelease.EUNAVAILABLE {
			t.Fatalf("%v into the outage, bob's token never verified: %v, want unavailable", now.Sub(start), err)
		}
		if on, err := public.on(ctx); !on || err != nil {
			t.Fatalf("%v into the outage, public_read: %v %v", now.Sub(start), on, err)
		}
		now = now.Add(10 * time.Millisecond)
	}
	// Checks at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 5.1, 7.1, ... 19.1 s: 14, not 6,000.
	if svc.calls != 14 {
		t.Errorf("%d database calls in 20 s of an outage under 300 requests a second, want 14", svc.calls)
	}

	svc.err = nil
	now = now.Add(2 * time.Second) // past the longest delay
	if u, err := tokens.authenticate(ctx, svc, "lr_b"); err != nil || u.Name != "bob" {
		t.Errorf("bob's token once the database is back: %v %v", u, err)
	}
	if on, err := public.on(ctx); !on || err != nil {
		t.Errorf("public_read once the database is back: %v %v", on, err)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "database unavailable to credential checks") {
		t.Errorf("%d warnings, want the outage's beginning once:\n%s", n, out)
	}
	if n := strings.Count(out, "level=INFO"); n != 1 || !strings.Contains(out, "database available again") || !strings.Contains(out, "failed_checks=14") {
		t.Errorf("%d info lines, want the outage's end once with its 14 failed checks:\n%s", n, out)
	}
}
