// Package desktop installs, starts and waits for Docker Desktop on Windows
// and macOS.
//
// Bootstrap calls Ensure and then Start when the engine at a Docker
// Desktop address does not answer; when it answers, neither is needed.
//
// Ensure finds an installed Docker Desktop and its version. When there is
// none (or, with Options.Upgrade, when it is older than the manifest's
// pinned installer), it asks for the license, downloads the pinned
// installer with resume and retries, verifies its SHA-256 before anything
// runs, and runs it silently. On Windows, running elevated, it also adds
// the signed-in user to the local group docker-users. The Result says
// whether a reboot or a sign-out is needed before the engine can be used.
//
// Start launches Docker Desktop when its engine is not running and waits
// for the engine to answer, reporting the time left through a callback;
// the engine found is then checked as engine.CheckVersion does, which
// refuses one in Windows-containers mode.
//
// Versions: the manifest's runtime.engine constrains the engine's version,
// which only a running engine reports, so it is checked by Start. Docker
// Desktop's own version is informative: an older Docker Desktop than the
// pinned installer is kept as it is (upgrading it restarts the engine and
// every container of the machine) unless Options.Upgrade asks for it, and
// when its engine turns out too old the error says to upgrade Docker
// Desktop to the pinned version.
//
// Decisions are plain functions of their inputs, tested on any machine;
// only the system calls live in the _windows.go and _darwin.go files. On
// other systems Ensure and Start return an error saying so. Docker
// Desktop's installer cannot run in tests, so programs are run through a
// Runner.
package desktop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/cenkalti/backoff/v4"

	"setup/internal/engine"
	"setup/internal/problem"
	"setup/manifests"
)

// DockerUsers is the local group whose members may use Docker Desktop's
// engine on Windows.
const DockerUsers = "docker-users"

// DefaultStartTimeout is how long Start waits for the engine by default.
// A first start after installing sets up WSL and takes longest.
const DefaultStartTimeout = 3 * time.Minute

// Options say how Ensure and Start work. Only Installer and Dir are
// needed to install; the callbacks may be nil.
type Options struct {
	// Installer is the pinned installer for this platform, from
	// Manifest.DesktopInstaller; its zero value means none is pinned.
	Installer manifests.Installer
	// Dir is where the installer is downloaded and kept. It should be
	// writable only by administrators, since setup runs what it holds
	// after checking it.
	Dir string
	// Unattended means no one can be asked.
	Unattended bool
	// AcceptLicense says the person accepted the Docker Subscription
	// Service Agreement with --accept-license.
	AcceptLicense bool
	// Upgrade installs the pinned version over an older Docker Desktop.
	Upgrade bool
	// Constraint is the manifest's runtime.engine: a semver constraint on
	// the engine's version, checked by Start; empty for any.
	Constraint string
	// User is the account Docker Desktop is set up for; when empty it is
	// found from the console session (see SignedInUser).
	User string
	// StartTimeout bounds Start's wait; DefaultStartTimeout when zero.
	StartTimeout time.Duration

	// Confirm asks a yes/no question; nil when no one can be asked.
	Confirm func(question string) (bool, error)
	// Progress reports the download: bytes done and the total, -1 when
	// the server does not say. done starts at what an earlier attempt
	// left, and falls back to 0 when a server cannot resume.
	Progress func(done, total int64)
	// Countdown reports, about once a second, how long Start will still
	// wait for the engine.
	Countdown func(left time.Duration)
	// Printf says what is happening now, one line.
	Printf func(format string, args ...any)

	// Runner runs the installer and launches Docker Desktop; ExecRunner
	// when nil.
	Runner Runner
	// Client downloads the installer; when nil, a client that honours
	// HTTP_PROXY, HTTPS_PROXY and NO_PROXY.
	Client *http.Client

	// retry paces download retries; defaultRetry when nil.
	retry func() backoff.BackOff
}

func (o Options) printf(format string, args ...any) {
	if o.Printf != nil {
		o.Printf(format, args...)
	}
}

func (o Options) runner() Runner {
	if o.Runner == nil {
		return ExecRunner{}
	}
	return o.Runner
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return DefaultStartTimeout
}

