package landrelease_test

import (
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func TestPageLimit(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{-5, 100}, {0, 100}, {1, 1}, {100, 100}, {10_000, 10_000}, {10_001, 10_000}} {
		if got := landrelease.PageLimit(tc.n); got != tc.want {
			t.Errorf("PageLimit(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
