package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"

	"setup/internal/problem"
	"setup/manifests"
)

// FirstRunPrefix marks environment variables that only a service's first
// start may see. The InfluxDB 2 image runs its initial setup from them, and
// fails when it sees them again with an existing configuration.
const FirstRunPrefix = "DOCKER_INFLUXDB_INIT_"

// spec is everything that defines a service's container. Its hash, kept in
// a label, tells whether a running container still matches.
type spec struct {
	Service string            `json:"service"`
	Name    string            `json:"name"`
	Image   string            `json:"image"`
	Env     []string          `json:"env"`
	Cmd     []string          `json:"cmd,omitempty"`
	Ports   []string          `json:"ports,omitempty"`
	Mounts  []string          `json:"mounts,omitempty"`
	Network string            `json:"network"`
	Labels  map[string]string `json:"labels"`

	// firstRun holds the variables passed only when the service's
	// volumes are new; they are not part of the hash.
	firstRun []string
	health   manifests.Health
	timeout  time.Duration
	version  string
}

func (s spec) hash() string {
	data, _ := json.Marshal(s)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (r *run) spec(svcName string, secrets map[string]string) (spec, error) {
	svc := r.m.Services[svcName]
	res := r.resolved[svcName]
	s := spec{
		Service: svcName,
		Name:    containerName(r.m.Product.ID, svcName),
		Image:   res.Repository + "@" + res.Digest,
		Cmd:     svc.Command,
		Network: networkName(r.m.Product.ID),
		Labels:  r.labels(svcName),
		health:  svc.Health,
		timeout: svc.HealthTimeout(),
		version: res.Tag,
	}

	var env, firstRun []string
	add := func(k, v string) {
		if strings.HasPrefix(k, FirstRunPrefix) {
			firstRun = append(firstRun, k+"="+v)
			return
		}
		env = append(env, k+"="+v)
	}
	for k, v := range svc.Environment {
		add(k, v)
	}
	for _, ref := range svc.SecretsOf() {
		add(ref.Env, secrets[ref.Key])
	}
	sort.Strings(env)
	sort.Strings(firstRun)
	s.Env = env

	for _, p := range svc.PortsOf() {
		s.Ports = append(s.Ports, p.String())
	}
	var fresh, kept []string
	for _, mt := range svc.MountsOf() {
		s.Mounts = append(s.Mounts, volumeName(r.m.Product.ID, mt.Volume)+":"+mt.Path+
			map[bool]string{true: ":ro", false: ""}[mt.ReadOnly])
		if r.fresh[mt.Volume] {
			fresh = append(fresh, mt.Volume)
		} else {
			kept = append(kept, mt.Volume)
		}
	}

	// The first-run variables go with new volumes only. Volumes that are
	// partly new would make the service set itself up over old data.
	if len(firstRun) > 0 {
		switch {
		case len(kept) == 0:
			s.firstRun = firstRun
		case len(fresh) > 0:
			return s, &problem.Error{
				Code: problem.Failed,
				What: fmt.Sprintf("inconsistent volumes for %s: %s new but %s kept from before",
					svcName, strings.Join(fresh, ", "), strings.Join(kept, ", ")),
				Fix: "restore the missing volume from a backup, or start afresh with 'setup uninstall --purge' (this deletes the data)",
			}
		}
	}
	s.Labels[LabelConfigHash] = s.hash()
	s.Labels[LabelVersion] = res.Tag
	s.Labels[LabelDigest] = res.Digest
	return s, nil
}

// ensure brings one service's container to match s, running and healthy.
func (r *run) ensure(ctx context.Context, s spec) error {
	current, err := r.mendPrevious(ctx, s.Name)
	if err != nil {
		return err
	}
	if r.opts.DryRun {
		return r.planEnsure(s, current)
	}
	switch {
	case current == nil:
		r.opts.Report.Printf("%s: creating %s", s.Service, s.Name)
		id, err := r.create(ctx, s)
		if err != nil {
			return err
		}
		if err := r.start(ctx, id); err != nil {
			return err
		}
		return r.waitHealthy(ctx, s, id)

	case current.Labels[LabelProduct] != r.m.Product.ID:
		return foreignContainer(s.Name, current.ID)

	case current.Labels[LabelConfigHash] == s.Labels[LabelConfigHash]:
		if current.State != "running" {
			r.opts.Report.Printf("%s: starting %s", s.Service, s.Name)
			if err := r.start(ctx, current.ID); err != nil {
				return err
			}
		}
		return r.waitHealthy(ctx, s, current.ID)
	}
	return r.replace(ctx, s, current)
}

// planEnsure reports what ensure would do.
func (r *run) planEnsure(s spec, current *container.Summary) error {
	switch {
	case current == nil:
		r.planned("create and start container %s (%s %s)", s.Name, s.Service, s.version)
	case current.Labels[LabelProduct] != r.m.Product.ID:
		return foreignContainer(s.Name, current.ID)
	case current.Labels[LabelConfigHash] != s.Labels[LabelConfigHash]:
		change := current.Labels[LabelVersion] + " -> " + s.version
		if current.Labels[LabelVersion] == s.version {
			change = s.version + ", settings changed"
		}
		r.planned("replace container %s (%s), keeping its volumes", s.Name, change)
	case current.State != "running":
		r.planned("start container %s", s.Name)
	}
	return nil
}

// foreignContainer is the error for a container that holds one of the
// product's names but was not made by setup for it.
func foreignContainer(name, id string) error {
	return problem.New(problem.Failed,
		fmt.Sprintf("a container named %q exists and was not made by setup for this product (id %s)",
			name, shortID(id)),
		"remove or rename that container yourself ('docker rm "+name+"'), or change product.id; "+
			"setup does not touch it")
}

// replace swaps a container for a new one and keeps the old one until the
// new one is healthy; otherwise the old one runs again.
func (r *run) replace(ctx context.Context, s spec, old *container.Summary) error {
	from := old.Labels[LabelVersion]
	change := from + " -> " + s.version
	if from == s.version {
		change = s.version + ", settings changed"
	}
	r.opts.Report.Printf("%s: replacing %s (%s)", s.Service, s.Name, change)
	stop := 30
	if err := r.docker.ContainerStop(ctx, old.ID, container.StopOptions{Timeout: &stop}); err != nil {
		return fmt.Errorf("stopping %s: %w", s.Name, err)
	}
	previous := s.Name + previousSuffix
	if err := r.docker.ContainerRename(ctx, old.ID, previous); err != nil {
		return r.restart(ctx, old.ID, fmt.Errorf("renaming %s: %w", s.Name, err))
	}

	id, err := r.create(ctx, s)
	if err == nil {
		err = r.start(ctx, id)
		if err == nil {
			err = r.waitHealthy(ctx, s, id)
		}
	}
	if err == nil {
		return r.removeAndWait(ctx, old.ID)
	}

	// Roll back: the new container goes, the old one comes back.
	if id != "" {
		_ = r.docker.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
	}
	back := context.WithoutCancel(ctx)
	if rerr := r.docker.ContainerRename(back, old.ID, s.Name); rerr != nil {
		return fmt.Errorf("%w; restoring the previous container also failed: %v", err, rerr)
	}
	if rerr := r.docker.ContainerStart(back, old.ID, container.StartOptions{}); rerr != nil {
		return fmt.Errorf("%w; starting the previous container also failed: %v", err, rerr)
	}
	r.opts.Report.Printf("%s: rolled back to %s", s.Service, from)
	var p *problem.Error
	if pe, ok := err.(*problem.Error); ok {
		p = pe
		p.What += fmt.Sprintf("; the previous version %s is running again", from)
		return p
	}
	return fmt.Errorf("%w; the previous version %s is running again", err, from)
}

// restart starts a stopped container again and returns cause.
func (r *run) restart(ctx context.Context, id string, cause error) error {
	_ = r.docker.ContainerStart(context.WithoutCancel(ctx), id, container.StartOptions{})
	return cause
}

// mendPrevious finishes a replacement that an earlier run left half done:
// the kept container comes back when there is no new one, and goes when
// there is. It returns the service's container as it is afterwards.
func (r *run) mendPrevious(ctx context.Context, name string) (*container.Summary, error) {
	current, prev, err := r.findPair(ctx, name)
	if err != nil || prev == nil || prev.Labels[LabelProduct] != r.m.Product.ID {
		return current, err
	}
	if current == nil {
		r.opts.Report.Printf("restoring %s left by an interrupted run", name)
		if err := r.docker.ContainerRename(ctx, prev.ID, name); err != nil {
			return nil, fmt.Errorf("restoring %s: %w", name, err)
		}
		return r.findContainer(ctx, name)
	}
	return current, r.removeAndWait(ctx, prev.ID)
}

// findContainer looks a container up by its exact name.
func (r *run) findContainer(ctx context.Context, name string) (*container.Summary, error) {
	current, _, err := r.findPair(ctx, name)
	return current, err
}

// findPair looks up, in one request, the container with the exact name and
// the one kept under it while a replacement proves healthy.
func (r *run) findPair(ctx context.Context, name string) (current, previous *container.Summary, err error) {
	list, err := r.docker.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("name", "^/"+regexp.QuoteMeta(name)+"("+previousSuffix+")?$")),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("looking up container %s: %w", name, err)
	}
	for i := range list {
		for _, n := range list[i].Names {
			switch n {
			case "/" + name:
				current = &list[i]
			case "/" + name + previousSuffix:
				previous = &list[i]
			}
		}
	}
	return current, previous, nil
}

