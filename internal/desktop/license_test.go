package desktop

import (
	"errors"
	"strings"
	"testing"

	"setup/internal/problem"
)

func TestAcceptLicense(t *testing.T) {
	yes := func(string) (bool, error) { return true, nil }
	no := func(string) (bool, error) { return false, nil }
	broken := func(string) (bool, error) { return false, errors.New("no terminal") }
	for _, tc := range []struct {
		name       string
		unattended bool
		accepted   bool
		confirm    func(string) (bool, error)
		wantAsked  bool
		wantCode   problem.Code
	}{
		{"flag given, unattended", true, true, nil, false, problem.OK},
		{"flag given, interactive", false, true, no, false, problem.OK},
		{"unattended without flag", true, false, yes, false, problem.Usage},
		{"no one to ask", false, false, nil, false, problem.Usage},
		{"accepted when asked", false, false, yes, true, problem.OK},
		{"declined when asked", false, false, no, true, problem.Cancelled},
		{"asking fails", false, false, broken, true, problem.Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked string
			confirm := tc.confirm
			if confirm != nil {
				confirm = func(q string) (bool, error) {
					asked = q
					return tc.confirm(q)
				}
			}
			err := AcceptLicense(tc.unattended, tc.accepted, confirm)
			if got := problem.ExitCode(err); got != tc.wantCode {
				t.Errorf("AcceptLicense() = %v (exit %d), want exit %d", err, got, tc.wantCode)
			}
			if (asked != "") != tc.wantAsked {
				t.Errorf("AcceptLicense() asked %q, want asked: %v", asked, tc.wantAsked)
			}
			if asked != "" && !strings.Contains(asked, LicenseURL) {
				t.Errorf("the question %q does not say where to read the license", asked)
			}
			if tc.wantCode == problem.Usage && !strings.Contains(err.Error(), "--accept-license") {
				t.Errorf("AcceptLicense() = %v, want it to name --accept-license", err)
			}
		})
	}
}
