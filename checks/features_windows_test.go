package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"setup/internal/problem"
)

// noSuchFeature is a feature name no Windows has, so that enabling it
// changes nothing on any machine the test runs on.
const noSuchFeature = "Setup-Test-No-Such-Feature"

// TestWindowsFeatures reads the real features. Wine has no dismapi.dll,
// so there the answer must be ErrNotSupported: which is why setup takes
// the features through a seam. On Windows the DISM API answers an
// elevated process and refuses any other with a problem that asks for
// administrator rights.
func TestWindowsFeatures(t *testing.T) {
	s, err := SystemFeatures().State(context.Background())
	elevated := windows.GetCurrentProcessToken().IsElevated()
	switch {
	case underWine():
		if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "dismapi.dll") {
			t.Errorf("State() under Wine = %+v, %v, want %v naming dismapi.dll",
				s, err, ErrNotSupported)
		}
	case !elevated:
		if problemCode(err) != problem.Prerequisites {
			t.Errorf("State() not elevated = %v, want a problem asking for administrator rights", err)
		}
	case err != nil:
		t.Errorf("State() elevated = %v, want the states", err)
	case s.WSL == FeatureUnknown || s.VMP == FeatureUnknown:
		t.Errorf("State() = %+v, want known states of WSL and VirtualMachinePlatform", s)
	}
	t.Logf("features: %+v, %v", s, err)
}

// TestEnableFeatures asks the DISM API to enable a feature no Windows
// has, which changes nothing anywhere: under Wine the answer is
// ErrNotSupported, on Windows a problem that asks for administrator
// rights or says there is no such feature.
func TestEnableFeatures(t *testing.T) {
	reboot, err := SystemFeatures().Enable(context.Background(), []string{noSuchFeature})
	if reboot || err == nil {
		t.Fatalf("Enable(%s) = %t, %v, want an error", noSuchFeature, reboot, err)
	}
	elevated := windows.GetCurrentProcessToken().IsElevated()
	var want string
	switch {
	case underWine():
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("Enable() under Wine = %v, want %v", err, ErrNotSupported)
		}
		return
	case !elevated:
		want = "administrator rights"
	default:
		want = "no feature named " + noSuchFeature
	}
	if problemCode(err) != problem.Prerequisites || !strings.Contains(err.Error(), want) {
		t.Errorf("Enable(%s) = %v, want a problem saying %q", noSuchFeature, err, want)
	}
}

// TestReadWindowsFactsSystemProbe reads the facts with the real probe:
// under Wine the features cannot be read, and the check says so with a
// warning instead of failing or crashing.
func TestReadWindowsFactsSystemProbe(t *testing.T) {
	if !underWine() {
		t.Skip("Wine only: on Windows the answer depends on the machine")
	}
	f := readWindowsFacts(context.Background(), systemProbe{}, true)
	if !errors.Is(f.FeaturesErr, ErrNotSupported) {
		t.Errorf("readWindowsFacts() FeaturesErr = %v, want %v", f.FeaturesErr, ErrNotSupported)
	}
	got, found := findResult(Windows(Input{}, f), "windows features")
	if !found || got.Status != Warn || !strings.Contains(got.Evidence, "could not read") {
		t.Errorf("Windows() windows features = %+v, want a warning that it could not read them", got)
	}
}

// TestCancelEvent shows that the event handed to the DISM API is set when
// the context ends, and only then.
func TestCancelEvent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev, release, err := cancelEvent(ctx)
	if err != nil {
		t.Fatalf("cancelEvent() = %v", err)
	}
	defer release()

	if s, _ := windows.WaitForSingleObject(ev, 0); s != uint32(windows.WAIT_TIMEOUT) {
		t.Fatalf("event before cancel = %#x, want WAIT_TIMEOUT", s)
	}
	cancel()
	wait := uint32(5 * time.Second / time.Millisecond)
	if s, _ := windows.WaitForSingleObject(ev, wait); s != windows.WAIT_OBJECT_0 {
		t.Errorf("event after cancel = %#x, want WAIT_OBJECT_0", s)
	}

	// Released without cancelling: the watcher stops and the event stays
	// unset.
	ev2, release2, err := cancelEvent(context.Background())
	if err != nil {
		t.Fatalf("cancelEvent() = %v", err)
	}
	if s, _ := windows.WaitForSingleObject(ev2, 0); s != uint32(windows.WAIT_TIMEOUT) {
		t.Errorf("event of a live context = %#x, want WAIT_TIMEOUT", s)
	}
	release2()
}

// TestBindErrorsWindows binds ports the way the ports check does, against
// real Winsock, and shows that portError reads the errors: a port another
// socket holds fails with WSAEADDRINUSE; a specific address whose port
// another socket holds on every address for its exclusive use fails with
// WSAEACCES, on Windows and under Wine alike.
func TestBindErrorsWindows(t *testing.T) {
	const soExclusiveAddrUse = ^int32(4) // SO_EXCLUSIVEADDRUSE, ~SO_REUSEADDR
	exclusive := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET,
				int(soExclusiveAddrUse), 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	tests := []struct {
		name   string
		listen func() (net.Listener, error)
		errno  syscall.Errno
		// want is how portError's report starts, for a port outside the
		// excluded ranges.
		want string
	}{
		{name: "held", errno: wsaeaddrinuse, want: "address already in use",
			listen: func() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }},
		{name: "held for exclusive use", errno: wsaeacces, want: "access denied",
			listen: func() (net.Listener, error) {
				return exclusive.Listen(context.Background(), "tcp", "0.0.0.0:0")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.listen()
			if err != nil {
				t.Fatalf("listen = %v", err)
			}
			defer l.Close()
			addr := fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)

			l2, err := net.Listen("tcp", addr)
			if err == nil {
				l2.Close()
				t.Fatalf("net.Listen(%s) succeeded while %s holds the port", addr, l.Addr())
			}
			if !errors.Is(err, tt.errno) {
				t.Errorf("net.Listen(%s) = %v, want errno %d", addr, err, tt.errno)
			}
			report, reserved := portError(err, false)
			if report == nil || !strings.HasPrefix(report.Error(), tt.want) || reserved {
				t.Errorf("portError(%v, false) = %v, %t, want %q", err, report, reserved, tt.want)
			}
			if tt.errno == wsaeacces {
				if report, reserved := portError(err, true); report != nil || !reserved {
					t.Errorf("portError(%v, true) = %v, %t, want nil, reserved", err, report, reserved)
				}
			}
		})
	}
}
