package engine

import (
	"context"
	"errors"
)

// StartDaemon is not how the engine starts on Windows, where Docker Desktop
// owns it.
func StartDaemon(ctx context.Context, c Command, logFile string) error {
	return errors.New("starting dockerd directly is not supported on Windows; start Docker Desktop")
}
