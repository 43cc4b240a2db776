// Package bootstrap takes a machine from nothing to a running, healthy
// stack described by a manifest, and back. Installing is an ordered list of
// named steps; the step's name is what the user sees in progress output and
// in logs. Progress goes to a Reporter: this package never prints.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"setup/checks"
	"setup/internal/desktop"
	"setup/internal/engine"
	"setup/internal/progress"
	"setup/internal/state"
	"setup/internal/tags"
	"setup/manifests"
)

// Reporter receives progress. Implementations must be safe for concurrent
// use: images are pulled concurrently.
type Reporter interface {
	// Step says a named step starts.
	Step(name string)
	// Printf says what is happening now, one line.
	Printf(format string, args ...any)
	// Pull passes on one event of an image pull.
	Pull(e progress.Event)
	// PullDone says an image pull ended.
	PullDone(image string, err error)
	// Waiting says how long setup will still wait for a service.
	Waiting(service string, left time.Duration)
	// Redact names values, such as generated secrets, that must never
	// appear in output or logs.
	Redact(values ...string)
}

// Host is what bootstrap reads from the machine it runs on.
type Host struct {
	GOOS   string
	GOARCH string
	Getenv func(string) string
	Home   string
	// System is true when running as root or an elevated administrator.
	System bool
	// Executable is the setup program that shortcuts run.
	Executable string
	// Open shows a URL to the user, e.g. in the default browser.
	Open func(ctx context.Context, url string) error
	// Confirm asks the user a yes/no question; nil means no one can be
	// asked.
	Confirm func(question string) (bool, error)
}

// Options say what a run does.
type Options struct {
	Manifest *manifests.Manifest
	Host     Host
	Report   Reporter
	// Resolver lists tags; one with default settings when nil.
	Resolver *tags.Resolver
	// AllowMajor lets an upgrade move to a new major version.
	AllowMajor bool
	// Purge removes volumes on uninstall.
	Purge bool
	// DryRun makes Install and Upgrade report what they would do, in
	// Plan, and change nothing.
	DryRun bool
	// Plan receives each change a dry run would make.
	Plan func(action string)
	// RegistryMirror, when set, replaces Docker Hub in image references:
	// docker.io/library/influxdb is fetched as MIRROR/library/influxdb.
	RegistryMirror string
	// AllUsers installs shortcuts and the Windows registration for every
	// user of the machine.
	AllUsers bool
	// Unattended means no one may be asked anything.
	Unattended bool
	// AcceptLicense accepts the Docker Desktop license without asking.
	AcceptLicense bool
	// Reboot lets setup restart Windows without asking when a restart is
	// needed to finish.
	Reboot bool
	// Args are setup's own arguments, for running it again after a
	// restart or elevated.
	Args []string
	// Features reads and turns on Windows optional features;
	// checks.SystemFeatures() when nil. Tests pass a fake: the real state
	// cannot be had outside a real Windows.
	Features checks.Features
	// DesktopRunner runs Docker Desktop's installer and program;
	// desktop.ExecRunner when nil. Tests pass a fake.
	DesktopRunner desktop.Runner
}

// Labels that setup puts on everything it creates.
const (
	LabelProduct    = "setup.product"
	LabelService    = "setup.service"
	LabelConfigHash = "setup.config-hash"
	LabelVersion    = "setup.version"
	LabelDigest     = "setup.digest"
)

// Names of what setup creates for a product.
func containerName(product, service string) string { return product + "-" + service }
func volumeName(product, volume string) string     { return product + "_" + volume }
func networkName(product string) string            { return product }

// previousSuffix marks a container kept while its replacement proves
// healthy.
const previousSuffix = "-previous"

// step is one named part of a run.
type step struct {
	name string
	run  func(ctx context.Context) error
}

// run holds what the steps of one run share.
type run struct {
	opts     Options
	m        *manifests.Manifest
	store    state.Store
	previous *state.State
	next     *state.State
	upgrade  bool

	endpoint engine.Endpoint
	docker   Docker
	// checked is what the checks found of the engine, when it answered.
	checked *engineCheck
	// exe is the setup program that shortcuts and the uninstall entry
	// run: on Windows, its stable copy.
	exe      string
	resolved map[string]tags.Resolved
	// fresh lists the volumes this run created.
	fresh map[string]bool
}

func newRun(opts Options) *run {
	m := opts.Manifest
	h := opts.Host
	return &run{
		opts:  opts,
		m:     m,
		exe:   h.Executable,
		store: state.Store{Dir: StateDir(h, m)},
	}
}

