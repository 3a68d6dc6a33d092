package api

import (
	"context"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// publicSettings is a SettingService with public reads on, for tests of reads without credentials.
type publicSettings struct{}

func (publicSettings) Settings(context.Context) (*landrelease.Settings, error) {
	return &landrelease.Settings{PublicRead: true}, nil
}

func (publicSettings) SetSetting(context.Context, string, string) error {
	return landrelease.Errorf(landrelease.EFORBIDDEN, "read only")
}

// TestClock: the server's pages and reports take today from Config.Now.
func TestClock(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New(Config{Now: func() time.Time { return at }})
	if got := s.timeStamp(); got != "2030-01-02T03:04:05Z" {
		t.Errorf("timeStamp %s, want the server's clock", got)
	}
	if got := New(Config{}).cfg.Now(); time.Since(got) > time.Minute {
		t.Errorf("the default clock says %v", got)
	}
}
