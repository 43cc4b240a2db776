package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"setup/internal/state"
	"setup/internal/winapp"
)

// register copies setup to a stable place, so that shortcuts, launch,
// upgrade and uninstall keep working after the downloaded file is gone. On
// Windows it also adds the product to Add/Remove Programs: an installation
// for one user goes under LocalAppData and HKCU, an elevated or all-users
// one under Program Files and HKLM.
func (r *run) register(ctx context.Context) error {
	h := r.opts.Host
	if h.GOOS != "windows" {
		return r.keepCopy()
	}
	perUser := r.perUser()
	product := r.winProduct()
	stable, err := winapp.StablePath(h.Getenv, product, perUser)
	if err != nil {
		return err
	}
	if r.opts.DryRun {
		if stable != h.Executable {
			r.planned("copy setup to %s", stable)
		}
		r.planned("register %s in Add/Remove Programs", r.m.Product.Name)
		return nil
	}
	if _, err := winapp.InstallCopy(h.Executable, stable); err != nil {
		return err
	}
	r.exe = stable

	info, err := os.Stat(stable)
	if err != nil {
		return err
	}
	entry, err := winapp.UninstallEntry(product, stable, info.Size())
	if err != nil {
		return err
	}
	if err := winapp.Register(entry, perUser); err != nil {
		return fmt.Errorf("adding %s to Add/Remove Programs: %w", r.m.Product.Name, err)
	}
	return nil
}

// keepCopy, outside Windows, keeps a copy of setup in the state folder.
func (r *run) keepCopy() error {
	stable := r.copyPath()
	if r.opts.DryRun {
		if same, err := winapp.SameFile(r.opts.Host.Executable, stable); err != nil || !same {
			r.planned("copy setup to %s", stable)
		}
		return nil
	}
	if _, err := winapp.InstallCopy(r.opts.Host.Executable, stable); err != nil {
		return err
	}
	r.exe = stable
	return nil
}

func (r *run) copyPath() string {
	return filepath.Join(r.store.Dir, "bin", "setup")
}

// unregister removes the Add/Remove Programs entry and any pending resume
// on Windows, and the kept copy of setup elsewhere.
func (r *run) unregister() error {
	if r.opts.Host.GOOS != "windows" {
		if err := os.RemoveAll(filepath.Dir(r.copyPath())); err != nil {
			return fmt.Errorf("removing the copy of setup: %w", err)
		}
		return nil
	}
	var errs []error
	for _, perUser := range []bool{true, false} {
		// Only an elevated process may change the machine's entry.
		if !perUser && !r.opts.Host.System {
			continue
		}
		if err := winapp.Unregister(r.m.Product.ID, perUser); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		_ = winapp.UnregisterResume(r.m.Product.ID, perUser)
	}
	return errors.Join(errs...)
}

// perUser tells whether this installation is for the current user only.
func (r *run) perUser() bool {
	return !r.opts.Host.System && !r.opts.AllUsers
}

func (r *run) winProduct() winapp.Product {
	p := r.m.Product
	return winapp.Product{ID: p.ID, Name: p.Name, Version: p.Version, Publisher: p.Publisher}
}

// NeedsElevation tells whether, on Windows, this run needs administrator
// rights it does not have: to install or start the engine when none
// answers, or to register for all users. Elsewhere it is false.
func NeedsElevation(ctx context.Context, opts Options) bool {
	h := opts.Host
	if h.GOOS != "windows" || h.System || opts.DryRun {
		return false
	}
	r := newRun(opts)
	defer r.close()
	// A product installed for the whole machine is changed only elevated.
	if r.store.Dir == state.Dir(h.GOOS, true, h.Getenv, h.Home, r.m.Product.ID) {
		return true
	}
	steps := []winapp.Step{winapp.StepStack, winapp.StepStableCopy,
		winapp.StepUninstallEntry, winapp.StepShortcuts}
	if !r.engineAnswers(ctx) {
		steps = append(steps, winapp.StepEngine, winapp.StepDockerUsers)
	}
	return winapp.ShouldElevate(steps, r.perUser(), h.System)
}
