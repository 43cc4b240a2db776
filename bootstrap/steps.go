package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"setup/checks"
	"setup/internal/engine"
	"setup/internal/problem"
	"setup/internal/progress"
	"setup/internal/shortcut"
	"setup/internal/state"
	"setup/internal/tags"
)

// check runs the prerequisite checks and stops on a failed one.
func (r *run) check(ctx context.Context) error {
	results, err := r.checks(ctx)
	if err != nil {
		return err
	}
	for _, res := range results {
		if res.Status == checks.Warn {
			r.opts.Report.Printf("warning: %s: %s", res.Name, res.Evidence)
		}
	}
	return checks.Failed(results)
}

// checks finds the engine endpoint and runs the checks against it.
func (r *run) checks(ctx context.Context) ([]checks.Result, error) {
	h := r.opts.Host
	ep, err := engine.FindEndpoint(r.engineEnv())
	if err != nil {
		return nil, err
	}
	r.endpoint = ep

	in := checks.Input{
		Manifest: r.m,
		GOOS:     h.GOOS,
		GOARCH:   h.GOARCH,
		Endpoint: ep,
		System:   h.System,
		OwnPorts: map[int]string{},
		// The manifest's floor on the Windows build.
		WindowsBuild: r.m.Requires.WindowsBuild,
	}
	// With an engine already answering, measure where it keeps its data
	// and which ports our own containers hold.
	if c, err := engine.NewClient(ep); err == nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if _, err := c.Ping(pctx); err == nil {
			r.docker = c
			in.EngineAnswers = true
			if info, err := c.Info(pctx); err == nil {
				in.DataDir = info.DockerRootDir
			}
			in.OwnPorts = r.ownPorts(pctx)
		} else {
			c.Close()
		}
		cancel()
	}
	results := checks.Run(ctx, in)
	if r.docker != nil {
		v, err := engine.Check(ctx, r.docker, ep, h.GOOS, r.m.Runtime.Engine, true)
		r.checked = &engineCheck{v, err}
		results = append(results, checks.EngineVersion(v, r.m.Runtime.Engine, err))
	}
	return results, nil
}

// engineAnswers reports whether an engine answers at once.
func (r *run) engineAnswers(ctx context.Context) bool {
	ep, err := engine.FindEndpoint(r.engineEnv())
	if err != nil {
		return false
	}
	c, err := engine.NewClient(ep)
	if err != nil {
		return false
	}
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = c.Ping(pctx)
	return err == nil
}

func (r *run) engineEnv() engine.Env {
	h := r.opts.Host
	return engine.Env{GOOS: h.GOOS, Getenv: h.Getenv, Home: h.Home}
}

// ownPorts maps the host ports held by this product's containers to the
// container's name.
func (r *run) ownPorts(ctx context.Context) map[int]string {
	own := map[int]string{}
	list, err := r.ourContainers(ctx)
	if err != nil {
		return own
	}
	for _, c := range list {
		for _, p := range c.Ports {
			if p.PublicPort != 0 && c.State == "running" {
				own[int(p.PublicPort)] = strings.TrimPrefix(c.Names[0], "/")
			}
		}
	}
	return own
}

func (r *run) ourContainers(ctx context.Context) ([]container.Summary, error) {
	return r.docker.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", LabelProduct+"="+r.m.Product.ID)),
	})
}

// connect reaches the engine, installing and starting Docker Engine on
// Linux when it is missing and setup may do so, and checks its version.
func (r *run) connect(ctx context.Context) error {
	h := r.opts.Host
	if r.endpoint.Host == "" {
		ep, err := engine.FindEndpoint(r.engineEnv())
		if err != nil {
			return err
		}
		r.endpoint = ep
	}
	if r.docker == nil {
		c, err := engine.NewClient(r.endpoint)
		if err != nil {
			return err
		}
		r.docker = c
	}

	installed := engine.Installed(h.GOOS, exec.LookPath)
	// The checks step has asked an engine that answered already.
	var v engine.Version
	var err error
	if r.checked != nil {
		v, err = r.checked.version, r.checked.err
	} else {
		v, err = engine.Check(ctx, r.docker, r.endpoint, h.GOOS, r.m.Runtime.Engine, installed)
	}
	if err != nil && r.mayProvision() && (!installed || engine.NotRunning(err)) {
		if r.opts.DryRun {
			if !installed {
				r.planned("install Docker Engine from the distribution's packages (docker.io)")
			}
			r.planned("start the container engine")
			return errPlanEnds
		}
		if err := r.provision(ctx, installed); err != nil {
			return err
		}
		v, err = engine.Check(ctx, r.docker, r.endpoint, h.GOOS, r.m.Runtime.Engine, true)
	}
	if err != nil && r.usesDesktop() {
		if err := r.provisionDesktop(ctx); err != nil {
			return err
		}
		v, err = engine.Check(ctx, r.docker, r.endpoint, h.GOOS, r.m.Runtime.Engine, true)
	}
	if err != nil {
		return err
	}
	r.opts.Report.Printf("engine %s (API %s, %s/%s) at %s", v.Version, v.APIVersion, v.OS, v.Arch, r.endpoint.Host)
	return nil
}

