package shortcut

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// unicodeName is a launcher name beyond Latin-1, with spaces.
const unicodeName = "Überwachung Süd ✓"

// testLaunchers returns the launchers written by the tests: one running
// this test binary, one running a program in dir whose path is beyond
// ASCII, with arguments that need every quoting rule.
//
// The program's path stays within Latin-1: Wine (8 and 10) stores a
// link's target in the ANSI code page only, so "✓" would come back as
// "?". Windows also stores the Unicode form of each name in the link; that
// is not seen here.
func testLaunchers(t *testing.T, dir string) []Launcher {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "Überwachung Süd", "setup.exe")
	if err := os.MkdirAll(filepath.Dir(other), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("MZ"), 0o755); err != nil {
		t.Fatal(err)
	}
	return []Launcher{{
		Product: "sensorsuite",
		Name:    unicodeName,
		Comment: "Öffnet die Überwachung",
		Exec: []string{exe, "launch", "--manifest",
			filepath.Join(dir, "Sensor Suite", "manifest.yaml"), unicodeName},
	}, {
		Product: "sensorsuite",
		Name:    "Reports: daily",
		Comment: "Open Reports",
		Exec: []string{other, "launch",
			"--manifest", `C:\Stacks\my "stacks"\`, "50% done", ""},
	}}
}

func TestWriteLinks(t *testing.T) {
	dir := t.TempDir()
	places := Places{
		StartMenu: filepath.Join(dir, "Start Menu", "Programs"),
		Desktop:   filepath.Join(dir, "Desktop Süd"),
	}
	ls := testLaunchers(t, dir)

	// Without a Desktop folder only the Start Menu gets links.
	paths, err := Write(places, ls)
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	want := []string{
		filepath.Join(places.StartMenu, unicodeName+".lnk"),
		filepath.Join(places.StartMenu, "Reports- daily.lnk"),
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("Write() without Desktop mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(places.Desktop); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Write() created %s: %v", places.Desktop, err)
	}

	if err := os.Mkdir(places.Desktop, 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err = Write(places, ls)
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	var wantPaths []string
	for _, l := range ls {
		wantPaths = append(wantPaths, Paths("windows", places, l)...)
	}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("Write() with Desktop mismatch (-want +got):\n%s", diff)
	}
	for i, p := range paths {
		l := ls[i/2]
		assertLink(t, p, l)
		exportLink(t, p, l.Link())
	}

	// The same links again leave the files alone.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range paths {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Write(places, ls); err != nil {
		t.Fatalf("Write() again = %v", err)
	}
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || !info.ModTime().Equal(old) {
			t.Errorf("Write() with the same links rewrote %s: %v", p, err)
		}
	}

	// Other content replaces them.
	changed := ls[0]
	changed.Comment = "Open the monitoring"
	if _, err := Write(places, []Launcher{changed}); err != nil {
		t.Fatalf("Write(changed) = %v", err)
	}
	for _, p := range paths[:2] {
		assertLink(t, p, changed)
	}

	if err := Remove(paths); err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s) after Remove() = %v, want not exist", p, err)
		}
	}
}

func TestDefaultPlaces(t *testing.T) {
	tests := []struct {
		name     string
		allUsers bool
		desktop  *windows.KNOWNFOLDERID
		programs *windows.KNOWNFOLDERID
	}{
		{name: "this user", desktop: windows.FOLDERID_Desktop, programs: windows.FOLDERID_Programs},
		{name: "all users", allUsers: true,
			desktop: windows.FOLDERID_PublicDesktop, programs: windows.FOLDERID_CommonPrograms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultPlaces(os.Getenv, "", tt.allUsers)
			if err != nil {
				t.Fatalf("DefaultPlaces() = %v", err)
			}
			want := Places{Desktop: knownFolder(t, tt.desktop), StartMenu: knownFolder(t, tt.programs)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DefaultPlaces() mismatch (-want +got):\n%s", diff)
			}
			writeRemove(t, got, testLaunchers(t, t.TempDir())[0], 2)
		})
	}
}

// TestRedirectedDesktop moves the Desktop into OneDrive the way its folder
// backup does, through the user's shell folders in the registry. The
// profile's own Desktop folder stays: Wine makes it again at each lookup.
func TestRedirectedDesktop(t *testing.T) {
	t.Run("onedrive-redirected-desktop", func(t *testing.T) {
		profile := os.Getenv("USERPROFILE")
		if profile == "" {
			t.Fatal("USERPROFILE is not set")
		}
		oneDrive := filepath.Join(profile, "OneDrive - Org", "Desktop")
		if err := os.MkdirAll(oneDrive, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(oneDrive)) })
		redirectDesktop(t, `%USERPROFILE%\OneDrive - Org\Desktop`)

		places, err := DefaultPlaces(os.Getenv, profile, false)
		if err != nil {
			t.Fatalf("DefaultPlaces() = %v", err)
		}
		if !strings.EqualFold(places.Desktop, oneDrive) {
			t.Fatalf("DefaultPlaces().Desktop = %q, want %q", places.Desktop, oneDrive)
		}
		l := testLaunchers(t, t.TempDir())[0]
		paths := writeRemove(t, places, l, 2)
		want := filepath.Join(oneDrive, unicodeName+".lnk")
		if !strings.EqualFold(paths[1], want) {
			t.Errorf("Write() Desktop link = %q, want %q", paths[1], want)
		}
		stale := filepath.Join(profile, "Desktop", unicodeName+".lnk")
		if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Write() wrote %s: %v", stale, err)
		}
	})
}

// writeRemove writes l to places, checks and exports the links, removes
// them again and returns their paths; n is how many there must be.
func writeRemove(t *testing.T, places Places, l Launcher, n int) []string {
	t.Helper()
	paths, err := Write(places, []Launcher{l})
	t.Cleanup(func() { Remove(paths) })
	if err != nil {
		t.Fatalf("Write() = %v", err)
	}
	if len(paths) != n {
		t.Fatalf("Write() = %q, want %d links", paths, n)
	}
	for _, p := range paths {
		assertLink(t, p, l)
		exportLink(t, p, l.Link())
	}
	if err := Remove(paths); err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	return paths
}

// assertLink reads the link at path back through COM and checks that it
// holds l, arguments included as CommandLineToArgvW splits them.
func assertLink(t *testing.T, path string, l Launcher) {
	t.Helper()
	var got Link
	err := withCOM(func() error {
		var err error
		got, err = loadLink(path)
		return err
	})
	if err != nil {
		t.Fatalf("loadLink(%s) = %v", path, err)
	}
	if diff := cmp.Diff(l.Link(), got); diff != "" {
		t.Errorf("link %s mismatch (-want +got):\n%s", path, diff)
	}
	args, err := windows.DecomposeCommandLine(got.Arguments)
	if err != nil {
		t.Fatalf("DecomposeCommandLine(%q) = %v", got.Arguments, err)
	}
	if diff := cmp.Diff(l.Exec[1:], args); diff != "" {
		t.Errorf("link %s arguments as Windows reads them (-want +got):\n%s", path, diff)
	}
}

// exportLink copies the link at path, with what it must hold, to the
// folder named by lnkDirEnv, when that is set.
func exportLink(t *testing.T, path string, want Link) {
	t.Helper()
	dir := os.Getenv(lnkDirEnv)
	if dir == "" {
		return
	}
	// Wine's Z: drive is the Unix root.
	if strings.HasPrefix(dir, "/") {
		dir = `Z:` + strings.ReplaceAll(dir, "/", `\`)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + "-" +
		strings.TrimSuffix(filepath.Base(filepath.Dir(path)), ".lnk") + "-" + filepath.Base(path)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(lnkExpect{
		Target:           want.Target,
		Arguments:        want.Arguments,
		Description:      want.Description,
		WorkingDirectory: want.WorkingDirectory,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func knownFolder(t *testing.T, id *windows.KNOWNFOLDERID) string {
	t.Helper()
	p, err := windows.KnownFolderPath(id, windows.KF_FLAG_DEFAULT)
	if err != nil {
		t.Fatalf("KnownFolderPath() = %v", err)
	}
	return p
}

// redirectDesktop points the user's Desktop at path, as OneDrive's folder
// backup or the folder's Location tab do, until the test ends.
func redirectDesktop(t *testing.T, path string) {
	t.Helper()
	const key = `Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders`
	k, _, err := registry.CreateKey(registry.CURRENT_USER, key,
		registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	old, oldType, err := k.GetStringValue("Desktop")
	had := err == nil
	if err := k.SetExpandStringValue("Desktop", path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.SET_VALUE)
		if err != nil {
			t.Error(err)
			return
		}
		defer k.Close()
		switch {
		case !had:
			err = k.DeleteValue("Desktop")
		case oldType == registry.EXPAND_SZ:
			err = k.SetExpandStringValue("Desktop", old)
		default:
			err = k.SetStringValue("Desktop", old)
		}
		if err != nil {
			t.Errorf("restoring the Desktop folder: %v", err)
		}
	})
}
