package winapp_test

import (
	"testing"

	"setup/internal/winapp"
)

func TestNeedsElevation(t *testing.T) {
	tests := []struct {
		step       winapp.Step
		allUsers   bool
		oneUser    bool
		unknownBad bool
	}{
		{step: winapp.StepEngine, allUsers: true, oneUser: true},
		{step: winapp.StepDockerUsers, allUsers: true, oneUser: true},
		{step: winapp.StepStableCopy, allUsers: true, oneUser: false},
		{step: winapp.StepUninstallEntry, allUsers: true, oneUser: false},
		{step: winapp.StepShortcuts, allUsers: true, oneUser: false},
		{step: winapp.StepResume, allUsers: true, oneUser: false},
		{step: winapp.StepStack, allUsers: false, oneUser: false},
		{step: winapp.Step("something new"), allUsers: true, oneUser: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.step), func(t *testing.T) {
			if got := winapp.NeedsElevation(tt.step, false); got != tt.allUsers {
				t.Errorf("NeedsElevation(%q, all users) = %v, want %v", tt.step, got, tt.allUsers)
			}
			if got := winapp.NeedsElevation(tt.step, true); got != tt.oneUser {
				t.Errorf("NeedsElevation(%q, per user) = %v, want %v", tt.step, got, tt.oneUser)
			}
		})
	}
}

func TestShouldElevate(t *testing.T) {
	perUserInstall := []winapp.Step{winapp.StepStableCopy, winapp.StepShortcuts, winapp.StepStack}
	withEngine := append([]winapp.Step{winapp.StepEngine}, perUserInstall...)
	tests := []struct {
		name     string
		steps    []winapp.Step
		perUser  bool
		elevated bool
		want     bool
	}{
		{name: "per user, engine present", steps: perUserInstall, perUser: true, want: false},
		{name: "per user, engine to install", steps: withEngine, perUser: true, want: true},
		{name: "all users", steps: perUserInstall, want: true},
		{name: "all users, elevated", steps: withEngine, elevated: true, want: false},
		{name: "only the stack", steps: []winapp.Step{winapp.StepStack}, want: false},
		{name: "nothing", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := winapp.ShouldElevate(tt.steps, tt.perUser, tt.elevated)
			if got != tt.want {
				t.Errorf("ShouldElevate(%q, %v, %v) = %v, want %v",
					tt.steps, tt.perUser, tt.elevated, got, tt.want)
			}
		})
	}
}
