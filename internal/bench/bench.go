package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"setup/internal/testenv"
)

// ports are the host ports a stack publishes.
type ports struct {
	influx int
	app    int
}

// bench holds what the measurements share.
type bench struct {
	cfg    config
	docker *client.Client
	reg    *testenv.Registry
	dir    string
	images []benchImage

	// setup's product, its program, manifest, environment and folders
	setupBin   string
	setupID    string
	setupPorts ports
	manifest   string
	env        []string
	home       string
	stateDir   string

	// the names the docker CLI workload gives what it makes
	cliID    string
	cliPorts ports
}

// newBench checks the engine and the docker command, builds setup, starts
// the registry and pushes the images. Whatever it made is removed when it
// fails.
func newBench(ctx context.Context, cfg config) (_ *bench, err error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return nil, fmt.Errorf("finding the docker command: %w", err)
	}
	docker, err := client.NewClientWithOpts(
		client.FromEnv,
		client.WithAPIVersionNegotiation(),
	)
	if err != nil {
		return nil, fmt.Errorf("creating the Docker client: %w", err)
	}
	b := &bench{cfg: cfg, docker: docker}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if _, err := docker.Ping(ctx); err != nil {
		return nil, fmt.Errorf("reaching the Docker engine: %w", err)
	}

	if b.dir, err = os.MkdirTemp("", "setup-bench-"); err != nil {
		return nil, fmt.Errorf("making a temporary folder: %w", err)
	}

	progressf("building setup")
	b.setupBin = filepath.Join(b.dir, "setup")
	build := exec.CommandContext(ctx, "go", "build", "-o", b.setupBin, "setup")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building setup: %w: %s", err, bytes.TrimSpace(out))
	}

	progressf("building and pushing the images")
	if b.reg, err = testenv.StartRegistry(); err != nil {
		return nil, err
	}
	b.setupID = testenv.UniqueID("bench")
	b.cliID = testenv.UniqueID("benchcli")
	if b.images, err = pushImages(b.reg, b.setupID); err != nil {
		return nil, err
	}

	free, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	b.setupPorts = ports{influx: free[0], app: free[1]}
	b.cliPorts = ports{influx: free[2], app: free[3]}

	if err := b.prepareSetup(); err != nil {
		return nil, err
	}
	return b, nil
}

// freePorts returns n distinct ports free on 127.0.0.1. Another process
// may take one before the caller does.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		// Each listener stays open until all are found, so that the
		// ports differ.
		defer ln.Close()
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// prepareSetup writes setup's manifest, a browser that opens nothing, and
// the environment setup runs in.
func (b *bench) prepareSetup() error {
	b.home = filepath.Join(b.dir, "home")
	b.stateDir = filepath.Join(b.dir, "state")
	browser := filepath.Join(b.dir, "browser")
	if err := os.WriteFile(browser, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		return fmt.Errorf("writing the browser script: %w", err)
	}
	b.env = append(os.Environ(),
		"HOME="+b.home,
		"XDG_DATA_HOME=",
		"XDG_CONFIG_HOME=",
		"SETUP_STATE_DIR="+b.stateDir,
		"BROWSER="+browser,
		"CI=true",
	)

	m := fmt.Sprintf(`schema: 1
product:
  id: %[1]s
  name: Bench
  publisher: Bench
requires:
  memory: 256MiB
  disk: 1GiB
runtime:
  engine: ">= 20.10"
services:
  influxdb:
    image: %[2]s/influxdb
    version: "~1.6"
    ports: ["127.0.0.1:%[3]d:8086"]
    volumes: ["data:/var/lib/influxdb"]
    health: {url: "http://127.0.0.1:%[3]d/ping", timeout: 60s}
  app:
    image: %[2]s/app
    version: "^1.4"
    depends_on: [influxdb]
    ports: ["127.0.0.1:%[4]d:8080"]
    environment: {INFLUX_URL: "http://influxdb:8086"}
    secrets: [APP_TOKEN]
    health: {url: "http://127.0.0.1:%[4]d/health", timeout: 60s}
shortcuts:
  - name: Bench
    url: http://127.0.0.1:%[4]d/
`, b.setupID, b.reg.Host(), b.setupPorts.influx, b.setupPorts.app)
	b.manifest = filepath.Join(b.dir, "manifest.yaml")
	if err := os.WriteFile(b.manifest, []byte(m), 0o644); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	return nil
}

