package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"

	"setup/internal/engine"
	"setup/internal/problem"
)

// fakeEngine is the part of a Docker engine's API that version
// negotiation touches: /_ping with its Api-Version header, and
// /vX.Y/version, refusing X.Y outside [min, max] the way dockerd does.
type fakeEngine struct {
	version, min, max string
	os                string
}

func (e fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_ping" {
		w.Header().Set("Api-Version", e.max)
		w.Header().Set("Ostype", e.os)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.Method == http.MethodGet {
			fmt.Fprint(w, "OK")
		}
		return
	}

	rest, ok := strings.CutPrefix(r.URL.Path, "/v")
	if !ok {
		http.NotFound(w, r)
		return
	}
	v, route, _ := strings.Cut(rest, "/")
	switch {
	case versions.GreaterThan(v, e.max):
		e.fail(w, fmt.Sprintf(
			"client version %s is too new. Maximum supported API version is %s", v, e.max))
		return
	case versions.LessThan(v, e.min):
		e.fail(w, fmt.Sprintf(
			"client version %s is too old. Minimum supported API version is %s", v, e.min))
		return
	}
	if route != "version" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"Version":       e.version,
		"ApiVersion":    e.max,
		"MinAPIVersion": e.min,
		"Os":            e.os,
		"Arch":          "amd64",
	})
}

func (fakeEngine) fail(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func serve(t *testing.T, e fakeEngine) engine.Endpoint {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return engine.Endpoint{Host: "tcp://" + srv.Listener.Addr().String(), Source: "test"}
}

// Engine 24 serves API 1.43 at most; engine 29 refuses anything below 1.44.
var (
	engine24 = fakeEngine{version: "24.0.7", min: "1.12", max: "1.43", os: "linux"}
	engine29 = fakeEngine{version: "29.0.1", min: "1.44", max: "1.52", os: "linux"}
)

func TestCheckNegotiates(t *testing.T) {
	// A client setting from the environment must not pin the version.
	t.Setenv("DOCKER_API_VERSION", "1.35")

	tests := []struct {
		name        string
		engine      fakeEngine
		wantVersion string
		// atLeast is a lower bound on the negotiated version, for engines
		// newer than the client library.
		atLeast string
	}{
		{name: "api-version-client-too-new engine 24 below the client's default", engine: engine24, wantVersion: "1.43"},
		{name: "api-version-client-too-new engine 29 above the client's minimum", engine: engine29, atLeast: "1.44"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := serve(t, tt.engine)
			c, err := engine.NewClient(ep)
			if err != nil {
				t.Fatalf("NewClient() = %v", err)
			}
			defer c.Close()

			got, err := engine.Check(context.Background(), c, ep, "linux", ">= 20.10", true)
			if err != nil {
				t.Fatalf("Check() = %v, want nil", err)
			}
			want := engine.Version{
				Version: tt.engine.version, APIVersion: tt.engine.max,
				OS: "linux", Arch: "amd64",
			}
			if got != want {
				t.Errorf("Check() = %+v, want %+v", got, want)
			}

			negotiated := c.ClientVersion()
			if tt.wantVersion != "" && negotiated != tt.wantVersion {
				t.Errorf("ClientVersion() = %q, want %q", negotiated, tt.wantVersion)
			}
			if tt.atLeast != "" && versions.LessThan(negotiated, tt.atLeast) {
				t.Errorf("ClientVersion() = %q, want at least %q", negotiated, tt.atLeast)
			}
			if versions.GreaterThan(negotiated, tt.engine.max) {
				t.Errorf("ClientVersion() = %q, want at most the engine's %q",
					negotiated, tt.engine.max)
			}
		})
	}
}

