package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wineRun is the exec wrapper of .ci/wine, which runs a Windows program
// under Wine and passes its exit code back. .ci/run's windows_tests step
// sets SETUP_WINE_EXEC to it.
func wineRun(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("SETUP_WINE_EXEC")
	if exe == "" {
		if os.Getenv("SETUP_WINE_REQUIRED") != "" {
			t.Fatal("SETUP_WINE_EXEC is not set")
		}
		t.Skip("SETUP_WINE_EXEC is not set: this test runs setup.exe under Wine; " +
			"bash .ci/run windows_tests runs it")
	}
	return exe
}

// proxyEngine serves the engine's unix socket on a loopback TCP port, the
// way a Windows machine reaches a remote engine with DOCKER_HOST=tcp://.
func proxyEngine(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				engine, err := net.Dial("unix", "/var/run/docker.sock")
				if err != nil {
					return
				}
				defer engine.Close()
				go io.Copy(engine, conn)
				io.Copy(conn, engine)
			}()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// TestWindowsUnderWine runs the Windows build of setup under Wine against
// the real engine and the loopback registry: install to healthy containers,
// shell links on the Desktop and in the Start Menu that lnkinfo reads, an
// Add/Remove Programs entry; then uninstall removes them and keeps the
// volumes.
func TestWindowsUnderWine(t *testing.T) {
	wrapper := wineRun(t)
	prefix := os.Getenv("WINEPREFIX_FOR_TESTS")
	if prefix == "" {
		t.Fatal("WINEPREFIX_FOR_TESTS is not set")
	}
	s := newStack(t)
	s.pushInflux("1.6.7")
	s.pushApp("1.4.0", true)

	exe := filepath.Join(s.dir, "setup.exe")
	build := exec.Command("go", "build", "-o", exe, "setup")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building setup.exe: %v\n%s", err, out)
	}

	host := proxyEngine(t)
	run := func(args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, wrapper, append([]string{exe}, args...)...)
		cmd.Dir = s.dir
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+host, "CI=true")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		r := result{stdout: out.String()}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			r.code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("running setup.exe %v: %v", args, err)
		}
		t.Logf("setup.exe %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stdout)
		return r
	}
	manifest := s.manifest
	if r := run("install", "--manifest", manifest, "--unattended"); r.code != 0 {
		t.Fatalf("setup.exe install exited %d", r.code)
	}
	t.Cleanup(func() { run("uninstall", "--manifest", manifest, "--unattended", "--purge") })

	cs := s.containers()
	for _, name := range []string{s.id + "-influxdb", s.id + "-app"} {
		if cs[name].State != "running" {
			t.Errorf("after install %s is %q, want running", name, cs[name].State)
		}
	}
	if got := s.appVersion(); got != "1.4.0" {
		t.Errorf("app answers %q, want 1.4.0", got)
	}

	// The links are where a Windows user finds them, and an independent
	// parser reads them back.
	user := filepath.Join(prefix, "drive_c", "users", wineUser())
	links := []string{
		filepath.Join(user, "Desktop", "End To End.lnk"),
		filepath.Join(user, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "End To End.lnk"),
	}
	for _, link := range links {
		out, err := exec.Command("lnkinfo", link).CombinedOutput()
		if err != nil {
			t.Errorf("lnkinfo %s: %v\n%s", link, err, out)
			continue
		}
		text := string(out)
		if !strings.Contains(text, `\Programs\End To End\setup.exe`) || !strings.Contains(text, "launch") {
			t.Errorf("lnkinfo %s does not show the stable setup.exe and its launch arguments:\n%s", link, text)
		}
	}

	entry := `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\` + s.id
	if out, err := wineReg(wrapper, "query", entry); err != nil || !strings.Contains(out, "End To End") {
		t.Errorf("reg query %s: %v\n%s", entry, err, out)
	}

	if r := run("uninstall", "--manifest", manifest, "--unattended"); r.code != 0 {
		t.Fatalf("setup.exe uninstall exited %d", r.code)
	}
	if got := len(s.containers()); got != 0 {
		t.Errorf("after uninstall %d containers remain", got)
	}
	for _, link := range links {
		if _, err := os.Stat(link); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after uninstall %s remains (%v)", link, err)
		}
	}
	if _, err := wineReg(wrapper, "query", entry); err == nil {
		t.Errorf("after uninstall %s remains", entry)
	}
	if got := s.volumes(); len(got) != 1 {
		t.Errorf("after uninstall volumes = %v, want the data volume kept", got)
	}
}

// wineUser is the user name Wine gives the prefix's profile.
func wineUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

// wineReg runs reg.exe under Wine through the wrapper.
func wineReg(wrapper string, args ...string) (string, error) {
	out, err := exec.Command(wrapper, append([]string{"reg.exe"}, args...)...).CombinedOutput()
	return string(out), err
}
