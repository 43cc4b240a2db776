// Command bench measures setup against the docker CLI doing the same work
// on the same engine, from the same registry, with the same images: an
// InfluxDB and an app, each pulled, run on a private network and waited
// for until healthy. It also times an idle re-run of setup install and a
// no-op setup upgrade, and checks that neither pulls or recreates
// anything.
//
// Run it from the repository root with a Docker engine running:
//
//	go run ./internal/bench [-n 3] [-poll 100ms] [-trace]
//
// It needs the docker command on PATH and influxd (see testenv.InfluxdEnv).
// Figures go to stdout, progress to stderr. It exits 0 when it measured,
// whether or not a target was met, and 1 when a run failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.runs, "n", 3, "repeat each measurement `N` times")
	flag.DurationVar(&cfg.poll, "poll", 100*time.Millisecond,
		"how often the docker CLI workload polls a health URL")
	flag.BoolVar(&cfg.trace, "trace", false,
		"show each cold install's steps with elapsed times on stderr")
	flag.Parse()

	ctx, stop := signal.NotifyContext(
		context.Background(),
		os.Interrupt,
		syscall.SIGTERM,
	)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	runs  int
	poll  time.Duration
	trace bool
}

// Targets the figures are held against.
const (
	installRatioTarget = 0.80
	idleTarget         = 500 * time.Millisecond
)

// run prepares the registry, the images and setup, measures, prints the
// figures and removes everything it made, also when it fails.
func run(ctx context.Context, cfg config) (err error) {
	if cfg.runs < 1 {
		return fmt.Errorf("-n must be at least 1, got %d", cfg.runs)
	}

	b, err := newBench(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := b.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	res, err := b.measure(ctx)
	if err != nil {
		return err
	}
	report(os.Stdout, cfg.runs, res)
	return nil
}
