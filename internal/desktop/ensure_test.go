package desktop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/engine"
	"setup/internal/problem"
	"setup/manifests"
)

// installing returns a Windows or macOS system where Docker Desktop is
// missing until the runner has run the installer, and which records the
// accounts added to groups.
func installing(goos string, self Process, r *fakeRunner, joined *[]string) system {
	sys := fakeSystem(goos, Installation{}, self)
	sys.detect = func() (Installation, error) {
		if len(r.ran) == 0 {
			return Installation{}, nil
		}
		if goos == "darwin" {
			return Installation{Path: MacApp, Version: "4.41.2"}, nil
		}
		return Installation{Path: desktopExe, Version: "4.41.2"}, nil
	}
	if goos == "windows" {
		sys.join = func(group, account string) (bool, error) {
			*joined = append(*joined, group+" "+account)
			return true, nil
		}
	}
	return sys
}

// checkedRunner returns a runner whose installer exits with code, after
// checking that the file it runs is the one pinned.
func checkedRunner(t *testing.T, pinned string, code int) *fakeRunner {
	return &fakeRunner{run: func(c engine.Command) (int, string, error) {
		if got, err := fileSHA256(c.Name); err != nil || got != pinned {
			t.Errorf("ran %s, whose sha256 is %s (%v), not the pinned %s", c.Name, got, err, pinned)
		}
		return code, "installer output\n", nil
	}}
}

func TestEnsureInstallsOnWindows(t *testing.T) {
	content := installerBytes(40_000)
	for _, tc := range []struct {
		name string
		code int
		want Result
	}{
		{"success", 0, Result{}},
		{"reboot required", 3010, Result{RebootRequired: true}},
		{"reboot initiated", 1641, Result{RebootInitiated: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newInstallerServer(t, content, nil)
			opts, _ := fetchOptions(t, s.URL, sum(content), 3)
			opts.Unattended, opts.AcceptLicense = true, true
			r := checkedRunner(t, sum(content), tc.code)
			opts.Runner = r
			var joined []string
			sys := installing("windows", Process{Elevated: true}, r, &joined)

			got, err := ensure(context.Background(), opts, sys)
			if err != nil {
				t.Fatalf("ensure() error = %v", err)
			}
			want := tc.want
			want.Path, want.Version, want.Installed = desktopExe, "4.41.2", true
			want.User, want.SignOutRequired = `PC\alice`, true
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ensure() mismatch (-want +got):\n%s", diff)
			}
			wantRan := []engine.Command{{
				Name: filepath.Join(opts.Dir, "Docker Desktop Installer.exe"),
				Args: []string{"install", "--quiet", "--accept-license", "--backend=wsl-2"},
			}}
			if diff := cmp.Diff(wantRan, r.ran); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{`docker-users PC\alice`}, joined); diff != "" {
				t.Errorf("joined (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnsureInstallerFails(t *testing.T) {
	content := installerBytes(10_000)
	s := newInstallerServer(t, content, nil)
	opts, _ := fetchOptions(t, s.URL, sum(content), 3)
	opts.AcceptLicense = true
	r := checkedRunner(t, sum(content), 1603)
	opts.Runner = r
	var joined []string

	sys := installing("windows", Process{Elevated: true}, r, &joined)
	got, err := ensure(context.Background(), opts, sys)
	var p *problem.Error
	if !errors.As(err, &p) || p.Code != problem.Engine || !strings.Contains(p.Evidence, "1603") {
		t.Fatalf("ensure() = %+v, %v; want a problem.Engine error with 1603 in its evidence", got, err)
	}
	if got.Installed {
		t.Errorf("ensure() = %+v, want Installed false", got)
	}
	if len(joined) != 0 {
		t.Errorf("ensure() joined %v after a failed install", joined)
	}
}

func TestEnsureStopsBeforeRunning(t *testing.T) {
	content := installerBytes(10_000)
	no := func(string) (bool, error) { return false, nil }
	for _, tc := range []struct {
		name         string
		self         Process
		unattended   bool
		accept       bool
		confirm      func(string) (bool, error)
		sha          string
		noInstaller  bool
		wantCode     problem.Code
		wantRequests bool
	}{
		{
			name: "checksum mismatch", self: Process{Elevated: true}, accept: true,
			sha: sum([]byte("another file")), wantCode: problem.Engine, wantRequests: true,
		},
		{
			name: "unattended without the license", self: Process{Elevated: true}, unattended: true,
			wantCode: problem.Usage,
		},
		{
			name: "license declined", self: Process{Elevated: true}, confirm: no,
			wantCode: problem.Cancelled,
		},
		{
			name: "not elevated", accept: true,
			wantCode: problem.Engine,
		},
		{
			name: "no installer pinned", self: Process{Elevated: true}, accept: true, noInstaller: true,
			wantCode: problem.Engine,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newInstallerServer(t, content, nil)
			sha := tc.sha
			if sha == "" {
				sha = sum(content)
			}
			opts, _ := fetchOptions(t, s.URL, sha, 3)
			if tc.noInstaller {
				opts.Installer = manifests.Installer{}
			}
			opts.Unattended, opts.AcceptLicense, opts.Confirm = tc.unattended, tc.accept, tc.confirm
			r := &fakeRunner{}
			opts.Runner = r
			var joined []string

			_, err := ensure(context.Background(), opts, installing("windows", tc.self, r, &joined))
			if got := problem.ExitCode(err); got != tc.wantCode {
				t.Errorf("ensure() = %v (exit %d), want exit %d", err, got, tc.wantCode)
			}
			if len(r.ran) != 0 {
				t.Errorf("ensure() ran %v, want nothing run", r.ran)
			}
			if n := len(s.requests()); (n > 0) != tc.wantRequests {
				t.Errorf("ensure() made %d requests, want some: %v", n, tc.wantRequests)
			}
			if names := dirNames(t, opts.Dir); len(names) != 0 {
				t.Errorf("ensure() left %v in the download folder", names)
			}
		})
	}
}

func TestEnsureKeepsInstalled(t *testing.T) {
	inst := Installation{Path: desktopExe, Version: "4.30.0"}
	for _, tc := range []struct {
		name       string
		self       Process
		member     bool
		nobody     bool
		wantJoined int
		want       Result
	}{
		{
			name: "elevated, adds the user", self: Process{Elevated: true}, wantJoined: 1,
			want: Result{User: `PC\alice`, SignOutRequired: true},
		},
		{
			name: "elevated, already a member", self: Process{Elevated: true}, member: true, wantJoined: 1,
			want: Result{User: `PC\alice`},
		},
		{name: "not elevated", self: Process{}},
		{
			name: "SYSTEM with no one signed in", self: Process{Elevated: true, Service: true},
			nobody: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := fakeSystem("windows", inst, tc.self)
			if tc.nobody {
				sys.candidates = func() []Account {
					return []Account{{Name: `WORKGROUP\PC01$`, Source: FromEnv}}
				}
			}
			joined := 0
			sys.join = func(group, account string) (bool, error) {
				joined++
				return JoinResult(map[bool]uint32{false: 0, true: 1378}[tc.member], group, account)
			}
			var said []string
			r := &fakeRunner{}
			opts := Options{
				Installer: manifests.Installer{Version: "4.41.2", URL: "https://example.invalid/x.exe"},
				Runner:    r,
				Printf:    func(f string, a ...any) { said = append(said, f) },
			}

			got, err := ensure(context.Background(), opts, sys)
			if err != nil {
				t.Fatalf("ensure() error = %v", err)
			}
			want := tc.want
			want.Path, want.Version = inst.Path, inst.Version
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ensure() mismatch (-want +got):\n%s", diff)
			}
			if joined != tc.wantJoined {
				t.Errorf("join called %d times, want %d", joined, tc.wantJoined)
			}
			if len(r.ran) != 0 {
				t.Errorf("ensure() ran %v for an installed Docker Desktop", r.ran)
			}
			if len(said) == 0 {
				t.Error("ensure() did not say that Docker Desktop is older than pinned")
			}
		})
	}
}

