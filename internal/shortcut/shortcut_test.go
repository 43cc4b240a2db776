//go:build !windows

// Desktop entries are the launchers of Linux and other Unix systems; the
// Windows tests are in write_windows_test.go.

package shortcut_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"setup/internal/shortcut"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// launchers are the golden cases, named by their file under testdata.
var launchers = []struct {
	name string
	l    shortcut.Launcher
}{{
	name: "plain",
	l: shortcut.Launcher{
		Product: "sensorsuite",
		Name:    "Grafana",
		Comment: "Open Grafana, starting its services when needed",
		Exec: []string{"/usr/local/bin/setup", "launch",
			"--manifest", "/var/lib/setup/sensorsuite/manifest.yaml", "Grafana"},
	},
}, {
	name: "spaces",
	l: shortcut.Launcher{
		Product: "sensorsuite",
		Name:    "Sensor Suite Database",
		Comment: "Open Sensor Suite Database, starting its services when needed",
		Exec: []string{"/usr/local/bin/setup", "launch",
			"--manifest", "/var/lib/setup/sensorsuite/manifest.yaml", "Sensor Suite Database"},
	},
}, {
	name: "unicode",
	l: shortcut.Launcher{
		Product: "sensorsuite",
		Name:    "Überwachung Süd",
		Comment: "Öffnet die Überwachung",
		Exec: []string{"/usr/local/bin/setup", "launch",
			"--manifest", "/var/lib/setup/sensorsuite/manifest.yaml", "Überwachung Süd"},
	},
}, {
	name: "exec-quoting",
	l: shortcut.Launcher{
		Product: "sensorsuite",
		Name:    "Reports",
		Exec: []string{"/opt/Sensor Suite/bin/$etup", "launch",
			"--manifest", `/srv/my "stacks"/manifest.yaml`, "50% done"},
	},
}}

