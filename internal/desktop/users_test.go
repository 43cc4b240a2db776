package desktop

import (
	"errors"
	"strings"
	"testing"

	"setup/internal/problem"
)

func TestSignedInUser(t *testing.T) {
	alice := Account{Name: `PC\alice`, SID: "S-1-5-21-1-2-3-1001", Source: FromConsole}
	admin := Account{Name: `PC\admin`, SID: "S-1-5-21-1-2-3-500", Source: FromEnv}
	system := Account{Name: `NT AUTHORITY\SYSTEM`, SID: "S-1-5-18", Source: FromConsole}
	computer := Account{Name: `CORP\PC01$`, Source: FromEnv}
	dwm := Account{Name: `Window Manager\DWM-1`, SID: "S-1-5-90-0-1", Source: FromExplorer}
	netsvc := Account{Name: `NT AUTHORITY\NETWORK SERVICE`, Source: FromEnv}
	root := Account{Name: "root", Source: FromConsole}
	daemon := Account{Name: "_mbsetupuser", Source: FromConsole}
	bob := Account{Name: "bob", Source: FromSudo}
	winRoot := Account{Name: `PC\root`, SID: "S-1-5-21-1-2-3-1002", Source: FromConsole}
	for _, tc := range []struct {
		name       string
		goos       string
		candidates []Account
		want       Account
	}{
		{"console user before the elevated admin", "windows", []Account{alice, admin}, alice},
		{"SYSTEM skipped", "windows", []Account{system, dwm, alice}, alice},
		{"SYSTEM's USERNAME is the computer account", "windows", []Account{system, computer}, Account{}},
		{"service by name", "windows", []Account{netsvc, admin}, admin},
		{"a Windows user named root", "windows", []Account{winRoot, alice}, winRoot},
		{"macOS login window", "darwin", []Account{root, daemon, bob}, bob},
		{"empty name skipped", "windows", []Account{{Source: FromConsole}, alice}, alice},
		{"none", "darwin", nil, Account{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SignedInUser(tc.goos, tc.candidates)
			if got != tc.want {
				t.Errorf("SignedInUser() = %+v, want %+v", got, tc.want)
			}
			if tc.want.Name == "" {
				if problem.ExitCode(err) != problem.Engine {
					t.Fatalf("SignedInUser() error = %v, want a problem.Engine error", err)
				}
				var p *problem.Error
				errors.As(err, &p)
				for _, c := range tc.candidates {
					if c.Name != "" && !strings.Contains(p.Evidence, c.Name) {
						t.Errorf("evidence %q does not list %s", p.Evidence, c.Name)
					}
				}
			} else if err != nil {
				t.Errorf("SignedInUser() error = %v", err)
			}
		})
	}
}

func TestJoinResult(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    uint32
		wantAdded bool
		wantErr   string
	}{
		{"added", 0, true, ""},
		{"already a member", 1378, false, ""},
		{"not elevated", 5, false, "administrator rights"},
		{"no such group", 2220, false, "does not exist"},
		{"no such account", 1332, false, "no such account"},
		{"no such member", 1387, false, "no such account"},
		{"other", 87, false, "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			added, err := JoinResult(tc.status, DockerUsers, `PC\alice`)
			if added != tc.wantAdded {
				t.Errorf("JoinResult(%d) added = %v, want %v", tc.status, added, tc.wantAdded)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("JoinResult(%d) = %v, want no error", tc.status, err)
			case tc.wantErr != "" && (problem.ExitCode(err) != problem.Engine ||
				!strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("JoinResult(%d) = %v, want a problem.Engine error saying %q", tc.status, err, tc.wantErr)
			}
		})
	}
}

func TestIsServiceSID(t *testing.T) {
	for sid, want := range map[string]bool{
		"S-1-5-18":            true,
		"s-1-5-19":            true,
		"S-1-5-20":            true,
		"S-1-5-80-123-456":    true,
		"S-1-5-21-1-2-3-1001": false,
		"S-1-5-32-544":        false,
		"":                    false,
		"S-1-5-180":           false,
	} {
		if got := isServiceSID(sid); got != want {
			t.Errorf("isServiceSID(%q) = %v, want %v", sid, got, want)
		}
	}
}
