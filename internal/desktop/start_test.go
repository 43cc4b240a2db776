package desktop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/google/go-cmp/cmp"

	"setup/internal/engine"
	"setup/internal/problem"
	"setup/manifests"
)

// fakeEngine answers the part of the engine's API that Start uses:
// /_ping, failing with 500 while starting is above zero, and /version.
type fakeEngine struct {
	os, version string
	starting    atomic.Int32
}

func (e *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_ping":
		w.Header().Set("Api-Version", "1.47")
		w.Header().Set("Ostype", e.os)
		if e.starting.Add(-1) >= 0 {
			http.Error(w, "Docker Desktop is starting", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "OK")
	case strings.HasSuffix(r.URL.Path, "/version"):
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"Version": e.version, "ApiVersion": "1.47", "MinAPIVersion": "1.24",
			"Os": e.os, "Arch": "amd64",
		})
	default:
		http.NotFound(w, r)
	}
}

// engineAddr returns a loopback address where nothing listens yet, for
// a test engine to listen on later.
func engineAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveAt serves e at addr.
func serveAt(t *testing.T, addr string, e http.Handler) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	s := httptest.NewUnstartedServer(e)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
}

// clientAt returns a Docker client for the engine at host, an address
// with its scheme.
func clientAt(t *testing.T, host string) engine.Versioner {
	t.Helper()
	c, err := engine.NewClient(engine.Endpoint{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fakeRunner stands in for Docker Desktop's installer and program, which
// cannot run here. It records what it is asked to run.
type fakeRunner struct {
	mu       sync.Mutex
	ran      []engine.Command
	launched []engine.Command
	run      func(c engine.Command) (int, string, error)
	launch   func(c engine.Command) error
}

func (r *fakeRunner) Run(ctx context.Context, c engine.Command) (int, string, error) {
	r.mu.Lock()
	r.ran = append(r.ran, c)
	r.mu.Unlock()
	if r.run == nil {
		return 0, "", nil
	}
	return r.run(c)
}

func (r *fakeRunner) Launch(c engine.Command) error {
	r.mu.Lock()
	r.launched = append(r.launched, c)
	r.mu.Unlock()
	if r.launch == nil {
		return nil
	}
	return r.launch(c)
}

const desktopExe = `C:\Program Files\Docker\Docker\Docker Desktop.exe`

// fakeSystem is a machine with inst installed, running setup as self.
func fakeSystem(goos string, inst Installation, self Process) system {
	return system{
		goos:   goos,
		home:   "/Users/alice",
		detect: func() (Installation, error) { return inst, nil },
		self:   func() (Process, error) { return self, nil },
		candidates: func() []Account {
			if goos == "darwin" {
				return []Account{{Name: "root", Source: FromConsole}, {Name: "alice", Source: FromEnv}}
			}
			return []Account{
				{Name: `NT AUTHORITY\SYSTEM`, SID: "S-1-5-18", Source: FromConsole},
				{Name: `PC\alice`, SID: "S-1-5-21-1-2-3-1001", Source: FromExplorer},
			}
		},
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	winInst := Installation{Path: desktopExe, Version: "4.41.2"}
	for _, tc := range []struct {
		name         string
		goos         string
		self         Process
		wantLaunched []engine.Command
	}{
		{
			name:         "windows",
			goos:         "windows",
			wantLaunched: []engine.Command{{Name: desktopExe}},
		},
		{
			name:         "windows, elevated, as the shell's user",
			goos:         "windows",
			self:         Process{Elevated: true},
			wantLaunched: []engine.Command{{Name: "explorer.exe", Args: []string{desktopExe}}},
		},
		{
			name:         "macOS",
			goos:         "darwin",
			wantLaunched: []engine.Command{{Name: "open", Args: []string{"-a", "Docker"}}},
		},
		{
			name: "macOS, root, as the user",
			goos: "darwin",
			self: Process{Elevated: true},
			wantLaunched: []engine.Command{{Name: "sudo",
				Args: []string{"-u", "alice", "open", "-a", "Docker"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := engineAddr(t)
			e := &fakeEngine{os: "linux", version: "28.0.4"}
			e.starting.Store(1)
			r := &fakeRunner{launch: func(engine.Command) error {
				// Docker Desktop takes a moment to make its pipe.
				time.AfterFunc(300*time.Millisecond, func() { serveAt(t, addr, e) })
				return nil
			}}
			var mu sync.Mutex
			var left []time.Duration
			opts := Options{
				Runner:       r,
				StartTimeout: 20 * time.Second,
				Constraint:   ">= 25",
				Countdown: func(d time.Duration) {
					mu.Lock()
					left = append(left, d)
					mu.Unlock()
				},
			}
			ep := engine.Endpoint{Host: EnginePipe, Source: "the platform default"}
			if tc.goos == "darwin" {
				ep.Host = "unix:///Users/alice/.docker/run/docker.sock"
			}

			sys := fakeSystem(tc.goos, winInst, tc.self)
			v, err := start(context.Background(), opts, sys, ep, clientAt(t, "tcp://"+addr))
			if err != nil {
				t.Fatalf("start() error = %v", err)
			}
			if v.Version != "28.0.4" || v.OS != "linux" {
				t.Errorf("start() = %+v, want engine 28.0.4 on linux", v)
			}
			if diff := cmp.Diff(tc.wantLaunched, r.launched); diff != "" {
				t.Errorf("launched (-want +got):\n%s", diff)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(left) < 2 {
				t.Fatalf("Countdown called %d times, want a countdown", len(left))
			}
			for i, d := range left {
				if d <= 0 || d > opts.StartTimeout || i > 0 && d >= left[i-1] {
					t.Fatalf("Countdown got %v, want time left falling from %v", left, opts.StartTimeout)
				}
			}
		})
	}
}

func TestStartRunning(t *testing.T) {
	inst := Installation{Path: desktopExe}
	ep := engine.Endpoint{Host: EnginePipe, Source: "the platform default"}
	for _, tc := range []struct {
		name       string
		engine     *fakeEngine
		constraint string
		pinned     string
		wantErr    []string
	}{
		{name: "linux engine", engine: &fakeEngine{os: "linux", version: "28.0.4"}, constraint: ">= 25"},
		{
			name:    "windows containers",
			engine:  &fakeEngine{os: "windows", version: "28.0.4"},
			wantErr: []string{"Windows-containers", "Switch to Linux containers"},
		},
		{
			name:       "too old",
			engine:     &fakeEngine{os: "linux", version: "24.0.7"},
			constraint: ">= 25",
			pinned:     "4.41.2",
			wantErr:    []string{"too old", "upgrade Docker Desktop to 4.41.2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := engineAddr(t)
			serveAt(t, addr, tc.engine)
			r := &fakeRunner{}
			opts := Options{
				Runner:     r,
				Constraint: tc.constraint,
				Installer:  manifests.Installer{Version: tc.pinned},
				Countdown:  func(time.Duration) { t.Error("Countdown called for a running engine") },
			}

			sys := fakeSystem("windows", inst, Process{})
			_, err := start(context.Background(), opts, sys, ep, clientAt(t, "tcp://"+addr))
			if len(r.launched) > 0 {
				t.Errorf("start() launched %v for a running engine", r.launched)
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("start() error = %v", err)
				}
				return
			}
			if problem.ExitCode(err) != problem.Engine {
				t.Fatalf("start() = %v, want a problem.Engine error", err)
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(problem.Format(err), s) {
					t.Errorf("start() error %q does not say %q", problem.Format(err), s)
				}
			}
		})
	}
}

func TestStartTimesOut(t *testing.T) {
	t.Parallel()
	addr := engineAddr(t)
	r := &fakeRunner{}
	opts := Options{Runner: r, StartTimeout: 1500 * time.Millisecond}
	ep := engine.Endpoint{Host: LinuxEnginePipe, Source: "context desktop-linux"}
	sys := fakeSystem("windows", Installation{Path: desktopExe}, Process{})

	begin := time.Now()
	_, err := start(context.Background(), opts, sys, ep, clientAt(t, "tcp://"+addr))
	took := time.Since(begin)

	var p *problem.Error
	if !errors.As(err, &p) || p.Code != problem.Engine ||
		!strings.Contains(p.What, "did not start within 1 s") || p.Fix == "" || p.Evidence == "" {
		t.Fatalf("start() = %#v, want a problem.Engine error saying it did not start within 1 s", err)
	}
	if took < opts.StartTimeout || took > opts.StartTimeout+3*time.Second {
		t.Errorf("start() gave up after %v, want about %v", took, opts.StartTimeout)
	}
	if len(r.launched) != 1 {
		t.Errorf("launched %v, want Docker Desktop once", r.launched)
	}
}

func TestStartWaitsForStartingEngine(t *testing.T) {
	t.Parallel()
	addr := engineAddr(t)
	e := &fakeEngine{os: "linux", version: "28.0.4"}
	e.starting.Store(3)
	serveAt(t, addr, e)
	r := &fakeRunner{}
	opts := Options{Runner: r, StartTimeout: 20 * time.Second}
	ep := engine.Endpoint{Host: EnginePipe}

	_, err := start(context.Background(), opts, fakeSystem("windows", Installation{Path: desktopExe}, Process{}),
		ep, clientAt(t, "tcp://"+addr))
	if err != nil {
		t.Fatalf("start() error = %v", err)
	}
	if len(r.launched) != 0 {
		t.Errorf("start() launched %v while Docker Desktop was starting, want nothing", r.launched)
	}
}

func TestStartRefuses(t *testing.T) {
	missing := "tcp://" + engineAddr(t)
	for _, tc := range []struct {
		name    string
		goos    string
		host    string
		inst    Installation
		self    Process
		client  engine.Versioner
		wantErr string
	}{
		{
			name:    "not installed",
			goos:    "windows",
			host:    EnginePipe,
			client:  clientAt(t, missing),
			wantErr: "no container engine is installed",
		},
		{
			name:    "service account",
			goos:    "windows",
			host:    EnginePipe,
			inst:    Installation{Path: desktopExe},
			self:    Process{Elevated: true, Service: true},
			client:  clientAt(t, missing),
			wantErr: "service account",
		},
		{
			name:    "another engine's address",
			goos:    "windows",
			host:    "tcp://build-server:2376",
			inst:    Installation{Path: desktopExe},
			client:  clientAt(t, missing),
			wantErr: "tcp://build-server:2376",
		},
		{
			name:    "not in docker-users",
			goos:    "windows",
			host:    EnginePipe,
			inst:    Installation{Path: desktopExe},
			client:  failingPing{pipeError(5, "Access is denied.")},
			wantErr: "docker-users",
		},
		{
			name:    "macOS socket denied",
			goos:    "darwin",
			host:    "unix:///var/run/docker.sock",
			inst:    Installation{Path: MacApp},
			client:  failingPing{&os.PathError{Op: "dial", Path: "/var/run/docker.sock", Err: syscall.EACCES}},
			wantErr: "permission denied",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeRunner{}
			opts := Options{Runner: r, StartTimeout: 10 * time.Second}
			ep := engine.Endpoint{Host: tc.host, Source: "test"}

			_, err := start(context.Background(), opts, fakeSystem(tc.goos, tc.inst, tc.self), ep, tc.client)
			if problem.ExitCode(err) != problem.Engine || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("start() = %v, want a problem.Engine error saying %q", err, tc.wantErr)
			}
			if len(r.launched) != 0 {
				t.Errorf("start() launched %v, want nothing", r.launched)
			}
		})
	}
}

// failingPing is an engine client whose every call fails with err.
type failingPing struct{ err error }

func (f failingPing) Ping(context.Context) (types.Ping, error) { return types.Ping{}, f.err }

func (f failingPing) ServerVersion(context.Context) (types.Version, error) {
	return types.Version{}, f.err
}

// pipeError is the error of opening Docker Desktop's pipe on Windows,
// wrapped as the Docker client wraps it.
func pipeError(errno syscall.Errno, text string) error {
	return fmt.Errorf("error during connect: %w",
		&os.PathError{Op: "open", Path: `//./pipe/docker_engine`, Err: winErrno{errno, text}})
}

// winErrno is a syscall.Errno with the message Windows gives it, which
// differs from the Linux message of the same number.
type winErrno struct {
	syscall.Errno
	text string
}

func (e winErrno) Error() string { return e.text }
func (e winErrno) Unwrap() error { return e.Errno }

func TestClassifyDial(t *testing.T) {
	// Errors of a real client: nothing listening, a missing Unix socket,
	// an engine answering 500.
	_, refusedErr := clientAt(t, "tcp://"+engineAddr(t)).Ping(context.Background())
	sock := filepath.Join(t.TempDir(), "engine.sock")
	_, missingErr := clientAt(t, "unix://"+sock).Ping(context.Background())
	addr := engineAddr(t)
	e := &fakeEngine{os: "linux"}
	e.starting.Store(100)
	serveAt(t, addr, e)
	_, startingErr := clientAt(t, "tcp://"+addr).Ping(context.Background())

	for _, tc := range []struct {
		name string
		goos string
		err  error
		want EngineState
	}{
		{"pipe missing", "windows",
			pipeError(2, "The system cannot find the file specified."), EngineNotRunning},
		{"pipe missing, French", "windows",
			pipeError(2, "Le fichier spécifié est introuvable."), EngineNotRunning},
		{"pipe missing, text only", "windows",
			errors.New("open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified."),
			EngineNotRunning},
		{"pipe denied", "windows", pipeError(5, "Accès refusé."), EngineDenied},
		{"pipe denied, text only", "windows",
			errors.New("open //./pipe/docker_engine: Access is denied."), EngineDenied},
		{"pipe busy", "windows", pipeError(231, "All pipe instances are busy."), EngineStarting},
		{"socket missing", "darwin", missingErr, EngineNotRunning},
		{"nothing listens", "windows", refusedErr, EngineNotRunning},
		{"socket refused", "darwin",
			&net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED}, EngineNotRunning},
		{"socket denied", "darwin",
			&os.PathError{Op: "dial", Path: "/var/run/docker.sock", Err: syscall.EACCES}, EngineDenied},
		{"engine answers 500", "windows", startingErr, EngineStarting},
		{"slow", "windows", context.DeadlineExceeded, EngineStarting},
		{"connection dropped", "darwin", io.ErrUnexpectedEOF, EngineStarting},
		{"certificate", "windows", errors.New("x509: certificate signed by unknown authority"), EngineUnknown},
		{"no error", "windows", nil, EngineUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClassifyDial(tc.goos, tc.err); got != tc.want {
				t.Errorf("ClassifyDial(%q, %v) = %v, want %v", tc.goos, tc.err, got, tc.want)
			}
		})
	}
}

func TestIsDesktopHost(t *testing.T) {
	for _, tc := range []struct {
		goos, host string
		want       bool
	}{
		{"windows", EnginePipe, true},
		{"windows", LinuxEnginePipe, true},
		{"windows", "npipe:////./pipe/dockerDesktopWindowsEngine", true},
		{"windows", `npipe://\\.\pipe\docker_engine`, true},
		{"windows", "npipe:////./pipe/podman-machine-default", false},
		{"windows", "tcp://127.0.0.1:2375", false},
		{"darwin", "unix:///var/run/docker.sock", true},
		{"darwin", "unix:///Users/alice/.docker/run/docker.sock", true},
		{"darwin", "unix:///Users/bob/.docker/run/docker.sock", false},
		{"darwin", "unix:///Users/alice/.colima/default/docker.sock", false},
		{"linux", "unix:///var/run/docker.sock", false},
	} {
		if got := IsDesktopHost(tc.goos, tc.host, "/Users/alice/"); got != tc.want {
			t.Errorf("IsDesktopHost(%q, %q) = %v, want %v", tc.goos, tc.host, got, tc.want)
		}
	}
}

func TestStartCommandRefuses(t *testing.T) {
	if c, err := StartCommand("darwin", MacApp, true, ""); err == nil {
		t.Errorf("StartCommand(darwin, root, no user) = %v, want an error", c)
	}
	if c, err := StartCommand("linux", "/usr/bin/docker", false, ""); err == nil {
		t.Errorf("StartCommand(linux) = %v, want an error", c)
	}
}
