package desktop

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/manifests"
)

func TestParseInfoPlist(t *testing.T) {
	data, err := os.ReadFile("testdata/Info.plist")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseInfoPlist(data)
	if err != nil {
		t.Fatalf("ParseInfoPlist() error = %v", err)
	}
	// Nested dictionaries and arrays are skipped, non-strings too.
	want := map[string]string{
		"BuildMachineOSBuild":           "23H420",
		"CFBundleDevelopmentRegion":     "en",
		"CFBundleDisplayName":           "Docker Desktop",
		"CFBundleExecutable":            "Docker",
		"CFBundleIdentifier":            "com.docker.docker",
		"CFBundleInfoDictionaryVersion": "6.0",
		"CFBundleName":                  "Docker",
		"CFBundlePackageType":           "APPL",
		"CFBundleShortVersionString":    "4.41.2",
		"CFBundleVersion":               "191736",
		"LSMinimumSystemVersion":        "13.0",
		"NSHumanReadableCopyright":      "Copyright \u00a9 2015-2025 Docker Inc. All rights reserved.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseInfoPlist() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseInfoPlistRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, data string
	}{
		{"binary property list", "bplist00\xd1\x01\x02"},
		{"not a plist", `<?xml version="1.0"?><html><dict></dict></html>`},
		{"no dictionary", `<plist version="1.0"><array><string>x</string></array></plist>`},
		{"cut short", `<plist version="1.0"><dict><key>CFBundleShortVersionString</key><string>4.4`},
		{"other charset", `<?xml version="1.0" encoding="UTF-16"?><plist><dict></dict></plist>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInfoPlist([]byte(tc.data))
			if err == nil {
				t.Errorf("ParseInfoPlist() = %v, want an error", got)
			}
		})
	}
}

func TestMacInstallation(t *testing.T) {
	data, err := os.ReadFile("testdata/Info.plist")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		plist []byte
		want  Installation
	}{
		{"installed", data, Installation{Path: MacApp, Version: "4.41.2"}},
		{"not installed", nil, Installation{}},
		{"unreadable version", []byte("bplist00"), Installation{Path: MacApp}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MacInstallation(tc.plist); got != tc.want {
				t.Errorf("MacInstallation() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestWindowsInstallation(t *testing.T) {
	const (
		pf      = `C:\Program Files`
		std     = `C:\Program Files\Docker\Docker\Docker Desktop.exe`
		custom  = `D:\Apps\Docker\Docker Desktop.exe`
		version = "4.41.2"
	)
	for _, tc := range []struct {
		name  string
		entry *UninstallEntry
		files []string
		want  Installation
	}{
		{
			name:  "registered and present",
			entry: &UninstallEntry{DisplayVersion: version, InstallLocation: `C:\Program Files\Docker\Docker`},
			files: []string{std},
			want:  Installation{Path: std, Version: version},
		},
		{
			name:  "custom install location",
			entry: &UninstallEntry{DisplayVersion: version, InstallLocation: `D:\Apps\Docker\`},
			files: []string{custom},
			want:  Installation{Path: custom, Version: version},
		},
		{
			name:  "program without registry entry",
			files: []string{std},
			want:  Installation{Path: std},
		},
		{
			name:  "entry without location",
			entry: &UninstallEntry{DisplayVersion: " 4.40.0 "},
			files: []string{std},
			want:  Installation{Path: std, Version: "4.40.0"},
		},
		{
			name:  "registered but program removed",
			entry: &UninstallEntry{DisplayVersion: version, InstallLocation: `C:\Program Files\Docker\Docker`},
			want:  Installation{},
		},
		{
			name: "nothing",
			want: Installation{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exists := func(p string) bool {
				for _, f := range tc.files {
					if f == p {
						return true
					}
				}
				return false
			}
			got := WindowsInstallation(tc.entry, pf, exists)
			if got != tc.want {
				t.Errorf("WindowsInstallation() = %+v, want %+v", got, tc.want)
			}
			if got.Installed() != (tc.want.Path != "") {
				t.Errorf("Installed() = %v, want %v", got.Installed(), !got.Installed())
			}
		})
	}
}

func TestPlan(t *testing.T) {
	pinned := manifests.Installer{Platform: "windows/amd64", Version: "4.41.2"}
	for _, tc := range []struct {
		name     string
		inst     Installation
		upgrade  bool
		want     Action
		wantNote bool
	}{
		{"missing", Installation{}, false, Install, false},
		{"missing, upgrading", Installation{}, true, Install, false},
		{"same version", Installation{Path: "x", Version: "4.41.2"}, true, Keep, false},
		{"newer", Installation{Path: "x", Version: "4.50.0"}, true, Keep, false},
		{"older kept", Installation{Path: "x", Version: "4.30.0"}, false, Keep, true},
		{"older upgraded", Installation{Path: "x", Version: "4.30.0"}, true, Upgrade, true},
		{"unknown version", Installation{Path: "x"}, true, Keep, true},
		{"unparsable version", Installation{Path: "x", Version: "nightly"}, true, Keep, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, note := Plan(tc.inst, pinned, tc.upgrade)
			if got != tc.want || (note != "") != tc.wantNote {
				t.Errorf("Plan() = %v, %q; want %v with a note: %v", got, note, tc.want, tc.wantNote)
			}
		})
	}
}
