package winapp_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"setup/internal/winapp"
)

func TestStablePath(t *testing.T) {
	env := map[string]string{
		"ProgramFiles": `C:\Program Files`,
		"LOCALAPPDATA": `C:\Users\Jürgen\AppData\Local`,
	}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		product winapp.Product
		perUser bool
		getenv  func(string) string
		want    string
		wantErr bool
	}{{
		name:    "all users",
		product: winapp.Product{Name: "Sensor Suite", Publisher: "Acme Sensors"},
		getenv:  getenv,
		want:    `C:\Program Files\Acme Sensors\Sensor Suite\setup.exe`,
	}, {
		name:    "all users without publisher",
		product: winapp.Product{Name: "Sensor Suite"},
		getenv:  getenv,
		want:    `C:\Program Files\Sensor Suite\setup.exe`,
	}, {
		name:    "per user",
		product: winapp.Product{Name: "Sensor Suite", Publisher: "Acme Sensors"},
		perUser: true,
		getenv:  getenv,
		want:    `C:\Users\Jürgen\AppData\Local\Programs\Sensor Suite\setup.exe`,
	}, {
		name:    "unsafe names",
		product: winapp.Product{Name: "Suite: Nord/Süd", Publisher: "Acme, Inc."},
		getenv:  getenv,
		want:    `C:\Program Files\Acme, Inc\Suite- Nord-Süd\setup.exe`,
	}, {
		name:    "no ProgramFiles",
		product: winapp.Product{Name: "Sensor Suite"},
		getenv:  func(string) string { return "" },
		wantErr: true,
	}, {
		name:    "no LOCALAPPDATA",
		product: winapp.Product{Name: "Sensor Suite"},
		perUser: true,
		getenv:  func(string) string { return "" },
		wantErr: true,
	}, {
		name:    "no name",
		getenv:  getenv,
		wantErr: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := winapp.StablePath(tt.getenv, tt.product, tt.perUser)
			if (err != nil) != tt.wantErr {
				t.Fatalf("StablePath() error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("StablePath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInstallCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "Downloads", "setup (1).exe")
	dst := filepath.Join(dir, "Program Files", "Acme", "setup.exe")
	write(t, src, "version 1")

	// Missing: copied, executable.
	changed, err := winapp.InstallCopy(src, dst)
	if err != nil || !changed {
		t.Fatalf("InstallCopy() to a new place = %v, %v, want true, nil", changed, err)
	}
	assertContent(t, dst, "version 1")
	info, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o100 == 0 {
		t.Errorf("%s mode = %v, want executable", dst, info.Mode())
	}

	// Same content: left alone.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(dst, old, old); err != nil {
		t.Fatal(err)
	}
	changed, err = winapp.InstallCopy(src, dst)
	if err != nil || changed {
		t.Fatalf("InstallCopy() of the same content = %v, %v, want false, nil", changed, err)
	}
	if info, _ := os.Stat(dst); !info.ModTime().Equal(old) {
		t.Errorf("InstallCopy() of the same content rewrote %s", dst)
	}

	// The stable copy itself: nothing to do.
	changed, err = winapp.InstallCopy(dst, dst)
	if err != nil || changed {
		t.Errorf("InstallCopy(dst, dst) = %v, %v, want false, nil", changed, err)
	}

	// Same size, other content: replaced.
	write(t, src, "version 2")
	changed, err = winapp.InstallCopy(src, dst)
	if err != nil || !changed {
		t.Fatalf("InstallCopy() of new content = %v, %v, want true, nil", changed, err)
	}
	assertContent(t, dst, "version 2")

	// No temporary files stay behind.
	entries, err := os.ReadDir(filepath.Dir(dst))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("folder of the copy holds %d entries, want 1: %v", len(entries), entries)
	}
}

// TestInstallCopyMovesAside replaces a destination that cannot be renamed
// over. On Windows that is a running program; here a folder stands in for
// it, since rename(2) will not put a file in a folder's place either.
func TestInstallCopyMovesAside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("TestInstallCopyRunning replaces a running program instead")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "setup-new.exe")
	dst := filepath.Join(dir, "stable", "setup.exe")
	write(t, src, "version 2")
	write(t, filepath.Join(dst, "busy"), "in use")

	changed, err := winapp.InstallCopy(src, dst)
	if err != nil || !changed {
		t.Fatalf("InstallCopy() over a busy file = %v, %v, want true, nil", changed, err)
	}
	assertContent(t, dst, "version 2")
	aside := dst + ".old-1"
	assertContent(t, filepath.Join(aside, "busy"), "in use")

	// The next run clears what was moved aside.
	if _, err := winapp.InstallCopy(src, dst); err != nil {
		t.Fatalf("InstallCopy() again = %v", err)
	}
	if _, err := os.Stat(aside); !os.IsNotExist(err) {
		t.Errorf("Stat(%s) after a second InstallCopy() = %v, want not exist", aside, err)
	}
}

func TestInstallCopyMissingSource(t *testing.T) {
	dir := t.TempDir()
	_, err := winapp.InstallCopy(filepath.Join(dir, "gone.exe"), filepath.Join(dir, "setup.exe"))
	if err == nil {
		t.Errorf("InstallCopy(missing source) = nil, want an error")
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}
