package desktop

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/engine"
	"setup/internal/problem"
)

func TestInstallerExit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    int
		want    Outcome
		wantErr []string // in the error's text and evidence
	}{
		{name: "exit-3010-is-success: 0 success", code: 0},
		{name: "exit-3010-is-success: 3010 reboot required", code: 3010, want: Outcome{RebootRequired: true}},
		{name: "exit-3010-is-success: 1641 reboot initiated", code: 1641, want: Outcome{RebootInitiated: true}},
		{name: "exit-3010-is-success: 1603 fatal error", code: 1603,
			wantErr: []string{"1603", "fatal error during installation", "last line"}},
		{name: "another install", code: 1618, wantErr: []string{"1618", "another installation"}},
		{name: "cancelled", code: 1602, wantErr: []string{"1602", "cancelled"}},
		{name: "other", code: 1, wantErr: []string{"exit code 1"}},
		{name: "HRESULT", code: 4294967291, wantErr: []string{"0xFFFFFFFB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := InstallerExit("windows", tc.code, "first line\nlast line\n")
			if got != tc.want {
				t.Errorf("InstallerExit(%d) = %+v, want %+v", tc.code, got, tc.want)
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("InstallerExit(%d) error = %v, want none", tc.code, err)
				}
				return
			}
			var p *problem.Error
			if !errors.As(err, &p) || p.Code != problem.Engine {
				t.Fatalf("InstallerExit(%d) error = %v, want a problem.Engine error", tc.code, err)
			}
			text := problem.Format(err)
			for _, s := range tc.wantErr {
				if !strings.Contains(text, s) {
					t.Errorf("InstallerExit(%d) error %q does not say %q", tc.code, text, s)
				}
			}
			if p.Fix == "" {
				t.Errorf("InstallerExit(%d) error has no fix", tc.code)
			}
		})
	}
}

func TestPlanInstall(t *testing.T) {
	for _, tc := range []struct {
		name              string
		goos, mount, user string
		want              InstallPlan
		wantErr           bool
	}{
		{
			name: "windows",
			goos: "windows",
			want: InstallPlan{Install: engine.Command{
				Name: "INSTALLER",
				Args: []string{"install", "--quiet", "--accept-license", "--backend=wsl-2"},
			}},
		},
		{
			name: "macOS", goos: "darwin", mount: "/Volumes/Docker", user: "alice",
			want: InstallPlan{
				Prepare: []engine.Command{{Name: "hdiutil", Args: []string{
					"attach", "-nobrowse", "-readonly", "-noautoopen", "-mountpoint", "/Volumes/Docker", "INSTALLER"}}},
				Install: engine.Command{
					Name: "/Volumes/Docker/Docker.app/Contents/MacOS/install",
					Args: []string{"--accept-license", "--user=alice"},
				},
				Cleanup: []engine.Command{{Name: "hdiutil", Args: []string{"detach", "/Volumes/Docker", "-force"}}},
			},
		},
		{name: "macOS without user", goos: "darwin", mount: "/Volumes/Docker", wantErr: true},
		{name: "linux", goos: "linux", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PlanInstall(tc.goos, "INSTALLER", tc.mount, tc.user)
			if (err != nil) != tc.wantErr {
				t.Fatalf("PlanInstall() error = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PlanInstall() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
