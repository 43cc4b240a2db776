package winapp_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/winapp"
)

func TestUninstallEntry(t *testing.T) {
	const (
		exe     = `C:\Program Files\Acme\Sensor Suite\setup.exe`
		userDir = `C:\Users\Jürgen\AppData\Local\Programs\Überwachung Süd ✓`
	)
	tests := []struct {
		name    string
		product winapp.Product
		exe     string
		size    int64
		want    winapp.Entry
		wantErr bool
	}{{
		name: "all values",
		product: winapp.Product{
			ID: "sensorsuite", Name: "Sensor Suite", Version: "2.7.1", Publisher: "Acme",
		},
		exe:  exe,
		size: 10*1024*1024 + 1,
		want: winapp.Entry{
			Key: `Software\Microsoft\Windows\CurrentVersion\Uninstall\sensorsuite`,
			Strings: map[string]string{
				"DisplayName":          "Sensor Suite",
				"DisplayVersion":       "2.7.1",
				"Publisher":            "Acme",
				"DisplayIcon":          exe + ",0",
				"UninstallString":      `"` + exe + `" uninstall`,
				"QuietUninstallString": `"` + exe + `" uninstall --unattended`,
				"InstallLocation":      `C:\Program Files\Acme\Sensor Suite`,
			},
			DWords: map[string]uint32{"NoModify": 1, "NoRepair": 1, "EstimatedSize": 10241},
		},
	}, {
		name:    "per user, unicode, no publisher",
		product: winapp.Product{ID: "ueberwachung", Name: "Überwachung Süd ✓", Version: "1.0.0"},
		exe:     userDir + `\setup.exe`,
		size:    0,
		want: winapp.Entry{
			Key: `Software\Microsoft\Windows\CurrentVersion\Uninstall\ueberwachung`,
			Strings: map[string]string{
				"DisplayName":          "Überwachung Süd ✓",
				"DisplayVersion":       "1.0.0",
				"DisplayIcon":          userDir + `\setup.exe,0`,
				"UninstallString":      `"` + userDir + `\setup.exe" uninstall`,
				"QuietUninstallString": `"` + userDir + `\setup.exe" uninstall --unattended`,
				"InstallLocation":      userDir,
			},
			DWords: map[string]uint32{"NoModify": 1, "NoRepair": 1, "EstimatedSize": 0},
		},
	}, {
		name:    "no id",
		product: winapp.Product{Name: "Sensor Suite"},
		exe:     exe,
		wantErr: true,
	}, {
		name:    "id with a backslash",
		product: winapp.Product{ID: `a\b`, Name: "Sensor Suite"},
		exe:     exe,
		wantErr: true,
	}, {
		name:    "no name",
		product: winapp.Product{ID: "sensorsuite"},
		exe:     exe,
		wantErr: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := winapp.UninstallEntry(tt.product, tt.exe, tt.size)
			if (err != nil) != tt.wantErr {
				t.Fatalf("UninstallEntry() error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UninstallEntry() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
