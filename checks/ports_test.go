package checks_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/checks"
)

// TestPortsReserved shows that a port Windows reserves is not reported as
// taken by the ports check, while the excluded-ports check fails for it:
// the problem is reported once, with its own fix.
func TestPortsReserved(t *testing.T) {
	ranges := []checks.PortRange{{Start: 8020, End: 8119}}
	tests := []struct {
		name         string
		uses         []checks.PortUse
		want         checks.Result
		wantExcluded checks.Status
	}{{
		name: "reserved only",
		uses: []checks.PortUse{
			{Port: 8080, Protocol: "tcp", Service: "app", Reserved: true},
			{Port: 8200, Protocol: "tcp", Service: "db"},
		},
		want: checks.Result{Name: "ports", Status: checks.OK,
			Evidence: "free: 8200/tcp; reserved by Windows (see excluded ports): 8080/tcp"},
		wantExcluded: checks.Fail,
	}, {
		name: "reserved and taken",
		uses: []checks.PortUse{
			{Port: 8080, Protocol: "tcp", Service: "app", Reserved: true},
			{Port: 8200, Protocol: "tcp", Service: "db", Err: errors.New("address already in use")},
		},
		want: checks.Result{Name: "ports", Status: checks.Fail,
			Evidence: "in use by another program: 8200/tcp for db: address already in use",
			Fix:      "stop the program that holds the port, or change the port in the manifest"},
		wantExcluded: checks.Fail,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Ports(tt.uses)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ports() mismatch (-want +got):\n%s", diff)
			}
			if got := checks.ExcludedPorts(tt.uses, ranges); got.Status != tt.wantExcluded {
				t.Errorf("ExcludedPorts() = %s (%s), want %s", got.Status, got.Evidence, tt.wantExcluded)
			}
		})
	}
}