// mayProvision tells whether setup installs and starts the engine itself:
// on Linux, as root, for the platform's default socket.
func (r *run) mayProvision() bool {
	h := r.opts.Host
	return h.GOOS == "linux" && h.System && r.endpoint.Host == engine.DefaultHost("linux")
}

func (r *run) provision(ctx context.Context, installed bool) error {
	if !installed {
		release, err := os.ReadFile("/etc/os-release")
		if err != nil {
			return problem.Wrap(problem.Engine, err, "this Linux distribution cannot be identified",
				"install Docker Engine with your distribution's package manager, then run setup again")
		}
		d := engine.ParseOSRelease(string(release))
		plan, err := engine.InstallPlan(d)
		if err != nil {
			return err
		}
		for _, c := range plan {
			r.opts.Report.Printf("installing Docker Engine: %s", c)
			if err := engine.Run(ctx, c); err != nil {
				return err
			}
		}
	}

	logFile := "/var/log/setup-dockerd.log"
	start := engine.StartPlan(engine.SystemdRunning())
	r.opts.Report.Printf("starting the engine: %s", start)
	if err := engine.StartDaemon(ctx, start, logFile); err != nil {
		return problem.Wrap(problem.Engine, err, "starting the container engine",
			"start it by hand ('sudo systemctl start docker' or 'sudo dockerd') and run setup again")
	}
	err := engine.WaitReady(ctx, 60*time.Second, func(ctx context.Context) error {
		_, err := r.docker.Ping(ctx)
		return err
	})
	if err != nil {
		return problem.Wrap(problem.Engine, err, "the container engine did not answer within 60 s of starting",
			"see "+logFile+" for why it did not start")
	}
	return nil
}