// close removes what both workloads made, the pulled images, the
// registry and the temporary folder. It runs to the end even when the
// run was cancelled.
func (b *bench) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var errs []error
	if b.images != nil {
		errs = append(errs, b.removeAll(ctx))
	}
	if b.reg != nil {
		errs = append(errs, b.reg.Close())
	}
	if b.dir != "" {
		errs = append(errs, os.RemoveAll(b.dir))
	}
	errs = append(errs, b.docker.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cleaning up: %w", err)
	}
	return nil
}

// removeAll removes the containers, networks and volumes of both
// workloads, then the images.
func (b *bench) removeAll(ctx context.Context) error {
	var errs []error
	for _, id := range []string{b.setupID, b.cliID} {
		label := testenv.ProductLabel + "=" + id
		errs = append(errs, testenv.RemoveByLabel(ctx, b.docker, label))
	}

	var refs []string
	for _, img := range b.images {
		refs = append(refs, img.ref(), img.digestRef())
	}
	// An image already gone makes rmi fail; what is left is checked by
	// the caller that needs it gone.
	_, _ = dockerCmd(ctx, append([]string{"rmi", "-f"}, refs...)...)
	return errors.Join(errs...)
}

// makeCold brings the engine and setup's folders back to before either
// workload ran, and checks that the engine no longer has the images.
func (b *bench) makeCold(ctx context.Context) error {
	if err := b.removeAll(ctx); err != nil {
		return err
	}
	for _, img := range b.images {
		for _, ref := range []string{img.ref(), img.digestRef(), img.id} {
			out, err := dockerCmd(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
			if err == nil {
				return fmt.Errorf("removing %s: the engine still has it", ref)
			}
			if !strings.Contains(strings.ToLower(out), "no such image") {
				return fmt.Errorf("inspecting %s: %w: %s", ref, err, out)
			}
		}
	}

	// Without its state, setup resolves and pulls as on a new machine.
	for _, d := range []string{b.stateDir, b.home} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("emptying %s: %w", d, err)
		}
	}
	for _, d := range []string{filepath.Join(b.home, "Desktop"), b.stateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("making %s: %w", d, err)
		}
	}
	return nil
}

// snapshot is what an idle run must leave as it was.
type snapshot struct {
	containers map[string]string // name: id
	images     map[string]string // id: tags and digests, of our images
}

func (b *bench) snapshot(ctx context.Context) (snapshot, error) {
	s := snapshot{containers: map[string]string{}, images: map[string]string{}}
	list, err := b.docker.ContainerList(ctx, container.ListOptions{
		All: true,
		Filters: filters.NewArgs(
			filters.Arg("label", testenv.ProductLabel+"="+b.setupID),
		),
	})
	if err != nil {
		return s, fmt.Errorf("listing setup's containers: %w", err)
	}
	for _, c := range list {
		if c.State != "running" {
			return s, fmt.Errorf("container %s is %s, want running", c.Names[0], c.State)
		}
		s.containers[strings.TrimPrefix(c.Names[0], "/")] = c.ID
	}
	if len(s.containers) != 2 {
		return s, fmt.Errorf("setup's containers = %v, want 2", s.containers)
	}

	images, err := b.docker.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return s, fmt.Errorf("listing images: %w", err)
	}
	// Only images from this run's registry: other programs may pull and
	// remove images meanwhile.
	ours := b.reg.Host() + "/"
	for _, img := range images {
		for _, ref := range append(img.RepoTags, img.RepoDigests...) {
			if strings.HasPrefix(ref, ours) {
				s.images[img.ID] = fmt.Sprint(img.RepoTags, img.RepoDigests)
				break
			}
		}
	}
	return s, nil
}

// recreated reports whether a container of before is gone or has a new id
// in after.
func recreated(before, after snapshot) bool {
	if len(before.containers) != len(after.containers) {
		return true
	}
	for name, id := range before.containers {
		if after.containers[name] != id {
			return true
		}
	}
	return false
}

// imagesChanged reports whether an image came, went or changed names.
func imagesChanged(before, after snapshot) bool {
	if len(before.images) != len(after.images) {
		return true
	}
	for id, names := range before.images {
		if after.images[id] != names {
			return true
		}
	}
	return false
}

// progressf writes one line of progress to stderr.
func progressf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
