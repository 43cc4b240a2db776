package desktop

import (
	"errors"
	"fmt"
	"path"

	"setup/internal/engine"
	"setup/internal/problem"
)

// InstallPlan is how Docker Desktop's installer is run silently.
type InstallPlan struct {
	// Prepare runs first, e.g. attaching the macOS disk image.
	Prepare []engine.Command
	// Install is the installer itself; InstallerExit reads its exit code.
	Install engine.Command
	// Cleanup runs however the others end.
	Cleanup []engine.Command
}

// PlanInstall returns how to install Docker Desktop from file silently,
// with its license accepted. On macOS the disk image is attached at
// mount, an empty folder, and Docker Desktop is set up for user, so that
// its first start needs no administrator password.
func PlanInstall(goos, file, mount, user string) (InstallPlan, error) {
	switch goos {
	case "windows":
		return InstallPlan{Install: engine.Command{
			Name: file,
			Args: []string{"install", "--quiet", "--accept-license", "--backend=wsl-2"},
		}}, nil
	case "darwin":
		if mount == "" || user == "" {
			return InstallPlan{}, errors.New(
				"installing Docker Desktop on macOS needs a mount point and a user")
		}
		return InstallPlan{
			Prepare: []engine.Command{{
				Name: "hdiutil",
				Args: []string{"attach", "-nobrowse", "-readonly", "-noautoopen", "-mountpoint", mount, file},
			}},
			Install: engine.Command{
				Name: path.Join(mount, "Docker.app/Contents/MacOS/install"),
				Args: []string{"--accept-license", "--user=" + user},
			},
			Cleanup: []engine.Command{{Name: "hdiutil", Args: []string{"detach", mount, "-force"}}},
		}, nil
	}
	return InstallPlan{}, unsupported(goos)
}

// Outcome is how a successful installer run ended.
type Outcome struct {
	// RebootRequired: the installer finished, and Windows must restart
	// before the installed program can work.
	RebootRequired bool
	// RebootInitiated: the installer finished and has started a restart.
	RebootInitiated bool
}

// Windows Installer exit codes that installers commonly share.
const (
	exitRebootRequired  = 3010 // ERROR_SUCCESS_REBOOT_REQUIRED
	exitRebootInitiated = 1641 // ERROR_SUCCESS_REBOOT_INITIATED
	exitUserCancelled   = 1602 // ERROR_INSTALL_USEREXIT
	exitFatal           = 1603 // ERROR_INSTALL_FAILURE
	exitBusy            = 1618 // ERROR_INSTALL_ALREADY_RUNNING
)

// InstallerExit reads the installer's exit code: 0 is success, 3010
// success with a restart required, 1641 success with a restart already
// started. Any other code is a *problem.Error (problem.Engine) whose
// evidence holds the code and the end of output.
func InstallerExit(goos string, code int, output string) (Outcome, error) {
	switch code {
	case 0:
		return Outcome{}, nil
	case exitRebootRequired:
		return Outcome{RebootRequired: true}, nil
	case exitRebootInitiated:
		return Outcome{RebootInitiated: true}, nil
	}

	evidence := fmt.Sprintf("installer exit code %d", code)
	if code > 0xFFFF || code < 0 {
		evidence += fmt.Sprintf(" (0x%08X)", uint32(code))
	}
	if meaning := exitMeaning(code); meaning != "" {
		evidence += ": " + meaning
	}
	if out := engine.Tail(output, 20); out != "" {
		evidence += "\n" + out
	}
	p := &problem.Error{
		Code:     problem.Engine,
		What:     fmt.Sprintf("the Docker Desktop installer failed (exit code %d)", code),
		Evidence: evidence,
	}
	switch {
	case code == exitBusy:
		p.Fix = "wait until the other installation (often Windows Update) finishes, then run setup again"
	case code == exitUserCancelled:
		p.Fix = "run setup again and let the installer finish"
	case goos == "windows":
		p.Fix = `see the installer's log, %ProgramData%\DockerDesktop\install-log-admin.txt, ` +
			"for the reason; fix it and run setup again"
	default:
		p.Fix = "fix what the installer's output says, then run setup again"
	}
	return Outcome{}, p
}

func exitMeaning(code int) string {
	switch code {
	case exitFatal:
		return "fatal error during installation"
	case exitUserCancelled:
		return "the installation was cancelled"
	case exitBusy:
		return "another installation is in progress"
	}
	return ""
}