// resolve chooses each service's tag and digest. An install keeps the
// versions already installed while they satisfy the manifest; an upgrade
// asks the registry again, staying in the installed major version.
func (r *run) resolve(ctx context.Context) error {
	resolver := r.opts.Resolver
	if resolver == nil {
		resolver = tags.NewResolver()
	}
	r.resolved = map[string]tags.Resolved{}

	order := r.m.StartOrder()
	var (
		wg      sync.WaitGroup
		errs    = make([]error, len(order))
		results = make([]tags.Resolved, len(order))
	)
	for i, svcName := range order {
		svc := r.m.Services[svcName]
		repo := r.image(svcName)
		rule := tags.Rule{Constraint: svc.Version, Variant: svc.Variant, Prerelease: svc.Prerelease}
		prev, installed := r.next.Services[svcName]
		if installed && prev.Repository == repo && !r.upgrade {
			if _, err := tags.Select([]string{prev.Tag}, rule); err == nil {
				results[i] = tags.Resolved{Repository: prev.Repository, Tag: prev.Tag, Digest: prev.Digest}
				continue
			}
		}
		if installed && prev.Repository == repo && r.upgrade && !r.opts.AllowMajor {
			major := prev.Major
			rule.Major = &major
		}

		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = resolver.Resolve(ctx, repo, rule)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, svcName := range order {
		r.resolved[svcName] = results[i]
	}

	for _, svcName := range r.m.StartOrder() {
		res := r.resolved[svcName]
		note := ""
		if prev, ok := r.next.Services[svcName]; ok && prev.Digest != res.Digest {
			note = " (installed: " + prev.Tag + ")"
		}
		r.opts.Report.Printf("%s: %s:%s%s", svcName, res.Repository, res.Tag, note)
	}
	return nil
}

// image returns the repository a service's image is fetched from, with
// Docker Hub replaced by the registry mirror when one is set.
func (r *run) image(svcName string) string {
	return MirrorImage(r.m.Services[svcName].Image, r.mirror())
}

func (r *run) mirror() string {
	if r.opts.RegistryMirror != "" {
		return r.opts.RegistryMirror
	}
	return r.m.Runtime.RegistryMirror
}

// MirrorImage rewrites a Docker Hub repository to the same path on mirror;
// other registries' repositories, and any with mirror empty, stay as they
// are.
func MirrorImage(image, mirror string) string {
	if mirror == "" {
		return image
	}
	repo, err := name.NewRepository(image)
	if err != nil || repo.RegistryStr() != name.DefaultRegistry {
		return image
	}
	return strings.TrimSuffix(mirror, "/") + "/" + repo.RepositoryStr()
}

// majorOf reads the major version of a chosen tag.
func majorOf(tag, variant string) uint64 {
	core := strings.TrimPrefix(tag, "v")
	if variant != "" {
		core = strings.TrimSuffix(core, "-"+variant)
	}
	v, err := semver.NewVersion(core)
	if err != nil {
		return 0
	}
	return v.Major()
}

// pull fetches, concurrently, every image the engine does not have yet.
func (r *run) pull(ctx context.Context) error {
	// Find what is missing before any pull starts.
	order := r.m.StartOrder()
	var missing []tags.Resolved
	seen := map[string]bool{}
	for _, svcName := range order {
		res := r.resolved[svcName]
		ref := res.Repository + "@" + res.Digest
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if _, err := r.docker.ImageInspect(ctx, ref); err == nil {
			continue
		} else if !client.IsErrNotFound(err) {
			return engine.Diagnose(r.opts.Host.GOOS, r.endpoint, err, true)
		}
		if r.opts.DryRun {
			r.planned("pull %s:%s (%s)", res.Repository, res.Tag, res.Digest)
			continue
		}
		missing = append(missing, res)
	}

	var wg sync.WaitGroup
	errs := make([]error, len(missing))
	for i, res := range missing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.pullOne(ctx, res)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	// Name each image by its tag too, for people reading 'docker images'.
	for _, svcName := range order {
		if r.opts.DryRun {
			break
		}
		res := r.resolved[svcName]
		if err := r.docker.ImageTag(ctx, res.Repository+"@"+res.Digest, res.Repository+":"+res.Tag); err != nil {
			return fmt.Errorf("tagging %s: %w", res.Repository, err)
		}
	}
	return nil
}

func (r *run) pullOne(ctx context.Context, res tags.Resolved) error {
	display := shortName(res.Repository) + ":" + res.Tag
	ref := res.Repository + "@" + res.Digest
	rc, err := r.docker.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: registryAuth(res.Repository)})
	if err != nil {
		// The engine refused before streaming: unreachable, or a registry
		// error it reports at once.
		if client.IsErrConnectionFailed(err) {
			err = engine.Diagnose(r.opts.Host.GOOS, r.endpoint, err, true)
		} else {
			err = progress.Classify(err.Error())
		}
		r.opts.Report.PullDone(display, err)
		return err
	}
	defer rc.Close()
	err = progress.ReadPull(rc, display, r.opts.Report.Pull)
	r.opts.Report.PullDone(display, err)
	if err != nil {
		r.noteEngineProxy(ctx, err)
	}
	return err
}

// noteEngineProxy adds to a pull failure which proxy the engine itself
// uses: the engine pulls with its own settings, not setup's.
func (r *run) noteEngineProxy(ctx context.Context, err error) {
	var p *problem.Error
	if !errors.As(err, &p) {
		return
	}
	info, ierr := r.docker.Info(context.WithoutCancel(ctx))
	if ierr != nil {
		return
	}
	note := "the engine pulls directly (it has no proxy setting of its own)"
	switch {
	case info.HTTPSProxy != "":
		note = "the engine pulls through its own proxy setting HTTPS_PROXY=" + info.HTTPSProxy + " (dockerd's, not setup's)"
	case info.HTTPProxy != "":
		note = "the engine pulls through its own proxy setting HTTP_PROXY=" + info.HTTPProxy + " (dockerd's, not setup's)"
	}
	if p.Evidence != "" {
		p.Evidence += "\n"
	}
	p.Evidence += note
}

