//go:build !windows

package checks

import (
	"context"
	"fmt"
	"runtime"
)

func readFeatures(context.Context) (FeatureStates, error) {
	return FeatureStates{}, fmt.Errorf("reading Windows features on %s: %w",
		runtime.GOOS, ErrNotSupported)
}

func enableFeatures(context.Context, []string) (bool, error) {
	return false, fmt.Errorf("enabling Windows features on %s: %w",
		runtime.GOOS, ErrNotSupported)
}
