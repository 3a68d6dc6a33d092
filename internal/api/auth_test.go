package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// countingUsers is a UserService whose tokens and sessions are its maps' entries; it counts the lookups.
type countingUsers struct {
	landrelease.UserService
	tokens   map[string]*landrelease.User
	sessions map[string]*landrelease.Session
	lookups  int
}

func (u *countingUsers) Authenticate(_ context.Context, token string) (*landrelease.User, error) {
	u.lookups++
	if v, ok := u.tokens[token]; ok {
		return v, nil
	}
	return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The bearer token is not valid.")
}

// TestTokenCache: a verified token is trusted for tokenTTL without a lookup, then looked up again, so that a
// revoked token is refused within tokenTTL; refused tokens are never kept, and the cache stays bounded.
func TestTokenCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users := &countingUsers{tokens: map[string]*landrelease.User{"lr_a": {ID: 1, Name: "amy", Role: landrelease.RoleDataManager}}}
	c := newTokenCache()
	c.now = func() time.Time { return now }
	ctx := context.Background()
	for range 100 {
		u, err := c.authenticate(ctx, users, "lr_a")
		if err != nil || u.Name != "amy" {
			t.Fatalf("authenticate: %v, %v", u, err)
		}
		u.Name = "changed by a caller" // callers get copies
	}
	if users.lookups != 1 {
		t.Errorf("%d lookups for 100 requests within the TTL, want 1", users.lookups)
	}
	delete(users.tokens, "lr_a") // revoked
	now = now.Add(tokenTTL - time.Millisecond)
	if _, err := c.authenticate(ctx, users, "lr_a"); err != nil {
		t.Errorf("refused before the TTL ran out: %v", err)
	}
	now = now.Add(time.Millisecond)
	if _, err := c.authenticate(ctx, users, "lr_a"); landrelease.ErrorCode(err) != landrelease.EUNAUTHORIZED {
		t.Errorf("a revoked token after the TTL: %v, want unauthorized", err)
	}
	before := users.lookups
	for range 3 {
		if _, err := c.authenticate(ctx, users, "lr_bogus"); landrelease.ErrorCode(err) != landrelease.EUNAUTHORIZED {
			t.Fatalf("bogus token: %v", err)
		}
	}
	if users.lookups-before != 3 {
		t.Errorf("refused tokens were kept: %d lookups for 3 tries", users.lookups-before)
	}
	for i := range maxCachedTokens + 10 {
		tok := fmt.Sprintf("lr_%d", i)
		users.tokens[tok] = &landrelease.User{ID: int64(i), Name: tok, Role: landrelease.RoleFieldTeam}
		if _, err := c.authenticate(ctx, users, tok); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) > maxCachedTokens {
		t.Errorf("%d tokens kept, bound %d", len(c.m), maxCachedTokens)
	}
}

func (u *countingUsers) SessionUser(_ context.Context, secret string) (*landrelease.Session, error) {
	u.lookups++
	if s, ok := u.sessions[secret]; ok {
		return s, nil
	}
	return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The session has ended: sign in again.")
}

// TestSessionCache: a verified session is trusted for tokenTTL at most, or until it expires if sooner; a session
// ended here (dropped) is looked up again at once.
func TestSessionCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users := &countingUsers{sessions: map[string]*landrelease.Session{
		"lrs_a": {User: &landrelease.User{Name: "amy", Role: landrelease.RoleDataManager}, CSRFToken: "c", ExpiresAt: now.Add(time.Hour)},
		"lrs_b": {User: &landrelease.User{Name: "bob", Role: landrelease.RoleFieldTeam}, CSRFToken: "d", ExpiresAt: now.Add(300 * time.Millisecond)},
	}}
	c := newSessionCache()
	c.now = func() time.Time { return now }
	ctx := context.Background()
	for range 10 {
		s, err := c.session(ctx, users, "lrs_a")
		if err != nil || s.User.Name != "amy" || s.CSRFToken != "c" {
			t.Fatalf("session: %+v %v", s, err)
		}
		s.User.Name = "changed by a caller"
	}
	if users.lookups != 1 {
		t.Errorf("%d lookups for 10 requests within the TTL, want 1", users.lookups)
	}
	c.drop("lrs_a") // signed out here
	delete(users.sessions, "lrs_a")
	if _, err := c.session(ctx, users, "lrs_a"); landrelease.ErrorCode(err) != landrelease.EUNAUTHORIZED {
		t.Errorf("a session ended here: %v", err)
	}
	if _, err := c.session(ctx, users, "lrs_b"); err != nil {
		t.Fatal(err)
	}
	delete(users.sessions, "lrs_b")
	now = now.Add(301 * time.Millisecond) // past bob's expiry, within the TTL
	if _, err := c.session(ctx, users, "lrs_b"); landrelease.ErrorCode(err) != landrelease.EUNAUTHORIZED {
		t.Errorf("an expired session trusted past its expiry: %v", err)
	}
}
