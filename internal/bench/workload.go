package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"setup/internal/testenv"
)

// healthLimit bounds the wait for a service to answer its health URL.
const healthLimit = 60 * time.Second

// results are the figures measured, in the order taken.
type results struct {
	cli     []time.Duration
	setup   []time.Duration
	idle    []time.Duration
	upgrade []time.Duration

	idleEffects    effects
	upgradeEffects effects
}

// effects are what a run that should change nothing did anyway.
type effects struct {
	pulled    bool
	recreated bool
}

// measure takes the cold installs, alternating the docker CLI and setup,
// then the idle re-runs and the no-op upgrades of the last setup install.
func (b *bench) measure(ctx context.Context) (results, error) {
	var res results
	n := b.cfg.runs
	for i := range n {
		if err := b.makeCold(ctx); err != nil {
			return res, err
		}
		start := time.Now()
		if err := b.cliInstall(ctx, b.tracer("docker", start)); err != nil {
			return res, fmt.Errorf("cold install with the docker CLI: %w", err)
		}
		res.cli = append(res.cli, time.Since(start))

		if err := b.makeCold(ctx); err != nil {
			return res, err
		}
		var flags []string
		if b.cfg.trace {
			flags = append(flags, "--verbose")
		}
		_, d, err := b.runSetup(ctx, b.cfg.trace, "install", flags...)
		if err != nil {
			return res, fmt.Errorf("cold install with setup: %w", err)
		}
		res.setup = append(res.setup, d)
		progressf("cold install %d/%d: docker CLI %s, setup install %s",
			i+1, n, seconds(res.cli[i]), seconds(d))
	}

	before, err := b.snapshot(ctx)
	if err != nil {
		return res, fmt.Errorf("after the last install: %w", err)
	}
	for _, x := range []struct {
		command string
		times   *[]time.Duration
		effects *effects
	}{
		{"install", &res.idle, &res.idleEffects},
		{"upgrade", &res.upgrade, &res.upgradeEffects},
	} {
		for i := range n {
			out, d, err := b.runSetup(ctx, false, x.command)
			if err != nil {
				return res, fmt.Errorf("idle setup %s: %w", x.command, err)
			}
			after, err := b.snapshot(ctx)
			if err != nil {
				return res, fmt.Errorf("after setup %s: %w", x.command, err)
			}

			*x.times = append(*x.times, d)
			lower := strings.ToLower(out)
			pulled := strings.Contains(lower, "pulling") ||
				strings.Contains(lower, "pulled") ||
				imagesChanged(before, after)
			x.effects.pulled = x.effects.pulled || pulled
			x.effects.recreated = x.effects.recreated || recreated(before, after)
			progressf("idle setup %s %d/%d: %s", x.command, i+1, n, seconds(d))
		}
	}
	return res, nil
}