func (r *run) create(ctx context.Context, s spec) (string, error) {
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	for _, text := range s.Ports {
		p, _ := manifests.ParsePort(text)
		port := nat.Port(strconv.Itoa(p.Guest) + "/" + p.Protocol)
		exposed[port] = struct{}{}
		bindings[port] = append(bindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: strconv.Itoa(p.Host)})
	}
	var mounts []mount.Mount
	for _, text := range s.Mounts {
		mt, _ := manifests.ParseMount(text)
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: mt.Volume, Target: mt.Path, ReadOnly: mt.ReadOnly})
	}

	cfg := &container.Config{
		Image:        s.Image,
		Env:          append(append([]string(nil), s.Env...), s.firstRun...),
		Cmd:          s.Cmd,
		Labels:       s.Labels,
		ExposedPorts: exposed,
	}
	host := &container.HostConfig{
		PortBindings:  bindings,
		Mounts:        mounts,
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		s.Network: {Aliases: []string{s.Service}},
	}}
	resp, err := r.docker.ContainerCreate(ctx, cfg, host, netCfg, nil, s.Name)
	if err != nil {
		return "", fmt.Errorf("creating container %s: %w", s.Name, err)
	}
	return resp.ID, nil
}

func (r *run) start(ctx context.Context, id string) error {
	if err := r.docker.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return fmt.Errorf("starting container %s: %w", shortID(id), err)
	}
	return nil
}