// shortName drops the registry from a repository for display.
func shortName(repo string) string {
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		return repo[i+1:]
	}
	return repo
}

// registryAuth encodes the credentials the docker config (and its
// credential helpers) hold for repo's registry, for the engine to pull
// with. Anonymous access gives an empty string.
func registryAuth(repo string) string {
	r, err := name.NewRepository(repo)
	if err != nil {
		return ""
	}
	a, err := authn.DefaultKeychain.Resolve(r)
	if err != nil || a == authn.Anonymous {
		return ""
	}
	cfg, err := a.Authorization()
	if err != nil {
		return ""
	}
	encoded, err := registry.EncodeAuthConfig(registry.AuthConfig{
		Username:      cfg.Username,
		Password:      cfg.Password,
		Auth:          cfg.Auth,
		IdentityToken: cfg.IdentityToken,
		RegistryToken: cfg.RegistryToken,
		ServerAddress: r.RegistryStr(),
	})
	if err != nil {
		return ""
	}
	return encoded
}

// pullAndPrepare pulls the images while it makes the network and volumes,
// which do not depend on them.
func (r *run) pullAndPrepare(ctx context.Context) error {
	prepared := make(chan error, 1)
	go func() { prepared <- r.prepare(ctx) }()
	pullErr := r.pull(ctx)
	return errors.Join(pullErr, <-prepared)
}

// prepare makes the product's network and volumes.
func (r *run) prepare(ctx context.Context) error {
	if err := r.ensureNetwork(ctx); err != nil {
		return err
	}
	return r.ensureVolumes(ctx)
}

func (r *run) labels(service string) map[string]string {
	l := map[string]string{LabelProduct: r.m.Product.ID}
	if service != "" {
		l[LabelService] = service
	}
	return l
}

func (r *run) ensureNetwork(ctx context.Context) error {
	netName := networkName(r.m.Product.ID)
	list, err := r.docker.NetworkList(ctx, network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("name", netName)),
	})
	if err != nil {
		return fmt.Errorf("listing networks: %w", err)
	}
	for _, n := range list {
		if n.Name != netName {
			continue
		}
		if n.Labels[LabelProduct] != r.m.Product.ID {
			return problem.New(problem.Failed,
				fmt.Sprintf("a network named %q exists and was not made by setup for this product (id %s)", netName, shortID(n.ID)),
				"remove or rename that network ('docker network rm "+netName+"'), or change product.id")
		}
		return nil
	}
	if r.opts.DryRun {
		r.planned("create network %s", netName)
		return nil
	}
	_, err = r.docker.NetworkCreate(ctx, netName, network.CreateOptions{
		Driver: "bridge",
		Labels: r.labels(""),
	})
	if err != nil {
		return fmt.Errorf("creating network %s: %w", netName, err)
	}
	r.opts.Report.Printf("created network %s", netName)
	return nil
}

func (r *run) ensureVolumes(ctx context.Context) error {
	r.fresh = map[string]bool{}
	list, err := r.docker.VolumeList(ctx, volume.ListOptions{
		Filters: filters.NewArgs(filters.Arg("name", r.m.Product.ID+"_")),
	})
	if err != nil {
		return fmt.Errorf("listing volumes: %w", err)
	}
	exists := map[string]bool{}
	for _, v := range list.Volumes {
		exists[v.Name] = true
	}
	for _, vol := range r.m.VolumeNames() {
		full := volumeName(r.m.Product.ID, vol)
		if exists[full] {
			continue
		}
		r.fresh[vol] = true
		if r.opts.DryRun {
			r.planned("create volume %s", full)
			continue
		}
		_, err := r.docker.VolumeCreate(ctx, volume.CreateOptions{Name: full, Labels: r.labels("")})
		if err != nil {
			return fmt.Errorf("creating volume %s: %w", full, err)
		}
		r.opts.Report.Printf("created volume %s", full)
	}
	return nil
}