// cliInstall does with the docker CLI what setup install does: both pulls
// at once, the network, the volume, then each service started and waited
// for until healthy, InfluxDB first.
func (b *bench) cliInstall(ctx context.Context, tr *tracer) error {
	label := testenv.ProductLabel + "=" + b.cliID
	netName := b.cliID
	volName := b.cliID + "_data"
	influx, app := b.images[0], b.images[1]

	errs := make([]error, len(b.images))
	var wg sync.WaitGroup
	for i, img := range b.images {
		wg.Go(func() { errs[i] = docker(ctx, "pull", img.ref()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	tr.step("pulled both images")

	if err := docker(ctx, "network", "create", "--label", label, netName); err != nil {
		return err
	}
	if err := docker(ctx, "volume", "create", "--label", label, volName); err != nil {
		return err
	}
	tr.step("network and volume created")

	err := docker(ctx, "run", "-d",
		"--name", b.cliID+"-influxdb",
		"--label", label,
		"--network", netName,
		"--network-alias", "influxdb",
		"-p", publish(b.cliPorts.influx, 8086),
		"-v", volName+":/var/lib/influxdb",
		"--restart", "unless-stopped",
		influx.ref(),
	)
	if err != nil {
		return err
	}
	tr.step("influxdb started")
	ping := fmt.Sprintf("http://127.0.0.1:%d/ping", b.cliPorts.influx)
	if err := waitHealthy(ctx, ping, b.cfg.poll); err != nil {
		return err
	}
	tr.step("influxdb healthy")

	err = docker(ctx, "run", "-d",
		"--name", b.cliID+"-app",
		"--label", label,
		"--network", netName,
		"--network-alias", "app",
		"-e", "INFLUX_URL=http://influxdb:8086",
		"-e", "APP_TOKEN=x",
		"-p", publish(b.cliPorts.app, 8080),
		"--restart", "unless-stopped",
		app.ref(),
	)
	if err != nil {
		return err
	}
	tr.step("app started")
	health := fmt.Sprintf("http://127.0.0.1:%d/health", b.cliPorts.app)
	if err := waitHealthy(ctx, health, b.cfg.poll); err != nil {
		return err
	}
	tr.step("app healthy")
	return nil
}

// publish is the -p value that publishes guest on host port of 127.0.0.1.
func publish(host, guest int) string {
	return "127.0.0.1:" + strconv.Itoa(host) + ":" + strconv.Itoa(guest)
}

// waitHealthy asks url every so often until it answers 2xx.
func waitHealthy(ctx context.Context, url string, every time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, healthLimit)
	defer cancel()

	c := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("asking %s: %w", url, err)
		}
		resp, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}

		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last answer: %s)", url, ctx.Err(), last)
		case <-time.After(every):
		}
	}
}

// docker runs the docker command and fails with its output.
func docker(ctx context.Context, args ...string) error {
	if out, err := dockerCmd(ctx, args...); err != nil {
		return fmt.Errorf("running docker %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// dockerCmd runs the docker command and returns its output, both streams.
func dockerCmd(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// runSetup runs setup's command with the bench manifest, unattended, and
// returns its output, both streams, and how long it ran. With trace, each
// line it writes is also shown on stderr with the time it came.
func (b *bench) runSetup(
	ctx context.Context,
	trace bool,
	command string,
	flags ...string,
) (string, time.Duration, error) {
	args := append([]string{command, "--manifest", b.manifest, "--unattended"}, flags...)
	cmd := exec.CommandContext(ctx, b.setupBin, args...)
	cmd.Env = b.env

	var out bytes.Buffer
	var w io.Writer = &out
	start := time.Now()
	if trace {
		w = io.MultiWriter(&out, &stampWriter{w: os.Stderr, start: start})
	}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return out.String(), d, fmt.Errorf("running setup %s: %w\n%s",
			strings.Join(args, " "), err, out.String())
	}
	return out.String(), d, nil
}

// tracer shows the steps of the docker CLI workload with the time since
// it started; a nil tracer shows nothing.
type tracer struct {
	name  string
	start time.Time
}

func (b *bench) tracer(name string, start time.Time) *tracer {
	if !b.cfg.trace {
		return nil
	}
	return &tracer{name: name, start: start}
}

func (t *tracer) step(what string) {
	if t == nil {
		return
	}
	stamp(os.Stderr, t.name, t.start, what)
}

// stampWriter writes each whole line given to it to w, prefixed with the
// time since start.
type stampWriter struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	buf   []byte
}

func (s *stampWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		stamp(s.w, "setup", s.start, string(s.buf[:i]))
		s.buf = s.buf[i+1:]
	}
}

// stamp writes one trace line: the clock, for matching 'docker events',
// who wrote it, the time since start and the line.
func stamp(w io.Writer, who string, start time.Time, line string) {
	now := time.Now()
	fmt.Fprintf(w, "  %s %-6s %7.3f s  %s\n",
		now.Format("15:04:05.000"), who, now.Sub(start).Seconds(), line)
}
