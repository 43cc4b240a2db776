package winapp

// Step is a part of installing on Windows, named by what it changes.
type Step string

// The steps whose need for administrator rights differs.
const (
	// StepEngine installs Docker Desktop or turns on Windows features.
	StepEngine Step = "engine"
	// StepDockerUsers adds the user to the docker-users group.
	StepDockerUsers Step = "docker-users"
	// StepStableCopy copies setup to its stable place.
	StepStableCopy Step = "stable copy"
	// StepUninstallEntry writes the Add/Remove Programs entry.
	StepUninstallEntry Step = "uninstall entry"
	// StepShortcuts writes the Desktop and Start Menu shortcuts.
	StepShortcuts Step = "shortcuts"
	// StepResume registers the command that runs after a reboot.
	StepResume Step = "resume"
	// StepStack pulls images and runs containers through the engine.
	StepStack Step = "stack"
)

// NeedsElevation reports whether step needs administrator rights. Changes
// to the machine (the engine, Windows features, local groups) always do;
// what an installation for all users writes (Program Files, HKLM, the
// public Desktop and Start Menu) does, while the same for one user does
// not; talking to a running engine never does. An unknown step is taken
// to need them, so that it fails at the prompt rather than half-way.
func NeedsElevation(step Step, perUser bool) bool {
	switch step {
	case StepEngine, StepDockerUsers:
		return true
	case StepStableCopy, StepUninstallEntry, StepShortcuts, StepResume:
		return !perUser
	case StepStack:
		return false
	}
	return true
}

// ShouldElevate reports whether a process that is elevated or not must
// relaunch itself elevated to run steps: only when one of them needs
// rights it lacks.
func ShouldElevate(steps []Step, perUser, elevated bool) bool {
	if elevated {
		return false
	}
	for _, s := range steps {
		if NeedsElevation(s, perUser) {
			return true
		}
	}
	return false
}