// services brings each service to running and healthy, in dependency
// order, replacing those whose image or settings changed.
func (r *run) services(ctx context.Context) error {
	secrets, err := r.secrets()
	if err != nil {
		return err
	}
	order := r.m.StartOrder()
	specs := make([]spec, len(order))
	for i, svcName := range order {
		if specs[i], err = r.spec(svcName, secrets); err != nil {
			return err
		}
	}
	var created chan error
	for i, svcName := range order {
		if created != nil {
			if err := <-created; err != nil {
				return err
			}
		}
		// The next container is created while this one starts and gets
		// healthy; it starts only after.
		created = nil
		if i+1 < len(specs) && !r.opts.DryRun {
			created = r.precreate(ctx, specs[i+1])
		}
		if err := r.ensure(ctx, specs[i]); err != nil {
			if created != nil {
				<-created
			}
			return err
		}
		res := r.resolved[svcName]
		r.next.Services[svcName] = state.Service{
			Repository: res.Repository,
			Tag:        res.Tag,
			Digest:     res.Digest,
			Major:      majorOf(res.Tag, r.m.Services[svcName].Variant),
		}
		// Record each service at once, so that a later failure leaves a
		// state that matches what runs.
		if !r.opts.DryRun {
			if err := r.store.Save(r.next); err != nil {
				return err
			}
		}
	}
	return nil
}

// precreate creates s's container in the background when it does not exist
// yet, so that ensure only has to start it.
func (r *run) precreate(ctx context.Context, s spec) chan error {
	done := make(chan error, 1)
	go func() {
		current, prev, err := r.findPair(ctx, s.Name)
		if err != nil || current != nil || prev != nil {
			done <- err
			return
		}
		r.opts.Report.Printf("%s: creating %s", s.Service, s.Name)
		_, err = r.create(ctx, s)
		done <- err
	}()
	return done
}

// secrets returns the generated value of every secret key the manifest
// names.
func (r *run) secrets() (map[string]string, error) {
	var keys []string
	seen := map[string]bool{}
	for _, svcName := range r.m.StartOrder() {
		for _, ref := range r.m.Services[svcName].SecretsOf() {
			if !seen[ref.Key] {
				seen[ref.Key] = true
				keys = append(keys, ref.Key)
			}
		}
	}
	if len(keys) == 0 {
		return map[string]string{}, nil
	}
	if r.opts.DryRun {
		values, missing := r.store.PeekSecrets(keys)
		for _, key := range missing {
			r.planned("generate secret %s", key)
		}
		return values, nil
	}
	values, err := r.store.Secrets(keys)
	if err != nil {
		return nil, err
	}
	for _, v := range values {
		r.opts.Report.Redact(v)
	}
	return values, nil
}

// shortcuts writes a launcher for each shortcut of the manifest.
func (r *run) shortcuts(ctx context.Context) error {
	if len(r.m.Shortcuts) == 0 {
		return nil
	}
	launchers := make([]shortcut.Launcher, 0, len(r.m.Shortcuts))
	for _, sc := range r.m.Shortcuts {
		launchers = append(launchers, shortcut.Launcher{
			Product: r.m.Product.ID,
			Name:    sc.Name,
			Comment: "Open " + sc.Name + ", starting its services when needed",
			Exec:    []string{r.exe, "launch", "--manifest", r.manifestCopy(), sc.Name},
		})
	}
	if r.opts.DryRun {
		if !r.shortcutsInPlace() {
			for _, l := range launchers {
				r.planned("write shortcut %q", l.Name)
			}
		}
		return nil
	}
	if err := r.saveManifest(); err != nil {
		return err
	}
	places, err := r.places()
	if err != nil {
		return err
	}
	paths, err := shortcut.Write(places, launchers)
	if err != nil {
		return fmt.Errorf("writing shortcuts: %w", err)
	}
	r.next.Shortcuts = paths
	return nil
}

// shortcutsInPlace reports whether the shortcuts of an earlier install
// from the same manifest are all still there.
func (r *run) shortcutsInPlace() bool {
	if r.previous == nil || r.previous.ManifestDigest != r.m.Digest || len(r.previous.Shortcuts) == 0 {
		return false
	}
	for _, p := range r.previous.Shortcuts {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

func (r *run) places() (shortcut.Places, error) {
	return shortcut.DefaultPlaces(r.opts.Host.Getenv, r.opts.Host.Home, r.opts.AllUsers)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// hostOf returns the host:port of a URL, for messages.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}
