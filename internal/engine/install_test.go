package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/engine"
	"setup/internal/problem"
)

const (
	debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`
	ubuntu2404 = `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`
	mint22 = `NAME="Linux Mint"
VERSION="22 (Wilma)"
ID=linuxmint
ID_LIKE="ubuntu debian"
PRETTY_NAME="Linux Mint 22"
VERSION_ID="22"
HOME_URL="https://www.linuxmint.com/"
SUPPORT_URL="https://forums.linuxmint.com/"
BUG_REPORT_URL="http://linuxmint-troubleshooting-guide.readthedocs.io/en/latest/"
PRIVACY_POLICY_URL="https://www.linuxmint.com/"
VERSION_CODENAME=wilma
UBUNTU_CODENAME=noble
`
	fedora40 = `NAME="Fedora Linux"
VERSION="40 (Workstation Edition)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40 (Workstation Edition)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
VARIANT="Workstation Edition"
VARIANT_ID=workstation
`
	void = `NAME="Void"
ID="void"
PRETTY_NAME="Void Linux"
HOME_URL="https://voidlinux.org/"
DOCUMENTATION_URL="https://docs.voidlinux.org/"
LOGO="void-logo"
ANSI_COLOR="0;38;2;71;128;97"
`
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name string
		text string
		want engine.Distro
	}{
		{name: "debian 12", text: debian12, want: engine.Distro{
			ID: "debian", Name: "Debian GNU/Linux 12 (bookworm)", Version: "12"}},
		{name: "ubuntu 24.04", text: ubuntu2404, want: engine.Distro{
			ID: "ubuntu", Like: []string{"debian"}, Name: "Ubuntu 24.04.1 LTS", Version: "24.04"}},
		{name: "linux mint 22", text: mint22, want: engine.Distro{
			ID: "linuxmint", Like: []string{"ubuntu", "debian"}, Name: "Linux Mint 22", Version: "22"}},
		{name: "fedora 40", text: fedora40, want: engine.Distro{
			ID: "fedora", Name: "Fedora Linux 40 (Workstation Edition)", Version: "40"}},
		{name: "no pretty name", text: "ID=minimal\n", want: engine.Distro{
			ID: "minimal", Name: "minimal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := engine.ParseOSRelease(tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseOSRelease() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstallPlan(t *testing.T) {
	apt := []engine.Command{
		{Name: "apt-get", Args: []string{"update"},
			Env: []string{"DEBIAN_FRONTEND=noninteractive"}},
		{Name: "apt-get", Args: []string{"install", "-y", "--no-install-recommends", "docker.io"},
			Env: []string{"DEBIAN_FRONTEND=noninteractive"}},
	}
	tests := []struct {
		name string
		text string
		want []engine.Command
		// wantErr holds phrases the error must hold; nil for no error.
		wantErr []string
	}{
		{name: "debian 12", text: debian12, want: apt},
		{name: "ubuntu 24.04", text: ubuntu2404, want: apt},
		{name: "linux mint through ID_LIKE", text: mint22, want: apt},
		{name: "fedora", text: fedora40, wantErr: []string{"Fedora Linux 40", "dnf", "moby-engine"}},
		{name: "unknown", text: void, wantErr: []string{"Void Linux"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.InstallPlan(engine.ParseOSRelease(tt.text))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("InstallPlan() = %v, want nil", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("InstallPlan() mismatch (-want +got):\n%s", diff)
				}
				return
			}
			var p *problem.Error
			if !errors.As(err, &p) {
				t.Fatalf("InstallPlan() = %v, want a *problem.Error", err)
			}
			if got, want := p.Code, problem.Engine; got != want {
				t.Errorf("InstallPlan() code = %v, want %v", got, want)
			}
			for _, phrase := range tt.wantErr {
				if !strings.Contains(p.What+" "+p.Fix, phrase) {
					t.Errorf("InstallPlan() = %q / %q, want it to say %q", p.What, p.Fix, phrase)
				}
			}
		})
	}
}

func TestStartPlan(t *testing.T) {
	tests := []struct {
		name    string
		systemd bool
		want    string
	}{
		{name: "systemd", systemd: true, want: "systemctl enable --now docker"},
		{name: "no systemd", systemd: false, want: "dockerd --log-level=warn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.StartPlan(tt.systemd).String(); got != tt.want {
				t.Errorf("StartPlan(%t) = %q, want %q", tt.systemd, got, tt.want)
			}
		})
	}
}
