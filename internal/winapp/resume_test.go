package winapp_test

import (
	"strings"
	"testing"

	"setup/internal/winapp"
)

func TestResumeCommand(t *testing.T) {
	exe := `C:\Program Files\Acme\Sensor Suite\setup.exe`
	tests := []struct {
		name     string
		args     []string
		wantName string
		want     string
		wantErr  bool
	}{{
		name:     "default command",
		wantName: "sensorsuite-setup-resume",
		want:     `"` + exe + `" --resumed`,
	}, {
		name:     "flags and a manifest with spaces",
		args:     []string{"install", "--unattended", "--manifest", `C:\Stacks\Nord Süd.yaml`},
		wantName: "sensorsuite-setup-resume",
		want:     `"` + exe + `" --resumed install --unattended --manifest "C:\Stacks\Nord Süd.yaml"`,
	}, {
		name:     "resumed already",
		args:     []string{"--resumed", "install"},
		wantName: "sensorsuite-setup-resume",
		want:     `"` + exe + `" --resumed install`,
	}, {
		name:    "longer than Windows runs",
		args:    []string{"--manifest", `C:\` + strings.Repeat("ü", 200) + `.yaml`},
		wantErr: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, command, err := winapp.ResumeCommand("sensorsuite", exe, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ResumeCommand() error = %v, want error %v", err, tt.wantErr)
			}
			if name != tt.wantName || command != tt.want {
				t.Errorf("ResumeCommand() = %q, %q, want %q, %q", name, command, tt.wantName, tt.want)
			}
		})
	}
}
