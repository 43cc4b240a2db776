package state_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
	"setup/internal/state"
)

func TestDir(t *testing.T) {
	const home = "/home/ada"
	tests := []struct {
		name   string
		goos   string
		system bool
		env    map[string]string
		want   string
	}{
		{name: "linux root", goos: "linux", system: true,
			want: filepath.Join("/var/lib/setup", "demo")},
		{name: "linux user", goos: "linux",
			want: filepath.Join(home, ".local", "state", "setup", "demo")},
		{name: "linux user with XDG_STATE_HOME", goos: "linux",
			env:  map[string]string{"XDG_STATE_HOME": "/srv/state"},
			want: filepath.Join("/srv/state", "setup", "demo")},
		{name: "linux root ignores XDG_STATE_HOME", goos: "linux", system: true,
			env:  map[string]string{"XDG_STATE_HOME": "/srv/state"},
			want: filepath.Join("/var/lib/setup", "demo")},
		{name: "windows system", goos: "windows", system: true,
			env:  map[string]string{"ProgramData": `D:\ProgramData`},
			want: filepath.Join(`D:\ProgramData`, "setup", "demo")},
		{name: "windows system without ProgramData", goos: "windows", system: true,
			want: filepath.Join(`C:\ProgramData`, "setup", "demo")},
		{name: "windows user", goos: "windows",
			env:  map[string]string{"LOCALAPPDATA": `C:\Users\ada\AppData\Local`},
			want: filepath.Join(`C:\Users\ada\AppData\Local`, "setup", "demo")},
		{name: "windows user without LOCALAPPDATA", goos: "windows",
			want: filepath.Join(home, "AppData", "Local", "setup", "demo")},
		{name: "darwin system", goos: "darwin", system: true,
			want: filepath.Join("/Library/Application Support/setup", "demo")},
		{name: "darwin user", goos: "darwin",
			want: filepath.Join(home, "Library", "Application Support", "setup", "demo")},
		{name: "SETUP_STATE_DIR for root", goos: "linux", system: true,
			env:  map[string]string{"SETUP_STATE_DIR": "/tmp/st"},
			want: filepath.Join("/tmp/st", "demo")},
		{name: "SETUP_STATE_DIR for a windows user", goos: "windows",
			env: map[string]string{
				"SETUP_STATE_DIR": "/tmp/st",
				"LOCALAPPDATA":    `C:\Users\ada\AppData\Local`,
			},
			want: filepath.Join("/tmp/st", "demo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(key string) string { return tt.env[key] }
			got := state.Dir(tt.goos, tt.system, getenv, home, "demo")
			if got != tt.want {
				t.Errorf("Dir(%q, %t) = %q, want %q", tt.goos, tt.system, got, tt.want)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	s := state.Store{Dir: filepath.Join(t.TempDir(), "demo")}

	got, err := s.Load()
	if got != nil || err != nil {
		t.Fatalf("Load(nothing saved) = %v, %v, want nil, nil", got, err)
	}

	want := &state.State{
		Product:        "demo",
		ManifestDigest: "sha256:0123",
		InstalledAt:    time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2025, 4, 2, 11, 30, 0, 0, time.UTC),
		Services: map[string]state.Service{
			"influxdb": {Repository: "docker.io/library/influxdb", Tag: "2.7.11",
				Digest: "sha256:abcd", Major: 2},
		},
		Shortcuts: []string{"/home/ada/.local/share/applications/demo-demo.desktop"},
	}
	if err := s.Save(want); err != nil {
		t.Fatalf("Save() = %v", err)
	}
	got, err = s.Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load() mismatch (-want +got):\n%s", diff)
	}

	info, err := os.Stat(filepath.Join(s.Dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("state.json mode = %v, want %v", got, want)
	}
	assertNoTemporaryFiles(t, s.Dir)
}

func TestLoadDamaged(t *testing.T) {
	s := state.Store{Dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(s.Dir, "state.json"), []byte(`{"product": "de`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	var p *problem.Error
	if got != nil || !errors.As(err, &p) {
		t.Fatalf("Load(damaged) = %v, %v, want nil and a *problem.Error", got, err)
	}
	if !strings.Contains(p.What, "damaged") {
		t.Errorf("Load(damaged) what = %q, want it to say damaged", p.What)
	}
}

func TestServiceReference(t *testing.T) {
	s := state.Service{Repository: "docker.io/grafana/grafana", Tag: "12.1.0", Digest: "sha256:ab"}
	if got, want := s.Reference(), "docker.io/grafana/grafana:12.1.0@sha256:ab"; got != want {
		t.Errorf("Reference() = %q, want %q", got, want)
	}
}

// isSecretChar reports whether r belongs to the secrets' alphabet: letters
// and digits without those easily mistaken for each other.
func isSecretChar(r rune) bool {
	switch {
	case strings.ContainsRune("0O1Il", r):
		return false
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '2' <= r && r <= '9':
		return true
	}
	return false
}

func TestSecrets(t *testing.T) {
	s := state.Store{Dir: filepath.Join(t.TempDir(), "demo")}

	first, err := s.Secrets([]string{"db-password", "db-token"})
	if err != nil {
		t.Fatalf("Secrets() = %v", err)
	}
	if got, want := len(first), 2; got != want {
		t.Fatalf("Secrets() = %d values, want %d", got, want)
	}
	for key, v := range first {
		if len(v) != 32 {
			t.Errorf("Secrets()[%q] = %q, want 32 characters", key, v)
		}
		if i := strings.IndexFunc(v, func(r rune) bool { return !isSecretChar(r) }); i >= 0 {
			t.Errorf("Secrets()[%q] = %q holds %q, outside the alphabet", key, v, v[i])
		}
	}
	if first["db-password"] == first["db-token"] {
		t.Errorf("Secrets() gave both keys %q, want different values", first["db-password"])
	}

	info, err := os.Stat(filepath.Join(s.Dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("secrets.json mode = %v, want %v", got, want)
	}

	// A later run, through a new Store, gets the same values; a new key is
	// added without touching the others.
	again, err := state.Store{Dir: s.Dir}.Secrets([]string{"db-token", "ui-password", "db-password"})
	if err != nil {
		t.Fatalf("Secrets() again = %v", err)
	}
	for key, v := range first {
		if again[key] != v {
			t.Errorf("Secrets() again [%q] = %q, want %q", key, again[key], v)
		}
	}
	added := again["ui-password"]
	if len(added) != 32 || added == first["db-password"] || added == first["db-token"] {
		t.Errorf("Secrets() again [ui-password] = %q, want a new 32-character value", added)
	}

	only, err := s.Secrets([]string{"ui-password"})
	if err != nil {
		t.Fatalf("Secrets(one key) = %v", err)
	}
	if diff := cmp.Diff(map[string]string{"ui-password": added}, only); diff != "" {
		t.Errorf("Secrets(one key) mismatch (-want +got):\n%s", diff)
	}
	assertNoTemporaryFiles(t, s.Dir)
}

func TestSecretsDamaged(t *testing.T) {
	s := state.Store{Dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(s.Dir, "secrets.json"), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Secrets([]string{"db-password"})
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Secrets(damaged) = %v, want a *problem.Error", err)
	}
	// The damaged file is kept for the person to restore.
	data, _ := os.ReadFile(filepath.Join(s.Dir, "secrets.json"))
	if got, want := string(data), "not json"; got != want {
		t.Errorf("secrets.json = %q after Secrets(damaged), want %q", got, want)
	}
}

func TestRemove(t *testing.T) {
	s := state.Store{Dir: filepath.Join(t.TempDir(), "demo")}
	if err := s.Save(&state.State{Product: "demo"}); err != nil {
		t.Fatal(err)
	}
	secrets, err := s.Secrets([]string{"db-password"})
	if err != nil {
		t.Fatal(err)
	}

	if err := s.Remove(); err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	if got, err := s.Load(); got != nil || err != nil {
		t.Errorf("Load() after Remove() = %v, %v, want nil, nil", got, err)
	}
	kept, err := s.Secrets([]string{"db-password"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(secrets, kept); diff != "" {
		t.Errorf("Secrets() after Remove() mismatch (-want +got):\n%s", diff)
	}
	if err := s.Remove(); err != nil {
		t.Errorf("Remove() twice = %v, want nil", err)
	}

	if err := s.RemoveAll(); err != nil {
		t.Fatalf("RemoveAll() = %v", err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(%s) after RemoveAll() = %v, want not exist", s.Dir, err)
	}
	fresh, err := s.Secrets([]string{"db-password"})
	if err != nil {
		t.Fatal(err)
	}
	if fresh["db-password"] == secrets["db-password"] {
		t.Error("Secrets() after RemoveAll() kept the old value, want a new one")
	}
}

func TestLock(t *testing.T) {
	s := state.Store{Dir: filepath.Join(t.TempDir(), "demo")}

	unlock, err := s.Lock()
	if err != nil {
		t.Fatalf("Lock() = %v", err)
	}

	// A second lock opens the file again, as another process would.
	_, err = state.Store{Dir: s.Dir}.Lock()
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Lock() while held = %v, want a *problem.Error", err)
	}
	if got, want := p.Code, problem.Busy; got != want {
		t.Errorf("Lock() while held code = %v (%d), want %v (%d)", got, int(got), want, int(want))
	}
	if pid := fmt.Sprintf("process %d", os.Getpid()); !strings.Contains(p.What, pid) {
		t.Errorf("Lock() while held what = %q, want it to name %q", p.What, pid)
	}

	unlock()
	unlock2, err := s.Lock()
	if err != nil {
		t.Fatalf("Lock() after unlock = %v, want nil", err)
	}
	unlock2()
}

func assertNoTemporaryFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp") {
			t.Errorf("%s holds the temporary file %s", dir, e.Name())
		}
	}
}
