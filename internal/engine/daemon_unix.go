//go:build !windows

package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// StartDaemon starts c in a session of its own, so that it outlives setup,
// with its output appended to logFile.
func StartDaemon(ctx context.Context, c Command, logFile string) error {
	if c.Name == "systemctl" {
		return Run(ctx, c)
	}
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("opening the engine log: %w", err)
	}
	defer log.Close()

	cmd := exec.Command(c.Name, c.Args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.Name, err)
	}
	return cmd.Process.Release()
}
