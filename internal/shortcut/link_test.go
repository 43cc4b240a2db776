package shortcut_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/shortcut"
)

// windowsLauncher is a launcher as setup writes it on Windows.
var windowsLauncher = shortcut.Launcher{
	Product: "sensorsuite",
	Name:    "Überwachung Süd ✓",
	Comment: "Öffnet die Überwachung",
	Exec: []string{`C:\Program Files\Acme\Sensor Suite\setup.exe`, "launch",
		"--manifest", `C:\ProgramData\Sensor Suite\manifest.yaml`, "Überwachung Süd ✓"},
}

func TestLink(t *testing.T) {
	tests := []struct {
		name string
		l    shortcut.Launcher
		want shortcut.Link
	}{{
		name: "unicode name, paths with spaces",
		l:    windowsLauncher,
		want: shortcut.Link{
			Target: `C:\Program Files\Acme\Sensor Suite\setup.exe`,
			Arguments: `launch --manifest "C:\ProgramData\Sensor Suite\manifest.yaml" ` +
				`"Überwachung Süd ✓"`,
			Description:      "Öffnet die Überwachung",
			WorkingDirectory: `C:\Program Files\Acme\Sensor Suite`,
			IconPath:         `C:\Program Files\Acme\Sensor Suite\setup.exe`,
		},
	}, {
		name: "quotes and trailing backslash",
		l: shortcut.Launcher{
			Name: "Reports",
			Exec: []string{`C:\setup.exe`, "launch", "--manifest", `D:\my "stacks"\`, "50% done"},
		},
		want: shortcut.Link{
			Target:           `C:\setup.exe`,
			Arguments:        `launch --manifest "D:\my \"stacks\"\\" "50% done"`,
			WorkingDirectory: `C:\`,
			IconPath:         `C:\setup.exe`,
		},
	}, {
		name: "no command",
		l:    shortcut.Launcher{Name: "Empty", Comment: "nothing to run"},
		want: shortcut.Link{Description: "nothing to run"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.l.Link()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Link() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinkEqual(t *testing.T) {
	base := windowsLauncher.Link()
	upper := base
	upper.Target = strings.ToUpper(base.Target)
	upper.WorkingDirectory = strings.ToUpper(base.WorkingDirectory)
	otherArgs := base
	otherArgs.Arguments = strings.ToUpper(base.Arguments)
	otherIcon := base
	otherIcon.IconIndex = 1
	tests := []struct {
		name  string
		other shortcut.Link
		want  bool
	}{
		{name: "same", other: base, want: true},
		{name: "paths in other case", other: upper, want: true},
		{name: "arguments in other case", other: otherArgs, want: false},
		{name: "other icon", other: otherIcon, want: false},
		{name: "empty", other: shortcut.Link{}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := base.Equal(tt.other); got != tt.want {
				t.Errorf("Equal(%+v) = %v, want %v", tt.other, got, tt.want)
			}
		})
	}
}

func TestLinkName(t *testing.T) {
	tests := []struct{ name, want string }{
		{name: "Grafana", want: "Grafana.lnk"},
		{name: "Überwachung Süd ✓", want: "Überwachung Süd ✓.lnk"},
		{name: "Admin: a/b", want: "Admin- a-b.lnk"},
		{name: "CON", want: "CON_.lnk"},
	}
	for _, tt := range tests {
		l := shortcut.Launcher{Product: "sensorsuite", Name: tt.name}
		if got := l.LinkName(); got != tt.want {
			t.Errorf("LinkName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// knownFolders answers a known-folder lookup from a map.
func knownFolders(m map[shortcut.Folder]string) func(shortcut.Folder) (string, error) {
	return func(f shortcut.Folder) (string, error) {
		p, ok := m[f]
		if !ok {
			return "", fmt.Errorf("folder %d: element not found", f)
		}
		return p, nil
	}
}

func TestWindowsPlaces(t *testing.T) {
	const (
		profile     = `C:\Users\u`
		oneDrive    = `C:\Users\u\OneDrive - Org\Desktop`
		programs    = `C:\Users\u\AppData\Roaming\Microsoft\Windows\Start Menu\Programs`
		public      = `C:\Users\Public\Desktop`
		allPrograms = `C:\ProgramData\Microsoft\Windows\Start Menu\Programs`
	)
	folders := knownFolders(map[shortcut.Folder]string{
		shortcut.FolderDesktop:        oneDrive,
		shortcut.FolderPrograms:       programs,
		shortcut.FolderPublicDesktop:  public,
		shortcut.FolderCommonPrograms: allPrograms,
	})
	l := shortcut.Launcher{Product: "sensorsuite", Name: "Sensor Suite"}
	tests := []struct {
		name      string
		folders   func(shortcut.Folder) (string, error)
		allUsers  bool
		wantPaths []string
		wantErr   bool
	}{{
		// The Desktop moved into OneDrive by its folder backup, and the
		// profile's own Desktop folder no longer exists.
		name:    "onedrive-redirected-desktop",
		folders: folders,
		wantPaths: []string{
			programs + `\Sensor Suite.lnk`,
			`C:\Users\u\OneDrive - Org\Desktop\Sensor Suite.lnk`,
		},
	}, {
		name:     "all users",
		folders:  folders,
		allUsers: true,
		wantPaths: []string{
			allPrograms + `\Sensor Suite.lnk`,
			public + `\Sensor Suite.lnk`,
		},
	}, {
		name:    "no Desktop",
		folders: knownFolders(map[shortcut.Folder]string{shortcut.FolderPrograms: programs}),
		wantErr: true,
	}, {
		name:    "no Start Menu",
		folders: knownFolders(map[shortcut.Folder]string{shortcut.FolderDesktop: oneDrive}),
		wantErr: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			places, err := shortcut.WindowsPlaces(tt.folders, tt.allUsers)
			if (err != nil) != tt.wantErr {
				t.Fatalf("WindowsPlaces() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := shortcut.Paths("windows", places, l)
			if diff := cmp.Diff(tt.wantPaths, got); diff != "" {
				t.Errorf("Paths() mismatch (-want +got):\n%s", diff)
			}
			for _, p := range got {
				if strings.HasPrefix(p, profile+`\Desktop\`) {
					t.Errorf("Paths() = %q, under the profile's Desktop", p)
				}
			}
		})
	}
}

func TestWindowsPlacesKeepsCause(t *testing.T) {
	cause := errors.New("access denied")
	_, err := shortcut.WindowsPlaces(func(shortcut.Folder) (string, error) { return "", cause }, false)
	if !errors.Is(err, cause) {
		t.Errorf("WindowsPlaces() = %v, want it to wrap %v", err, cause)
	}
}

func TestPaths(t *testing.T) {
	l := shortcut.Launcher{Product: "sensorsuite", Name: "Sensor Suite Database"}
	tests := []struct {
		name   string
		goos   string
		places shortcut.Places
		want   []string
	}{{
		name: "linux",
		goos: "linux",
		places: shortcut.Places{
			Applications: "/home/u/.local/share/applications",
			Desktop:      "/home/u/Desktop",
		},
		want: []string{
			filepath.Join("/home/u/.local/share/applications", "sensorsuite-sensor-suite-database.desktop"),
			filepath.Join("/home/u/Desktop", "sensorsuite-sensor-suite-database.desktop"),
		},
	}, {
		name:   "linux without Desktop",
		goos:   "linux",
		places: shortcut.Places{Applications: "/home/u/.local/share/applications"},
		want: []string{
			filepath.Join("/home/u/.local/share/applications", "sensorsuite-sensor-suite-database.desktop"),
		},
	}, {
		name:   "windows",
		goos:   "windows",
		places: shortcut.Places{StartMenu: `C:\Start Menu\Programs\`, Desktop: `D:\Desk`},
		want: []string{
			`C:\Start Menu\Programs\Sensor Suite Database.lnk`,
			`D:\Desk\Sensor Suite Database.lnk`,
		},
	}, {
		name:   "windows places on linux",
		goos:   "linux",
		places: shortcut.Places{StartMenu: `C:\Start Menu\Programs`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shortcut.Paths(tt.goos, tt.places, l)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Paths() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