// Result is what Ensure found and did.
type Result struct {
	// Path is Docker Desktop's program (Windows) or app bundle (macOS).
	Path string
	// Version is Docker Desktop's version; empty when it cannot be read.
	Version string
	// Installed is true when Ensure installed or upgraded Docker Desktop.
	Installed bool
	// RebootRequired is true when the installer asks for a restart
	// before Docker Desktop can run.
	RebootRequired bool
	// RebootInitiated is true when the installer has already started a
	// restart.
	RebootInitiated bool
	// User is the account added to docker-users, when one was.
	User string
	// SignOutRequired is true when User was newly added to docker-users:
	// the group counts only from the user's next sign-in.
	SignOutRequired bool
}

// Runner runs programs. ExecRunner is the real one.
type Runner interface {
	// Run runs c to completion and returns its exit code and combined
	// output; err is set only when c could not be run at all.
	Run(ctx context.Context, c engine.Command) (code int, output string, err error)
	// Launch starts c and returns without waiting for it to end.
	Launch(c engine.Command) error
}

// ExecRunner runs programs with os/exec.
type ExecRunner struct{}

var _ Runner = ExecRunner{}

// Run runs c and returns its exit code and combined output.
func (ExecRunner) Run(ctx context.Context, c engine.Command) (int, string, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out), nil
	}
	if err != nil {
		return -1, string(out), fmt.Errorf("running %s: %w", c.Name, err)
	}
	return 0, string(out), nil
}

// Launch starts c detached from setup, so that it outlives it.
func (ExecRunner) Launch(c engine.Command) error {
	cmd := exec.Command(c.Name, c.Args...)
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.Name, err)
	}
	return cmd.Process.Release()
}

// Process is what matters of the account setup runs as.
type Process struct {
	// Elevated is true for an elevated administrator or root.
	Elevated bool
	// Service is true for SYSTEM or another service account, which has
	// no desktop to start Docker Desktop on.
	Service bool
}

// system is what Ensure and Start read from, and do to, the machine. Each
// platform file provides it through native; tests build their own.
type system struct {
	goos string
	home string
	// detect finds an installed Docker Desktop.
	detect func() (Installation, error)
	// self describes this process.
	self func() (Process, error)
	// candidates lists who may be the signed-in user, likeliest first.
	candidates func() []Account
	// join adds account to a local group and tells whether it was added
	// (false when it was a member already); nil where there is no group.
	join func(group, account string) (bool, error)
}

// Detect finds an installed Docker Desktop on this machine.
func Detect() (Installation, error) {
	sys, err := native()
	if err != nil {
		return Installation{}, err
	}
	return sys.detect()
}

// Ensure makes sure Docker Desktop is installed and, on Windows when
// elevated, that the signed-in user is in docker-users. See the package
// documentation for what it decides.
func Ensure(ctx context.Context, opts Options) (Result, error) {
	sys, err := native()
	if err != nil {
		return Result{}, err
	}
	return ensure(ctx, opts, sys)
}

func ensure(ctx context.Context, opts Options, sys system) (Result, error) {
	inst, err := sys.detect()
	if err != nil {
		return Result{}, fmt.Errorf("looking for Docker Desktop: %w", err)
	}
	self, err := sys.self()
	if err != nil {
		return Result{}, err
	}
	res := Result{Path: inst.Path, Version: inst.Version}

	action, note := Plan(inst, opts.Installer, opts.Upgrade)
	if note != "" {
		opts.printf("%s", note)
	}
	if action != Keep {
		if err := install(ctx, opts, sys, self, &res); err != nil {
			return res, err
		}
	}

	if sys.join != nil && self.Elevated {
		user, err := chooseUser(opts, sys)
		if err != nil && self.Service {
			// Deployed as SYSTEM with no one signed in: the install
			// stands; the person is added when setup runs in their session.
			opts.printf("no one is signed in to add to the group %s", DockerUsers)
			return res, nil
		}
		if err != nil {
			return res, err
		}
		added, err := sys.join(DockerUsers, user.Name)
		if err != nil {
			return res, err
		}
		res.User = user.Name
		res.SignOutRequired = added
		if added {
			opts.printf("added %s (%s) to the group %s", user.Name, user.Source, DockerUsers)
		}
	}
	return res, nil
}