// TestPinnedClientRefused shows what negotiation
// avoids: a client pinned to one API version is refused by an engine that
// does not serve it, in both directions.
func TestPinnedClientRefused(t *testing.T) {
	tests := []struct {
		name   string
		engine fakeEngine
		pin    string
		want   string
	}{{
		name:   "api-version-client-too-new pinned too new for engine 24",
		engine: engine24,
		pin:    "1.44",
		want:   "client version 1.44 is too new. Maximum supported API version is 1.43",
	}, {
		name:   "api-version-client-too-new pinned too old for engine 29",
		engine: engine29,
		pin:    "1.35",
		want:   "client version 1.35 is too old. Minimum supported API version is 1.44",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := serve(t, tt.engine)
			c, err := client.NewClientWithOpts(client.WithHost(ep.Host), client.WithVersion(tt.pin))
			if err != nil {
				t.Fatalf("NewClientWithOpts() = %v", err)
			}
			defer c.Close()

			_, err = c.ServerVersion(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ServerVersion() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestCheckWindowsContainers(t *testing.T) {
	e := fakeEngine{version: "27.3.1", min: "1.24", max: "1.47", os: "windows"}
	ep := serve(t, e)
	c, err := engine.NewClient(ep)
	if err != nil {
		t.Fatalf("NewClient() = %v", err)
	}
	defer c.Close()

	_, err = engine.Check(context.Background(), c, ep, "windows", "", true)
	if got, want := problem.ExitCode(err), problem.Engine; got != want {
		t.Errorf("Check() exit code = %v, want %v (err %v)", got, want, err)
	}
}

func TestCheckUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	ep := engine.Endpoint{Host: "tcp://" + srv.Listener.Addr().String(), Source: "test"}
	srv.Close()

	c, err := engine.NewClient(ep)
	if err != nil {
		t.Fatalf("NewClient() = %v", err)
	}
	defer c.Close()
	_, err = engine.Check(context.Background(), c, ep, "linux", "", true)
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Check() = %v, want a *problem.Error", err)
	}
	if got, want := p.Code, problem.Engine; got != want {
		t.Errorf("Check() code = %v, want %v", got, want)
	}
	if !strings.Contains(p.What, "does not answer") {
		t.Errorf("Check() what = %q, want it to say the engine does not answer", p.What)
	}
}

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		name       string
		version    engine.Version
		constraint string
		// wantCode is the exit code; problem.OK for no error.
		wantCode problem.Code
		// wantWhat is a phrase of the error's description.
		wantWhat string
	}{{
		name:       "windows containers",
		version:    engine.Version{Version: "27.3.1", OS: "windows", Arch: "amd64"},
		constraint: ">= 20.10",
		wantCode:   problem.Engine,
		wantWhat:   "Windows-containers mode",
	}, {
		name:       "debian build satisfies",
		version:    engine.Version{Version: "20.10.24+dfsg1", OS: "linux"},
		constraint: ">= 20.10",
	}, {
		name:       "current release satisfies",
		version:    engine.Version{Version: "28.5.2", OS: "linux"},
		constraint: ">= 20.10",
	}, {
		name:       "release candidate satisfies",
		version:    engine.Version{Version: "29.0.0-rc.1", OS: "linux"},
		constraint: ">= 20.10",
	}, {
		name:       "too old",
		version:    engine.Version{Version: "19.03.5", OS: "linux"},
		constraint: ">= 20.10",
		wantCode:   problem.Engine,
		wantWhat:   "Docker 19.03.5 is too old",
	}, {
		name:       "unparsable version",
		version:    engine.Version{Version: "master-dockerproject-2024", OS: "linux"},
		constraint: ">= 20.10",
		wantCode:   problem.Engine,
		wantWhat:   "cannot be compared",
	}, {
		name:    "no constraint",
		version: engine.Version{Version: "master-dockerproject-2024", OS: "linux"},
	}, {
		name:       "bad constraint",
		version:    engine.Version{Version: "28.5.2", OS: "linux"},
		constraint: ">>20",
		wantCode:   problem.Usage,
		wantWhat:   "runtime.engine",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := engine.CheckVersion(tt.version, tt.constraint)
			if got := problem.ExitCode(err); got != tt.wantCode {
				t.Fatalf("CheckVersion() = %v (code %v), want code %v", err, got, tt.wantCode)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantWhat) {
				t.Errorf("CheckVersion() = %q, want it to say %q", err, tt.wantWhat)
			}
		})
	}
}