// removeAndWait removes a container, keeping its volumes, and returns once
// the engine has finished removing it, so its name is free.
func (r *run) removeAndWait(ctx context.Context, id string) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	wait, errc := r.docker.ContainerWait(wctx, id, container.WaitConditionRemoved)
	if err := r.docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil {
		return fmt.Errorf("removing container %s: %w", shortID(id), err)
	}
	select {
	case <-wait:
	case <-errc:
		// The container may be gone before the wait began; what counts is
		// whether the time ran out.
		if wctx.Err() != nil {
			return fmt.Errorf("removing container %s: %w", shortID(id), wctx.Err())
		}
	case <-wctx.Done():
		return fmt.Errorf("removing container %s: still there after 30 s", shortID(id))
	}
	return nil
}

// waitHealthy waits until the service's health URL answers 2xx, reporting
// the time left, and fails with the container's last log lines.
func (r *run) waitHealthy(ctx context.Context, s spec, id string) error {
	deadline := time.Now().Add(s.timeout)
	httpClient := &http.Client{Timeout: 2 * time.Second}
	started := time.Now()
	lastReport := started
	var lastErr string
	for {
		if s.health.URL == "" {
			info, err := r.docker.ContainerInspect(ctx, id)
			if err == nil && info.State != nil && info.State.Running {
				return nil
			}
		} else if code, err := probe(ctx, httpClient, s.health.URL); err == nil && code/100 == 2 {
			r.opts.Report.Printf("%s: healthy (%s answered %d)", s.Service, hostOf(s.health.URL), code)
			return nil
		} else if err != nil {
			lastErr = err.Error()
		} else {
			lastErr = fmt.Sprintf("HTTP %d", code)
		}

		left := time.Until(deadline)
		if left <= 0 {
			return r.unhealthy(ctx, s, id, lastErr)
		}
		if time.Since(lastReport) >= time.Second {
			r.opts.Report.Waiting(s.Service, left.Round(time.Second))
			lastReport = time.Now()
		}
		// Services that come up quickly are seen at once; slow ones are
		// not polled more than four times a second.
		interval := 250 * time.Millisecond
		if time.Since(started) < 3*time.Second {
			interval = 25 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

func probe(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (r *run) unhealthy(ctx context.Context, s spec, id, lastErr string) error {
	logs := r.lastLogs(ctx, id, 20)
	evidence := "last answer: " + lastErr
	if logs != "" {
		evidence += "\nlast log lines of " + s.Name + ":\n" + logs
	}
	return &problem.Error{
		Code:     problem.Unhealthy,
		What:     fmt.Sprintf("%s %s did not become healthy within %s at %s", s.Service, s.version, s.timeout, s.health.URL),
		Evidence: evidence,
		Fix:      "see the log lines above; 'docker logs " + s.Name + "' shows more",
	}
}

// lastLogs returns the last n lines a container wrote.
func (r *run) lastLogs(ctx context.Context, id string, n int) string {
	rc, err := r.docker.ContainerLogs(context.WithoutCancel(ctx), id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n),
	})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		return ""
	}
	return strings.TrimRight(out.String(), "\n")
}