func TestEnsureInstallsOnMac(t *testing.T) {
	content := installerBytes(10_000)
	for _, tc := range []struct {
		name     string
		code     int
		wantCode problem.Code
	}{
		{"success", 0, problem.OK},
		{"installer fails", 1, problem.Engine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newInstallerServer(t, content, nil)
			opts, _ := fetchOptions(t, s.URL, sum(content), 3)
			opts.Installer.Platform = "darwin/arm64"
			opts.Installer.URL = s.URL + "/mac/Docker.dmg"
			opts.AcceptLicense = true
			var mount string
			r := &fakeRunner{run: func(c engine.Command) (int, string, error) {
				if strings.HasSuffix(c.Name, "/install") {
					return tc.code, "", nil
				}
				if c.Args[0] == "attach" {
					mount = c.Args[len(c.Args)-2]
					if got, _ := fileSHA256(c.Args[len(c.Args)-1]); got != sum(content) {
						t.Errorf("attached %s before checking it", c.Args[len(c.Args)-1])
					}
				}
				return 0, "", nil
			}}
			opts.Runner = r

			got, err := ensure(context.Background(), opts, installing("darwin", Process{Elevated: true}, r, nil))
			if code := problem.ExitCode(err); code != tc.wantCode {
				t.Fatalf("ensure() = %+v, %v; want exit %d", got, err, tc.wantCode)
			}
			want := []engine.Command{
				{Name: "hdiutil", Args: []string{"attach", "-nobrowse", "-readonly", "-noautoopen",
					"-mountpoint", mount, filepath.Join(opts.Dir, "Docker.dmg")}},
				{Name: mount + "/Docker.app/Contents/MacOS/install",
					Args: []string{"--accept-license", "--user=alice"}},
				{Name: "hdiutil", Args: []string{"detach", mount, "-force"}},
			}
			if diff := cmp.Diff(want, r.ran); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(mount); err == nil {
				t.Errorf("the mount point %s was left behind", mount)
			}
			if err == nil && (!got.Installed || got.Path != MacApp || got.User != "") {
				t.Errorf("ensure() = %+v, want Docker Desktop installed at %s", got, MacApp)
			}
		})
	}
}
