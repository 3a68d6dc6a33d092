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

// flakyUsers is a UserService that answers from its maps, or fails every lookup with err when err is set (the
// database unreachable, say).
type flakyUsers struct {
	countingUsers
	err error
}

func (u *flakyUsers) Authenticate(ctx context.Context, token string) (*landrelease.User, error) {
	if u.err != nil {
		return nil, u.err
	}
	return u.countingUsers.Authenticate(ctx, token)
}

func (u *flakyUsers) SessionUser(ctx context.Context, secret string) (*landrelease.Session, error) {
	if u.err != nil {
		return nil, u.err
	}
	return u.countingUsers.SessionUser(ctx, secret)
}

// TestCredentialGrace: while the database is unavailable, a token or a session verified within credentialGrace
// is still honoured (a session no later than its expiry); one never verified, or verified longer ago, gets the
// unavailable error; any other failure (a revocation seen) forgets the credential at once.
func TestCredentialGrace(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	down := landrelease.Errorf(landrelease.EUNAVAILABLE, "The registry's database cannot be reached for now.")
	broken := landrelease.Errorf(landrelease.EINTERNAL, "something else")
	amy := &landrelease.User{ID: 1, Name: "amy", Role: landrelease.RoleDataManager}
	cases := []struct {
		name     string
		verified bool          // looked up once while the database answered
		after    time.Duration // then this long later, with the database failing with err
		err      error
		expires  time.Duration // the session's expiry after start
		want     string
	}{
		{"verified, the database down just after the TTL", true, tokenTTL, down, time.Hour, ""},
		{"verified, the database down within the grace", true, credentialGrace - time.Millisecond, down, time.Hour, ""},
		{"verified, the database down at the grace's end", true, credentialGrace, down, time.Hour, landrelease.EUNAVAILABLE},
		{"verified, the database down long after", true, time.Hour, down, 2 * time.Hour, landrelease.EUNAVAILABLE},
		{"never verified, the database down", false, tokenTTL, down, time.Hour, landrelease.EUNAVAILABLE},
		{"verified, another failure within the grace", true, tokenTTL, broken, time.Hour, landrelease.EINTERNAL},
		{"verified, the session expired within the grace (the token has no expiry)", true, 2 * time.Minute, down, time.Minute, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			users := &flakyUsers{countingUsers: countingUsers{
				tokens:   map[string]*landrelease.User{"lr_a": amy},
				sessions: map[string]*landrelease.Session{"lrs_a": {User: amy, CSRFToken: "c", ExpiresAt: start.Add(tc.expires)}},
			}}
			now := start
			tokens, sessions := newTokenCache(), newSessionCache()
			tokens.now = func() time.Time { return now }
			sessions.now = func() time.Time { return now }
			ctx := context.Background()
			if tc.verified {
				if _, err := tokens.authenticate(ctx, users, "lr_a"); err != nil {
					t.Fatal(err)
				}
				if _, err := sessions.session(ctx, users, "lrs_a"); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(tc.after)
			users.err = tc.err
			u, err := tokens.authenticate(ctx, users, "lr_a")
			if landrelease.ErrorCode(err) != tc.want || (err == nil && u.Name != "amy") {
				t.Errorf("token: %v, %v; want error code %q", u, err, tc.want)
			}
			want := tc.want
			if tc.expires <= tc.after && want == "" {
				want = landrelease.EUNAVAILABLE
			}
			s, err := sessions.session(ctx, users, "lrs_a")
			if landrelease.ErrorCode(err) != want || (err == nil && s.User.Name != "amy") {
				t.Errorf("session: %+v, %v; want error code %q", s, err, want)
			}
			if tc.err == broken && tc.verified { // forgotten: not honoured once the database is down either
				users.err = down
				if _, err := tokens.authenticate(ctx, users, "lr_a"); landrelease.ErrorCode(err) != landrelease.EUNAVAILABLE {
					t.Errorf("a token forgotten after a failure, then the database down: %v, want unavailable", err)
				}
			}
		})
	}
}

// fakeSettings is a SettingService whose public_read is on, or whose reads fail with err when err is set.
type fakeSettings struct {
	landrelease.SettingService
	on  bool
	err error
}

func (f *fakeSettings) Settings(context.Context) (*landrelease.Settings, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &landrelease.Settings{PublicRead: f.on}, nil
}

// TestPublicReadGrace: while the database is unavailable, the public_read setting last read holds for
// credentialGrace after that read; never read, or past it, the unavailable error comes back; another failure
// leaves public reads off.
func TestPublicReadGrace(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	down := landrelease.Errorf(landrelease.EUNAVAILABLE, "The registry's database cannot be reached for now.")
	cases := []struct {
		name  string
		read  bool // read once while the database answered (public_read on)
		after time.Duration
		err   error
		want  bool
		code  string
	}{
		{"read, the database down after the TTL", true, publicReadTTL, down, true, ""},
		{"read, the database down within the grace", true, credentialGrace - time.Millisecond, down, true, ""},
		{"read, the database down at the grace's end", true, credentialGrace, down, false, landrelease.EUNAVAILABLE},
		{"never read, the database down", false, 0, down, false, landrelease.EUNAVAILABLE},
		{"read, another failure", true, publicReadTTL, landrelease.Errorf(landrelease.EINTERNAL, "x"), false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			st := &fakeSettings{on: true}
			p := &publicRead{settings: st, log: func(string, ...any) {}, now: func() time.Time { return now }}
			if tc.read {
				if on, err := p.on(context.Background()); !on || err != nil {
					t.Fatalf("first read: %v %v", on, err)
				}
			}
			now = now.Add(tc.after)
			st.err = tc.err
			on, err := p.on(context.Background())
			if on != tc.want || landrelease.ErrorCode(err) != tc.code {
				t.Errorf("on: %v, %v; want %v with error code %q", on, err, tc.want, tc.code)
			}
		})
	}
}
