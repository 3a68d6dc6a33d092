package api

import (
	"context"

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