func install(ctx context.Context, opts Options, sys system, self Process, res *Result) error {
	in := opts.Installer
	if in.URL == "" {
		return problem.New(problem.Engine,
			fmt.Sprintf("Docker Desktop is not installed, and the manifest pins no installer for %s",
				platformOf(sys.goos)),
			"install Docker Desktop yourself from https://docs.docker.com/desktop/, then run setup again")
	}
	// An unattended run missing --accept-license is a usage error, told
	// before anything else: no rights would make it succeed.
	if opts.Unattended && !opts.AcceptLicense {
		return AcceptLicense(true, false, nil)
	}
	if !self.Elevated {
		return problem.New(problem.Engine,
			"installing Docker Desktop needs administrator rights",
			adminFix(sys.goos))
	}
	var user Account
	if sys.goos == "darwin" {
		// The macOS installer sets Docker Desktop up for one user.
		u, err := chooseUser(opts, sys)
		if err != nil {
			return err
		}
		user = u
	}
	if err := AcceptLicense(opts.Unattended, opts.AcceptLicense, opts.Confirm); err != nil {
		return err
	}

	opts.printf("downloading Docker Desktop %s from %s", in.Version, in.URL)
	file, err := Fetch(ctx, opts)
	if err != nil {
		return err
	}
	mount := ""
	if sys.goos == "darwin" {
		mount, err = os.MkdirTemp("", "docker-desktop-")
		if err != nil {
			return fmt.Errorf("making a mount point for the disk image: %w", err)
		}
		defer os.Remove(mount)
	}
	plan, err := PlanInstall(sys.goos, file, mount, user.Name)
	if err != nil {
		return err
	}
	opts.printf("installing Docker Desktop %s; this takes a few minutes", in.Version)
	out, err := runInstall(ctx, opts.runner(), sys.goos, plan)
	if err != nil {
		return err
	}

	res.Installed = true
	res.RebootRequired = out.RebootRequired
	res.RebootInitiated = out.RebootInitiated
	res.Version = in.Version
	if inst, err := sys.detect(); err == nil && inst.Installed() {
		res.Path = inst.Path
		if inst.Version != "" {
			res.Version = inst.Version
		}
	}
	return nil
}

// runInstall runs plan's steps; its cleanup runs however they end.
func runInstall(ctx context.Context, r Runner, goos string, plan InstallPlan) (Outcome, error) {
	defer func() {
		// A disk image left attached does no harm; nothing to report.
		for _, c := range plan.Cleanup {
			r.Run(context.WithoutCancel(ctx), c)
		}
	}()
	for _, c := range plan.Prepare {
		code, out, err := r.Run(ctx, c)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit code %d", code)
		}
		if err != nil {
			return Outcome{}, &problem.Error{
				Code: problem.Engine,
				What: "preparing the Docker Desktop installer failed",
				Fix: "delete the downloaded installer so that setup downloads it again, " +
					"then run setup again",
				Evidence: fmt.Sprintf("%s\n%s", c, engine.Tail(out, 20)),
				Err:      err,
			}
		}
	}
	code, out, err := r.Run(ctx, plan.Install)
	if err != nil {
		return Outcome{}, problem.Wrap(problem.Engine, err,
			"the Docker Desktop installer could not be run", adminFix(goos))
	}
	return InstallerExit(goos, code, out)
}

func chooseUser(opts Options, sys system) (Account, error) {
	if opts.User != "" {
		return Account{Name: opts.User, Source: "as given"}, nil
	}
	return SignedInUser(sys.goos, sys.candidates())
}

func adminFix(goos string) string {
	if goos == "darwin" {
		return "run setup with sudo"
	}
	return "run setup as an administrator"
}

func platformOf(goos string) string {
	switch goos {
	case "windows":
		return "Windows"
	case "darwin":
		return "macOS"
	}
	return goos
}
