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
	code := cli.Main(ctx, os.Args, cli.Build{
		Version:  version,
		Commit:   commit,
		Date:     date,
		Manifest: manifest,
	}, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(int(code))
}
