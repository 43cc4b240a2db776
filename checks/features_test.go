package checks_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/checks"
)

func TestFeaturesToEnable(t *testing.T) {
	on, off := checks.FeatureEnabled, checks.FeatureDisabled
	pending, absent := checks.FeatureEnablePending, checks.FeatureAbsent
	both := []string{checks.FeatureWSL, checks.FeatureVMP}
	tests := []struct {
		name    string
		states  checks.FeatureStates
		edition string
		want    []string
	}{
		{name: "fresh Pro", edition: "Professional",
			states: checks.FeatureStates{WSL: off, VMP: off, HyperV: off}, want: both},
		{name: "fresh Home, which has no Hyper-V", edition: "Core",
			states: checks.FeatureStates{WSL: off, VMP: off, HyperV: absent}, want: both},
		{name: "Enterprise with Hyper-V on", edition: "Enterprise",
			states: checks.FeatureStates{WSL: off, VMP: off, HyperV: on}, want: both},
		{name: "WSL on, platform off", edition: "Core",
			states: checks.FeatureStates{WSL: on, VMP: off}, want: []string{checks.FeatureVMP}},
		{name: "platform on, WSL off", edition: "Professional",
			states: checks.FeatureStates{WSL: off, VMP: on}, want: []string{checks.FeatureWSL}},
		{name: "both on", edition: "Professional",
			states: checks.FeatureStates{WSL: on, VMP: on, HyperV: off}},
		{name: "both on after a restart", edition: "Core",
			states: checks.FeatureStates{WSL: pending, VMP: pending}},
		{name: "states unknown", edition: "", states: checks.FeatureStates{}, want: both},
		{name: "platform missing from this Windows", edition: "Core",
			states: checks.FeatureStates{WSL: off, VMP: absent}, want: []string{checks.FeatureWSL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.FeaturesToEnable(tt.states, tt.edition)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FeaturesToEnable(%+v, %q) mismatch (-want +got):\n%s",
					tt.states, tt.edition, diff)
			}

			// What setup enables is what the check promises it enables.
			r := checks.OptionalFeatures(tt.states, tt.edition)
			for _, name := range got {
				if r.Status == checks.Warn && !strings.Contains(r.Fix, name) {
					t.Errorf("OptionalFeatures().Fix = %q, want it to name %s, which setup enables",
						r.Fix, name)
				}
			}
		})
	}
}

func TestEnableFeaturesBadName(t *testing.T) {
	bad := []string{"", "VirtualMachinePlatform;Microsoft-Hyper-V-All", "Virtual Machine"}
	for _, name := range bad {
		t.Run(name, func(t *testing.T) {
			names := []string{checks.FeatureWSL, name}
			reboot, err := checks.EnableFeatures(context.Background(), names)
			if err == nil || reboot {
				t.Fatalf("EnableFeatures(%q) = %t, %v, want an error", name, reboot, err)
			}
			if errors.Is(err, checks.ErrNotSupported) || !strings.Contains(err.Error(), "bad feature name") {
				t.Errorf("EnableFeatures(%q) = %v, want a bad feature name, before any system call",
					name, err)
			}
		})
	}
}

func TestEnableFeaturesNone(t *testing.T) {
	reboot, err := checks.EnableFeatures(context.Background(), nil)
	if err != nil || reboot {
		t.Errorf("EnableFeatures(nil) = %t, %v, want false, nil", reboot, err)
	}
}
