package checks

import (
	"context"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The DISM API (dismapi.dll, the library dism.exe is built on) answers
// with state numbers rather than translated text, and enables features
// without a command line to parse.
var (
	dismapi                = windows.NewLazySystemDLL("dismapi.dll")
	procDismInitialize     = dismapi.NewProc("DismInitialize")
	procDismOpenSession    = dismapi.NewProc("DismOpenSession")
	procDismGetFeatureInfo = dismapi.NewProc("DismGetFeatureInfo")
	procDismEnableFeature  = dismapi.NewProc("DismEnableFeature")
	procDismDelete         = dismapi.NewProc("DismDelete")
	procDismCloseSession   = dismapi.NewProc("DismCloseSession")
	procDismShutdown       = dismapi.NewProc("DismShutdown")
)

// The DISM API's constants (DismApi.h).
const (
	dismOnlineImage         = "DISM_{53BFAE52-B167-4E2F-A258-0A37B57FF845}"
	dismLogErrors           = 0
	dismStateInstalled      = 4
	dismStateInstallPending = 5
	dismStateSuperseded     = 6
	dismStatePartially      = 7
)

// dismMu serializes use of the DISM API: it is initialized and shut down
// once per use, and one use must not shut it down under another.
var dismMu sync.Mutex

// withDISM runs fn with a session on the running Windows; doing names the
// operation for errors, as in "reading Windows features".
func withDISM(doing string, fn func(session uint32) error) error {
	if err := dismapi.Load(); err != nil {
		return fmt.Errorf("%s: %w: loading dismapi.dll: %w", doing, ErrNotSupported, err)
	}
	for _, p := range []*windows.LazyProc{procDismInitialize, procDismOpenSession,
		procDismGetFeatureInfo, procDismEnableFeature, procDismDelete,
		procDismCloseSession, procDismShutdown} {
		if err := p.Find(); err != nil {
			return fmt.Errorf("%s: %w: %w", doing, ErrNotSupported, err)
		}
	}

	dismMu.Lock()
	defer dismMu.Unlock()
	hr, _, _ := procDismInitialize.Call(dismLogErrors, 0, 0)
	shutdown, err := initResult(doing, hresult(hr))
	if err != nil {
		return err
	}
	if shutdown {
		defer procDismShutdown.Call()
	}

	image, _ := windows.UTF16PtrFromString(dismOnlineImage)
	var session uint32
	hr, _, _ = procDismOpenSession.Call(uintptr(unsafe.Pointer(image)), 0, 0,
		uintptr(unsafe.Pointer(&session)))
	if hresult(hr).failed() {
		return fmt.Errorf("%s: opening a DISM session: %w", doing, hresult(hr))
	}
	defer procDismCloseSession.Call(uintptr(session))
	return fn(session)
}

// readFeatures reads WSL's, VirtualMachinePlatform's and Hyper-V's
// states.
func readFeatures(ctx context.Context) (FeatureStates, error) {
	var s FeatureStates
	err := withDISM("reading Windows features", func(session uint32) error {
		for _, ft := range []struct {
			name  string
			state *FeatureState
		}{{FeatureWSL, &s.WSL}, {FeatureVMP, &s.VMP}, {FeatureHyperV, &s.HyperV}} {
			if err := ctx.Err(); err != nil {
				return err
			}
			st, err := dismFeature(session, ft.name)
			if err != nil {
				return err
			}
			*ft.state = st
		}
		return nil
	})
	return s, err
}

// dismFeature reads one feature's state. DismFeatureInfo starts with the
// feature's name (a pointer) followed by its DismPackageFeatureState.
func dismFeature(session uint32, name string) (FeatureState, error) {
	n, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return FeatureUnknown, err
	}
	var info *struct {
		name  *uint16
		state uint32
	}
	hr, _, _ := procDismGetFeatureInfo.Call(uintptr(session), uintptr(unsafe.Pointer(n)),
		0, 0, uintptr(unsafe.Pointer(&info)))
	switch {
	case hresult(hr) == hrUnknownFeature:
		return FeatureAbsent, nil
	case hresult(hr).failed() || info == nil:
		return FeatureUnknown, fmt.Errorf("reading the state of %s: %w", name, hresult(hr))
	}
	defer procDismDelete.Call(uintptr(unsafe.Pointer(info)))

	switch info.state {
	case dismStateInstalled, dismStateSuperseded, dismStatePartially:
		return FeatureEnabled, nil
	case dismStateInstallPending:
		return FeatureEnablePending, nil
	}
	// Staged, removed, uninstall pending, not present.
	return FeatureDisabled, nil
}

// enableFeatures turns the features on one by one, so that an error names
// the feature, with their parent features and without a restart. Windows
// Update may provide files that are not on the disk. Cancelling ctx
// signals DISM's cancel event.
func enableFeatures(ctx context.Context, names []string) (bool, error) {
	reboot := false
	err := withDISM("enabling Windows features", func(session uint32) error {
		cancel, release, err := cancelEvent(ctx)
		if err != nil {
			return err
		}
		defer release()

		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("enabling %s: %w", name, err)
			}
			n, err := windows.UTF16PtrFromString(name)
			if err != nil {
				return fmt.Errorf("enabling %s: %w", name, err)
			}
			hr, _, _ := procDismEnableFeature.Call(
				uintptr(session),
				uintptr(unsafe.Pointer(n)),
				0,    // Identifier: the Windows Foundation package
				0,    // PackageIdentifier: DismPackageNone
				0,    // LimitAccess: false, Windows Update may be asked
				0, 0, // SourcePaths and their count: none
				1,               // EnableAll: parent features too
				uintptr(cancel), // CancelEvent
				0, 0,            // no progress callback, no user data
			)
			r, err := enableResult(name, hresult(hr))
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("enabling %s: %w", name, ctx.Err())
				}
				return err
			}
			reboot = reboot || r
		}
		return nil
	})
	return reboot, err
}

// cancelEvent returns an event that is set when ctx is done, for the DISM
// API to poll; release stops watching ctx and closes the event.
func cancelEvent(ctx context.Context) (event windows.Handle, release func(), err error) {
	event, err = windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("creating a cancel event: %w", err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			windows.SetEvent(event)
		case <-stop:
		}
	}()
	release = func() {
		close(stop)
		<-done
		windows.CloseHandle(event)
	}
	return event, release, nil
}
