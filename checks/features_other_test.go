//go:build !windows

package checks_test

import (
	"context"
	"errors"
	"testing"

	"setup/checks"
)

// TestSystemFeaturesNotSupported shows that, off Windows, the features
// cannot be read or enabled, and that the error says so.
func TestSystemFeaturesNotSupported(t *testing.T) {
	ctx := context.Background()
	f := checks.SystemFeatures()

	if s, err := f.State(ctx); !errors.Is(err, checks.ErrNotSupported) {
		t.Errorf("State() = %+v, %v, want %v", s, err, checks.ErrNotSupported)
	}
	if _, err := checks.WindowsFeatures(ctx); !errors.Is(err, checks.ErrNotSupported) {
		t.Errorf("WindowsFeatures() = %v, want %v", err, checks.ErrNotSupported)
	}
	reboot, err := f.Enable(ctx, []string{checks.FeatureWSL})
	if reboot || !errors.Is(err, checks.ErrNotSupported) {
		t.Errorf("Enable(%s) = %t, %v, want false, %v",
			checks.FeatureWSL, reboot, err, checks.ErrNotSupported)
	}
}