// StateDir returns the folder that keeps the state of m's product: the
// machine's when running as root or elevated, the user's otherwise. A
// product installed for the whole machine by an elevated setup is found
// by the user's later runs (a shortcut's launch, a status) too.
func StateDir(h Host, m *manifests.Manifest) string {
	dir := state.Dir(h.GOOS, h.System, h.Getenv, h.Home, m.Product.ID)
	if h.System {
		return dir
	}
	machine := state.Dir(h.GOOS, true, h.Getenv, h.Home, m.Product.ID)
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err == nil {
		return dir
	}
	// A state this user may not read still says where the product is.
	if _, err := os.Stat(filepath.Join(machine, "state.json")); err == nil || errors.Is(err, fs.ErrPermission) {
		return machine
	}
	return dir
}

// Install brings the stack to running and healthy. Services already
// installed keep their versions; use Upgrade to move to newer ones.
func Install(ctx context.Context, opts Options) error {
	return newRun(opts).install(ctx, false)
}

// Upgrade resolves every service again and replaces those whose image
// changed, keeping every volume. A replacement that does not become healthy
// is rolled back.
func Upgrade(ctx context.Context, opts Options) error {
	return newRun(opts).install(ctx, true)
}

func (r *run) install(ctx context.Context, upgrade bool) error {
	r.upgrade = upgrade
	defer r.close()
	// A dry run takes no lock: taking it would create the state folder.
	if !r.opts.DryRun {
		unlock, err := r.store.Lock()
		if err != nil {
			return err
		}
		defer unlock()
	}

	var err error
	if r.previous, err = r.store.Load(); err != nil {
		return err
	}
	r.next = r.newState()

	steps := []step{
		{"checks", r.check},
		{"engine", r.connect},
		{"resolve", r.resolve},
		{"pull", r.pullAndPrepare},
		{"services", r.services},
		{"registration", r.register},
		{"shortcuts", r.shortcuts},
		{"state", r.save},
	}
	for _, s := range steps {
		r.opts.Report.Step(s.name)
		if err := s.run(ctx); err != nil {
			if errors.Is(err, errPlanEnds) {
				return nil
			}
			return err
		}
	}
	return nil
}

// engineCheck is the outcome of engine.Check.
type engineCheck struct {
	version engine.Version
	err     error
}

// errPlanEnds stops a dry run whose remaining steps depend on a change
// that it only planned, such as installing the engine.
var errPlanEnds = errors.New("the rest of the plan depends on a planned change")

// planned reports a change a dry run would make.
func (r *run) planned(format string, args ...any) {
	if r.opts.Plan != nil {
		r.opts.Plan(fmt.Sprintf(format, args...))
	}
}

func (r *run) newState() *state.State {
	now := time.Now().UTC()
	st := &state.State{
		Product:     r.m.Product.ID,
		InstalledAt: now,
		Services:    map[string]state.Service{},
	}
	if r.previous != nil {
		st.InstalledAt = r.previous.InstalledAt
		st.Shortcuts = r.previous.Shortcuts
		for name, s := range r.previous.Services {
			st.Services[name] = s
		}
	}
	return st
}

func (r *run) close() {
	if r.docker != nil {
		r.docker.Close()
	}
}

// save records what is installed now, with a copy of the manifest that
// shortcuts and later runs use.
func (r *run) save(ctx context.Context) error {
	r.next.ManifestDigest = r.m.Digest
	r.next.UpdatedAt = time.Now().UTC()
	if r.previous != nil && sameState(r.previous, r.next) {
		return nil
	}
	if r.opts.DryRun {
		r.planned("record the installed versions in %s", r.store.Dir)
		return nil
	}
	if err := r.store.Save(r.next); err != nil {
		return err
	}
	return r.saveManifest()
}

func (r *run) saveManifest() error {
	if len(r.m.Raw) == 0 {
		return nil
	}
	path := r.manifestCopy()
	if old, err := os.ReadFile(path); err == nil && string(old) == string(r.m.Raw) {
		return nil
	}
	if err := os.WriteFile(path, r.m.Raw, 0o644); err != nil {
		return fmt.Errorf("keeping a copy of the manifest: %w", err)
	}
	return nil
}

func (r *run) manifestCopy() string {
	return filepath.Join(r.store.Dir, "manifest.yaml")
}

// sameState reports whether two states record the same installation, so
// that an idle run writes nothing.
func sameState(a, b *state.State) bool {
	if a.ManifestDigest != b.ManifestDigest || len(a.Services) != len(b.Services) ||
		len(a.Shortcuts) != len(b.Shortcuts) {
		return false
	}
	for name, s := range a.Services {
		if b.Services[name] != s {
			return false
		}
	}
	for i := range a.Shortcuts {
		if a.Shortcuts[i] != b.Shortcuts[i] {
			return false
		}
	}
	return true
}
