package engine_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/engine"
	"setup/internal/problem"
)

// writeConfig writes a docker CLI config folder: config.json naming
// current as the current context (none when empty), and one context per
// entry of contexts, mapping its name to its docker host.
func writeConfig(t *testing.T, dir, current string, contexts map[string]string) {
	t.Helper()
	write := func(path, text string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config := `{"auths": {}}`
	if current != "" {
		config = `{"auths": {}, "currentContext": "` + current + `"}`
	}
	write(filepath.Join(dir, "config.json"), config)
	for name, host := range contexts {
		sum := sha256.Sum256([]byte(name))
		write(filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json"),
			`{"Name":"`+name+`","Metadata":{"Description":""},`+
				`"Endpoints":{"docker":{"Host":"`+host+`","SkipTLSVerify":false}}}`)
	}
}

func mapEnv(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

func TestFindEndpoint(t *testing.T) {
	t.Run("desktop-socket-not-var-run", func(t *testing.T) {
		home := t.TempDir()
		desktop := "unix://" + filepath.Join(home, ".docker", "run", "docker.sock")
		writeConfig(t, filepath.Join(home, ".docker"), "desktop-linux",
			map[string]string{"desktop-linux": desktop})

		got, err := engine.FindEndpoint(engine.Env{
			GOOS:   "linux",
			Getenv: mapEnv(map[string]string{}),
			Home:   home,
		})
		if err != nil {
			t.Fatalf("FindEndpoint() = %v, want nil", err)
		}
		if got.Host != desktop {
			t.Errorf("FindEndpoint().Host = %q, want %q", got.Host, desktop)
		}
		if !strings.Contains(got.Source, `"desktop-linux"`) {
			t.Errorf("FindEndpoint().Source = %q, want it to name the context", got.Source)
		}
	})
}

func TestFindEndpointOrder(t *testing.T) {
	home := t.TempDir()
	config := filepath.Join(home, ".docker")
	writeConfig(t, config, "desktop-linux", map[string]string{
		"desktop-linux": "unix:///home/u/.docker/desktop/docker.sock",
		"lima":          "unix:///home/u/.lima/docker/sock/docker.sock",
	})
	moved := t.TempDir()
	writeConfig(t, moved, "colima", map[string]string{
		"colima": "unix:///home/u/.colima/default/docker.sock",
	})
	defaultOnly := t.TempDir()
	writeConfig(t, defaultOnly, "default", nil)

	tests := []struct {
		name string
		goos string
		env  map[string]string
		home string
		want engine.Endpoint
	}{{
		name: "DOCKER_HOST wins",
		goos: "linux",
		env: map[string]string{
			"DOCKER_HOST":    "tcp://10.0.0.5:2375",
			"DOCKER_CONTEXT": "lima",
		},
		home: home,
		want: engine.Endpoint{Host: "tcp://10.0.0.5:2375", Source: "DOCKER_HOST"},
	}, {
		name: "DOCKER_CONTEXT over the config",
		goos: "linux",
		env:  map[string]string{"DOCKER_CONTEXT": "lima"},
		home: home,
		want: engine.Endpoint{
			Host:   "unix:///home/u/.lima/docker/sock/docker.sock",
			Source: `context "lima" (DOCKER_CONTEXT)`,
		},
	}, {
		name: "current context of the config",
		goos: "linux",
		env:  map[string]string{},
		home: home,
		want: engine.Endpoint{
			Host: "unix:///home/u/.docker/desktop/docker.sock",
			Source: `context "desktop-linux" (the current context in ` +
				filepath.Join(config, "config.json") + ")",
		},
	}, {
		name: "DOCKER_CONFIG moves the config folder",
		goos: "linux",
		env:  map[string]string{"DOCKER_CONFIG": moved},
		home: home,
		want: engine.Endpoint{
			Host: "unix:///home/u/.colima/default/docker.sock",
			Source: `context "colima" (the current context in ` +
				filepath.Join(moved, "config.json") + ")",
		},
	}, {
		name: "default context is the platform default",
		goos: "linux",
		env:  map[string]string{"DOCKER_CONTEXT": "default"},
		home: home,
		want: engine.Endpoint{
			Host:   "unix:///var/run/docker.sock",
			Source: `context "default" (DOCKER_CONTEXT)`,
		},
	}, {
		name: "default as the current context",
		goos: "linux",
		env:  map[string]string{"DOCKER_CONFIG": defaultOnly},
		home: home,
		want: engine.Endpoint{
			Host: "unix:///var/run/docker.sock",
			Source: `context "default" (the current context in ` +
				filepath.Join(defaultOnly, "config.json") + ")",
		},
	}, {
		name: "no config on linux",
		goos: "linux",
		env:  map[string]string{},
		home: t.TempDir(),
		want: engine.Endpoint{Host: "unix:///var/run/docker.sock", Source: "the platform default"},
	}, {
		name: "no config on windows",
		goos: "windows",
		env:  map[string]string{},
		home: t.TempDir(),
		want: engine.Endpoint{Host: "npipe:////./pipe/docker_engine", Source: "the platform default"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.FindEndpoint(engine.Env{
				GOOS:   tt.goos,
				Getenv: mapEnv(tt.env),
				Home:   tt.home,
			})
			if err != nil {
				t.Fatalf("FindEndpoint() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindEndpoint() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindEndpointRefuses(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, filepath.Join(home, ".docker"), "", nil)
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "config.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	noDocker := t.TempDir()
	writeConfig(t, noDocker, "", nil)
	sum := sha256.Sum256([]byte("k8s-only"))
	meta := filepath.Join(noDocker, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json")
	if err := os.MkdirAll(filepath.Dir(meta), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(meta, []byte(`{"Name":"k8s-only","Endpoints":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		env  map[string]string
		// what is a phrase the description must hold.
		what string
	}{
		{name: "missing context", env: map[string]string{"DOCKER_CONTEXT": "gone"}, what: `"gone"`},
		{name: "damaged config", env: map[string]string{"DOCKER_CONFIG": broken}, what: "config.json"},
		{
			name: "context without a docker endpoint",
			env:  map[string]string{"DOCKER_CONFIG": noDocker, "DOCKER_CONTEXT": "k8s-only"},
			what: "no docker endpoint",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engine.FindEndpoint(engine.Env{GOOS: "linux", Getenv: mapEnv(tt.env), Home: home})
			var p *problem.Error
			if !errors.As(err, &p) {
				t.Fatalf("FindEndpoint() = %v, want a *problem.Error", err)
			}
			if got, want := p.Code, problem.Engine; got != want {
				t.Errorf("FindEndpoint() code = %v, want %v", got, want)
			}
			if !strings.Contains(p.What, tt.what) {
				t.Errorf("FindEndpoint() what = %q, want it to say %q", p.What, tt.what)
			}
		})
	}
}
