// Command setup takes a workstation from nothing to a running container
// stack described by the manifest built into it, and keeps it there.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"

	"setup/internal/cli"
)

//go:embed embed/manifest.yaml
var manifest []byte

// Stamped in by the release build.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one ends setup at once.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args, cli.Build{
		Version:  version,
		Commit:   commit,
		Date:     date,
		Manifest: manifest,
	}, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(int(code))
}