func TestDiagnose(t *testing.T) {
	pipe := engine.Endpoint{Host: "npipe:////./pipe/docker_engine", Source: "the platform default"}
	sock := engine.Endpoint{Host: "unix:///var/run/docker.sock", Source: "the platform default"}
	notFound := errors.New("open //./pipe/docker_engine: The system cannot find the file specified.")
	denied := errors.New("open //./pipe/docker_engine: Access is denied.")
	eacces := &fs.PathError{Op: "dial", Path: "/var/run/docker.sock", Err: syscall.EACCES}

	tests := []struct {
		name      string
		goos      string
		ep        engine.Endpoint
		err       error
		installed bool
		// what and fix are phrases the description and the fix must hold.
		what, fix string
		// never is a phrase the description must not hold.
		never string
	}{{
		name:      "windows-pipe-not-found installed but not running",
		goos:      "windows",
		ep:        pipe,
		err:       notFound,
		installed: true,
		what:      "installed but not running",
		fix:       "start Docker Desktop",
		never:     "not installed",
	}, {
		name:      "windows-pipe-not-found not installed",
		goos:      "windows",
		ep:        pipe,
		err:       notFound,
		installed: false,
		what:      "no container engine is installed",
		fix:       "install Docker Desktop",
	}, {
		name:      "access denied",
		goos:      "windows",
		ep:        pipe,
		err:       denied,
		installed: true,
		what:      "permission denied",
		fix:       "docker-users",
	}, {
		name:      "linux socket permission",
		goos:      "linux",
		ep:        sock,
		err:       eacces,
		installed: true,
		what:      "permission denied",
		fix:       "docker group",
	}, {
		name: "linux socket missing",
		goos: "linux",
		ep:   sock,
		err: &fs.PathError{Op: "dial", Path: "/var/run/docker.sock",
			Err: syscall.ENOENT},
		installed: true,
		what:      "installed but not running",
		fix:       "systemctl start docker",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := engine.Diagnose(tt.goos, tt.ep, tt.err, tt.installed)
			if got, want := p.Code, problem.Engine; got != want {
				t.Errorf("Diagnose() code = %v, want %v", got, want)
			}
			if !strings.Contains(p.What, tt.what) {
				t.Errorf("Diagnose() what = %q, want it to say %q", p.What, tt.what)
			}
			if !strings.Contains(p.Fix, tt.fix) {
				t.Errorf("Diagnose() fix = %q, want it to say %q", p.Fix, tt.fix)
			}
			if tt.never != "" && strings.Contains(p.What+p.Fix, tt.never) {
				t.Errorf("Diagnose() = %q / %q, must not say %q", p.What, p.Fix, tt.never)
			}
			if !errors.Is(p, tt.err) {
				t.Errorf("Diagnose() does not wrap %v", tt.err)
			}
		})
	}
}

func TestWaitReady(t *testing.T) {
	down := errors.New("engine not answering")

	t.Run("returns once ping succeeds", func(t *testing.T) {
		var calls atomic.Int32
		err := engine.WaitReady(context.Background(), 10*time.Second, func(context.Context) error {
			if calls.Add(1) < 3 {
				return down
			}
			return nil
		})
		if err != nil {
			t.Fatalf("WaitReady() = %v, want nil", err)
		}
		if got, want := calls.Load(), int32(3); got != want {
			t.Errorf("WaitReady() pinged %d times, want %d", got, want)
		}
	})

	t.Run("gives up after the timeout", func(t *testing.T) {
		err := engine.WaitReady(context.Background(), 300*time.Millisecond, func(context.Context) error {
			return down
		})
		if !errors.Is(err, down) {
			t.Errorf("WaitReady() = %v, want %v", err, down)
		}
	})

	t.Run("stops when cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := engine.WaitReady(ctx, time.Minute, func(context.Context) error {
			return down
		})
		if err == nil {
			t.Errorf("WaitReady(cancelled) = nil, want an error")
		}
	})
}