func TestRender(t *testing.T) {
	validate, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("desktop-file-validate is not installed; CI must have desktop-file-utils")
		}
		t.Log("desktop-file-validate is not installed (package desktop-file-utils); " +
			"rendered files are compared with the golden files only")
	}

	for _, tt := range launchers {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.l.Render()
			golden := filepath.Join("testdata", tt.name+".desktop")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading the golden file (run with -update to write it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("Render() mismatch with %s (-want +got):\n%s", golden, diff)
			}

			if validate == "" {
				t.Skip("desktop-file-validate is not installed (package desktop-file-utils)")
			}
			path := filepath.Join(t.TempDir(), tt.l.FileName())
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), validate, path).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("desktop-file-validate %s = %v:\n%s", tt.name, err, out)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{name: "Grafana", want: "sensorsuite-grafana.desktop"},
		{name: "Sensor Suite Database", want: "sensorsuite-sensor-suite-database.desktop"},
		{name: "  Admin (local)  ", want: "sensorsuite-admin-local.desktop"},
		{name: "v2.7_ui", want: "sensorsuite-v2.7_ui.desktop"},
		{name: "Überwachung Süd", want: "sensorsuite-überwachung-süd.desktop"},
		{name: "✓ ✓", want: "sensorsuite-d01f146a.desktop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := shortcut.Launcher{Product: "sensorsuite", Name: tt.name}
			if got := l.FileName(); got != tt.want {
				t.Errorf("FileName(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	l := launchers[1].l
	base := t.TempDir()
	places := shortcut.Places{
		Applications: filepath.Join(base, "share", "applications"),
		Desktop:      filepath.Join(base, "Desktop"),
	}
	apps := filepath.Join(places.Applications, l.FileName())
	desk := filepath.Join(places.Desktop, l.FileName())

	// Without a Desktop folder only the menu gets a launcher.
	paths, err := shortcut.Write(places, []shortcut.Launcher{l})
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	if diff := cmp.Diff([]string{apps}, paths); diff != "" {
		t.Errorf("Write() without Desktop mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(places.Desktop); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write() created %s: %v", places.Desktop, err)
	}

	if err := os.Mkdir(places.Desktop, 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err = shortcut.Write(places, []shortcut.Launcher{l})
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	if diff := cmp.Diff([]string{apps, desk}, paths); diff != "" {
		t.Errorf("Write() with Desktop mismatch (-want +got):\n%s", diff)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, l.Render()) {
			t.Errorf("%s = %q, want the rendered launcher", p, data)
		}
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o100 == 0 {
			t.Errorf("%s mode = %v, want executable by its owner", p, info.Mode())
		}
	}

	// The same content again leaves the files alone.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	before := map[string]os.FileInfo{}
	for _, p := range paths {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		before[p], _ = os.Stat(p)
	}
	if _, err := shortcut.Write(places, []shortcut.Launcher{l}); err != nil {
		t.Fatalf("Write() again = %v", err)
	}
	for _, p := range paths {
		after, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(before[p], after) || !after.ModTime().Equal(old) {
			t.Errorf("Write() with the same content rewrote %s", p)
		}
	}

	// Other content replaces them.
	changed := l
	changed.Comment = "Open the database"
	if _, err := shortcut.Write(places, []shortcut.Launcher{changed}); err != nil {
		t.Fatalf("Write(changed) = %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, changed.Render()) {
			t.Errorf("%s after Write(changed) = %q, want the new launcher", p, data)
		}
	}
}

func TestXDGPlaces(t *testing.T) {
	const userDirs = `# This file is written by xdg-user-dirs-update
# If you want to change or add directories, just edit the line you're
# interested in.
XDG_DESKTOP_DIR="$HOME/Schreibtisch"
XDG_DOWNLOAD_DIR="$HOME/Downloads"
XDG_DOCUMENTS_DIR="$HOME/Dokumente"
`
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".config", "user-dirs.dirs"), userDirs)
	bare := t.TempDir()
	config := t.TempDir()
	writeFile(t, filepath.Join(config, "user-dirs.dirs"), `XDG_DESKTOP_DIR="/srv/desk"`+"\n")

	tests := []struct {
		name string
		home string
		env  map[string]string
		want shortcut.Places
	}{{
		name: "user-dirs.dirs with $HOME",
		home: home,
		want: shortcut.Places{
			Applications: filepath.Join(home, ".local", "share", "applications"),
			Desktop:      filepath.Join(home, "Schreibtisch"),
		},
	}, {
		name: "no user-dirs.dirs",
		home: bare,
		want: shortcut.Places{
			Applications: filepath.Join(bare, ".local", "share", "applications"),
			Desktop:      filepath.Join(bare, "Desktop"),
		},
	}, {
		name: "XDG_DATA_HOME and XDG_CONFIG_HOME",
		home: bare,
		env:  map[string]string{"XDG_DATA_HOME": "/srv/data", "XDG_CONFIG_HOME": config},
		want: shortcut.Places{
			Applications: filepath.Join("/srv/data", "applications"),
			Desktop:      "/srv/desk",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shortcut.XDGPlaces(func(k string) string { return tt.env[k] }, tt.home)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("XDGPlaces() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "sensorsuite-grafana.desktop")
	writeFile(t, present, "[Desktop Entry]\n")
	missing := filepath.Join(dir, "sensorsuite-gone.desktop")

	if err := shortcut.Remove([]string{missing, present, missing}); err != nil {
		t.Fatalf("Remove() = %v, want nil", err)
	}
	if _, err := os.Stat(present); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(%s) after Remove() = %v, want not exist", present, err)
	}

	// Other failures are reported.
	full := filepath.Join(dir, "full.desktop")
	writeFile(t, filepath.Join(full, "inside"), "x")
	if err := shortcut.Remove([]string{full}); err == nil {
		t.Errorf("Remove(non-empty folder) = nil, want an error")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
