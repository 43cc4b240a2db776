package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"setup/checks"
	"setup/internal/desktop"
	"setup/internal/problem"
	"setup/internal/winapp"
)

// usesDesktop tells whether the engine this run talks to is Docker
// Desktop's, which setup may install and start.
func (r *run) usesDesktop() bool {
	h := r.opts.Host
	return (h.GOOS == "windows" || h.GOOS == "darwin") &&
		desktop.IsDesktopHost(h.GOOS, r.endpoint.Host, h.Home)
}

func (r *run) desktopOptions() desktop.Options {
	h := r.opts.Host
	installer, _ := r.m.DesktopInstaller(h.GOOS, h.GOARCH)
	last := -1
	return desktop.Options{
		Installer:     installer,
		Dir:           filepath.Join(r.store.Dir, "downloads"),
		Unattended:    r.opts.Unattended,
		AcceptLicense: r.opts.AcceptLicense,
		Upgrade:       r.upgrade,
		Constraint:    r.m.Runtime.Engine,
		Confirm:       h.Confirm,
		Printf:        r.opts.Report.Printf,
		Runner:        r.opts.DesktopRunner,
		Countdown: func(left time.Duration) {
			r.opts.Report.Waiting("Docker Desktop", left)
		},
		// One line per tenth downloaded; the total may be unknown.
		Progress: func(done, total int64) {
			if total <= 0 {
				return
			}
			if tenth := int(done * 10 / total); tenth != last {
				last = tenth
				r.opts.Report.Printf("Docker Desktop installer: %d%% of %.0f MB", tenth*10, float64(total)/1e6)
			}
		},
	}
}

// provisionDesktop turns on the Windows features WSL 2 needs, installs
// Docker Desktop when it is missing, and starts it. A restart owed on the
// way ends the run with problem.Reboot, after arranging for setup to carry
// on after the next sign-in.
func (r *run) provisionDesktop(ctx context.Context) error {
	if r.opts.DryRun {
		r.planDesktop()
		return errPlanEnds
	}
	if r.opts.Host.GOOS == "windows" {
		restart, err := r.enableFeatures(ctx)
		if err != nil {
			return err
		}
		if restart {
			return r.restartOwed(ctx, "Windows turned on the features WSL 2 needs")
		}
	}

	opts := r.desktopOptions()
	res, err := desktop.Ensure(ctx, opts)
	if err != nil {
		return err
	}
	if res.RebootRequired || res.RebootInitiated {
		return r.restartOwed(ctx, "Docker Desktop "+res.Version+" was installed")
	}
	if res.SignOutRequired {
		r.opts.Report.Printf("%s was added to the docker-users group; sign out and in again before using Docker yourself", res.User)
	}
	_, err = desktop.Start(ctx, opts, r.endpoint, r.docker)
	return err
}

// planDesktop says what provisionDesktop would do.
func (r *run) planDesktop() {
	inst, err := desktop.Detect()
	if err != nil || !inst.Installed() {
		in, _ := r.m.DesktopInstaller(r.opts.Host.GOOS, r.opts.Host.GOARCH)
		r.planned("install Docker Desktop %s from %s", in.Version, in.URL)
	}
	r.planned("start Docker Desktop and wait for its engine")
}

// enableFeatures turns on WSL and VirtualMachinePlatform when they are off
// and reports whether Windows must restart before they work.
func (r *run) enableFeatures(ctx context.Context) (bool, error) {
	features := r.opts.Features
	if features == nil {
		features = checks.SystemFeatures()
	}
	states, err := features.State(ctx)
	if errors.Is(err, checks.ErrNotSupported) {
		r.opts.Report.Printf("warning: the state of the WSL features cannot be read here: %v", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	names := checks.FeaturesToEnable(states, "")
	if len(names) == 0 {
		return false, nil
	}
	r.opts.Report.Printf("turning on the Windows features %v", names)
	return features.Enable(ctx, names)
}

// restartOwed registers setup to run again, with the same arguments,
// after the next sign-in, then restarts Windows when allowed to (exit
// 1641) or asks for a restart (exit 3010).
func (r *run) restartOwed(ctx context.Context, why string) error {
	h := r.opts.Host
	if h.GOOS == "windows" {
		// The resumed run starts from the stable copy: the downloaded file
		// may be gone by then.
		if err := r.register(ctx); err != nil {
			return err
		}
		if err := winapp.RegisterResume(r.m.Product.ID, r.exe, r.opts.Args, r.perUser()); err != nil {
			return fmt.Errorf("arranging to carry on after the restart: %w", err)
		}
	}
	now := r.opts.Reboot
	if !now && !r.opts.Unattended && h.Confirm != nil {
		yes, err := h.Confirm(why + ". Restart now? setup carries on after you sign in again")
		if err == nil {
			now = yes
		}
	}
	if now && h.GOOS == "windows" {
		restart := exec.CommandContext(ctx, "shutdown.exe", "/r", "/t", "15", "/c",
			r.m.Product.Name+" setup restarts Windows to finish installing")
		if out, err := restart.CombinedOutput(); err == nil {
			return problem.New(problem.RebootStarted,
				why+"; Windows restarts in 15 seconds", "setup carries on after the next sign-in")
		} else {
			r.opts.Report.Printf("warning: restarting Windows failed: %v %s", err, out)
		}
	}
	return problem.New(problem.Reboot, why+"; a restart is needed to finish",
		"restart the computer; setup carries on by itself after the next sign-in")
}
