package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"setup/internal/problem"
)

// This file is the API for reading and turning on Windows optional
// features. The calls into the DISM API are in features_windows.go; what
// its answers mean is decided here, so that it is tested on any machine.

// ErrNotSupported is returned, wrapped, where Windows optional features
// cannot be read or changed: on other systems, and on a Windows without
// the DISM API (dismapi.dll), as under Wine.
var ErrNotSupported = errors.New("windows optional features are not supported here")

// Features reads and turns on the optional Windows features. SystemFeatures
// is the real one; code that enables features takes a Features so that its
// tests need not change a machine, which neither Wine nor a test run can
// or should do.
type Features interface {
	// State reads the states of WSL, VirtualMachinePlatform and Hyper-V.
	State(ctx context.Context) (FeatureStates, error)
	// Enable turns on the named features, as EnableFeatures does.
	Enable(ctx context.Context, names []string) (rebootRequired bool, err error)
}

// SystemFeatures returns the Features of this machine: the DISM API on
// Windows, and on other systems one whose calls fail with ErrNotSupported.
func SystemFeatures() Features { return systemFeatures{} }

type systemFeatures struct{}

func (systemFeatures) State(ctx context.Context) (FeatureStates, error) {
	return WindowsFeatures(ctx)
}

func (systemFeatures) Enable(ctx context.Context, names []string) (bool, error) {
	return EnableFeatures(ctx, names)
}

// WindowsFeatures reads the states of the optional features Docker Desktop
// may need through the DISM API, which needs administrator rights. It
// fails with ErrNotSupported off Windows, and with a *problem.Error of code
// problem.Prerequisites when the process is not elevated.
func WindowsFeatures(ctx context.Context) (FeatureStates, error) {
	return readFeatures(ctx)
}

// EnableFeatures turns on the named optional features, such as FeatureWSL
// and FeatureVMP, through the DISM API, without restarting Windows.
// rebootRequired is true when Windows must restart before they work. It
// needs administrator rights: without them it fails with a *problem.Error
// of code problem.Prerequisites that says so. Off Windows it fails with
// ErrNotSupported. Enabling a feature that is on already succeeds.
func EnableFeatures(ctx context.Context, names []string) (rebootRequired bool, err error) {
	for _, n := range names {
		// DISM reads a semicolon as a separator between names.
		if n == "" || strings.ContainsAny(n, "; \t") {
			return false, fmt.Errorf("enabling Windows features: bad feature name %q", n)
		}
	}
	if len(names) == 0 {
		return false, nil
	}
	return enableFeatures(ctx, names)
}

// FeaturesToEnable lists the features setup must turn on before it
// installs Docker Desktop with the WSL 2 back end: WSL and
// VirtualMachinePlatform, each unless it is enabled already or will be
// after a restart. Hyper-V is never listed: the WSL 2 back end does not
// need it, and Windows Home does not have it; so the list is the same on
// every edition, and editionID does not change it. A feature this Windows
// does not have at all (FeatureAbsent) is not listed, as enabling it
// cannot succeed; OptionalFeatures fails for it. A feature whose state is
// unknown is listed: enabling a feature that is on already does no harm.
func FeaturesToEnable(s FeatureStates, editionID string) []string {
	var names []string
	for _, f := range []struct {
		name  string
		state FeatureState
	}{{FeatureWSL, s.WSL}, {FeatureVMP, s.VMP}} {
		switch f.state {
		case FeatureEnabled, FeatureEnablePending, FeatureAbsent:
			continue
		}
		names = append(names, f.name)
	}
	return names
}

// hresult is an HRESULT the DISM API returned.
type hresult uint32

func (h hresult) Error() string { return fmt.Sprintf("HRESULT %#08x", uint32(h)) }

// The HRESULTs whose meaning matters here (winerror.h, DismApi.h).
const (
	// hrRebootRequired is ERROR_SUCCESS_REBOOT_REQUIRED (3010), which
	// DismEnableFeature returns as is; hrRebootRequiredWin32 is the same
	// wrapped by HRESULT_FROM_WIN32.
	hrRebootRequired      hresult = 3010
	hrRebootRequiredWin32 hresult = 0x80070BC2
	hrNotImplemented      hresult = 0x80004001
	hrAccessDenied        hresult = 0x80070005
	hrElevationRequired   hresult = 0x800702E4
	hrCancelled           hresult = 0x800704C7
	// hrUnknownFeature is CBS_E_UNKNOWN_UPDATE: no feature of that name.
	hrUnknownFeature hresult = 0x800F080C
	// hrSourceMissing is CBS_E_SOURCE_MISSING: the feature's files are
	// neither on the disk nor reachable through Windows Update.
	hrSourceMissing hresult = 0x800F081F
	// hrAlreadyInitialized is DISMAPI_E_DISMAPI_ALREADY_INITIALIZED.
	hrAlreadyInitialized hresult = 0xC0040001
)

func (h hresult) failed() bool { return int32(h) < 0 }

// adminFix is the fix when the DISM API refuses a process that is not
// elevated.
const adminFix = "run setup as administrator (right-click it, then Run as " +
	"administrator), or accept the prompt it shows"

// initResult says what DismInitialize's answer means; doing names the
// operation, as in "reading Windows features". shutdown is true when this
// call initialized the API and so must shut it down.
func initResult(doing string, hr hresult) (shutdown bool, err error) {
	switch {
	case hr == hrAlreadyInitialized:
		// Whoever initialized it shuts it down.
		return false, nil
	case hr == hrElevationRequired || hr == hrAccessDenied:
		return false, &problem.Error{Code: problem.Prerequisites,
			What: doing + " needs administrator rights",
			Fix:  adminFix, Err: hr}
	case hr == hrNotImplemented:
		return false, fmt.Errorf("starting DISM: %w: %w", ErrNotSupported, hr)
	case hr.failed():
		return false, fmt.Errorf("starting DISM: %w", hr)
	}
	return true, nil
}

// enableResult says what DismEnableFeature's answer for the feature name
// means: success, success once Windows restarts, or why it failed.
func enableResult(name string, hr hresult) (rebootRequired bool, err error) {
	switch {
	case hr == hrRebootRequired || hr == hrRebootRequiredWin32:
		return true, nil
	case hr == hrElevationRequired || hr == hrAccessDenied:
		return false, &problem.Error{Code: problem.Prerequisites,
			What: "enabling the Windows feature " + name + " needs administrator rights",
			Fix:  adminFix, Err: hr}
	case hr == hrUnknownFeature:
		return false, &problem.Error{Code: problem.Prerequisites,
			What: "this Windows has no feature named " + name,
			Fix:  "update to Windows 10 22H2 or Windows 11", Err: hr}
	case hr == hrSourceMissing:
		return false, &problem.Error{Code: problem.Prerequisites,
			What: "Windows could not find the files of the feature " + name,
			Fix: "connect to the internet so that Windows Update can provide " +
				"them, or turn the feature on in Turn Windows features on or off",
			Err: hr}
	case hr == hrCancelled:
		return false, fmt.Errorf("enabling %s: %w", name, context.Canceled)
	case hr.failed():
		return false, fmt.Errorf("enabling %s: %w", name, hr)
	}
	return false, nil
}
