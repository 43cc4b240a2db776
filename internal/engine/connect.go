package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/client"

	"setup/internal/problem"
)

// Version is what the engine says of itself.
type Version struct {
	Version    string
	APIVersion string
	OS         string
	Arch       string
}

// Versioner is the part of the Docker client that Check uses.
type Versioner interface {
	Ping(ctx context.Context) (types.Ping, error)
	ServerVersion(ctx context.Context) (types.Version, error)
}

var _ Versioner = (*client.Client)(nil)

// NewClient returns a Docker client for ep. The API version is negotiated
// with the engine on first use, never pinned; TLS settings come from
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as for the docker CLI.
func NewClient(ep Endpoint) (*client.Client, error) {
	c, err := client.NewClientWithOpts(
		client.WithTLSClientConfigFromEnv(),
		client.WithHost(ep.Host),
		client.WithAPIVersionNegotiation(),
	)
	if err != nil {
		return nil, problem.Wrap(problem.Engine, err,
			fmt.Sprintf("the engine address %q from %s is not usable", ep.Host, ep.Source),
			"correct DOCKER_HOST or the docker context")
	}
	return c, nil
}

// Check pings the engine and checks its version against constraint (empty
// for any). installed tells whether the engine's program is present, to
// tell "not installed" from "not running".
func Check(ctx context.Context, c Versioner, ep Endpoint, goos, constraint string,
	installed bool) (Version, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()

	if _, err := c.Ping(ctx); err != nil {
		return Version{}, Diagnose(goos, ep, err, installed)
	}
	sv, err := c.ServerVersion(ctx)
	if err != nil {
		return Version{}, Diagnose(goos, ep, err, installed)
	}
	v := Version{Version: sv.Version, APIVersion: sv.APIVersion, OS: sv.Os, Arch: sv.Arch}
	return v, CheckVersion(v, constraint)
}

// CheckVersion refuses an engine that runs Windows containers or whose
// version does not satisfy constraint.
func CheckVersion(v Version, constraint string) error {
	if v.OS == "windows" {
		return &problem.Error{
			Code:     problem.Engine,
			What:     "Docker is in Windows-containers mode",
			Fix:      "switch to Linux containers: right-click the Docker icon in the notification area and choose 'Switch to Linux containers...'",
			Evidence: fmt.Sprintf("engine %s reports OS %s/%s", v.Version, v.OS, v.Arch),
		}
	}
	if constraint == "" {
		return nil
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return problem.Wrap(problem.Usage, err, "reading runtime.engine", "")
	}
	sv, err := semver.NewVersion(v.Version)
	if err != nil {
		return problem.Wrap(problem.Engine, err,
			fmt.Sprintf("the engine's version %q cannot be compared with %q", v.Version, constraint),
			"install a release of Docker Engine")
	}
	c.IncludePrerelease = true
	if !c.Check(sv) {
		return problem.New(problem.Engine,
			fmt.Sprintf("Docker %s is too old: this product needs %s", v.Version, constraint),
			"upgrade Docker to a version that satisfies "+constraint)
	}
	return nil
}

// Diagnose turns a failure to reach the engine into a *problem.Error that
// says which of the usual causes it is: not installed, installed but not
// running, or permission denied.
func Diagnose(goos string, ep Endpoint, err error, installed bool) *problem.Error {
	where := fmt.Sprintf("%s (from %s)", ep.Host, ep.Source)
	msg := err.Error()
	p := &problem.Error{Code: problem.Engine, Err: err, Evidence: msg}

	switch {
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EACCES) ||
		strings.Contains(msg, "permission denied") || strings.Contains(msg, "Access is denied"):
		p.What = "permission denied on the container engine at " + where
		if goos == "windows" {
			p.Fix = "add your account to the 'docker-users' group, then sign out and in again"
		} else {
			p.Fix = "add your user to the docker group ('sudo usermod -aG docker $USER', then sign out and in), or run setup with sudo"
		}
	case !installed:
		p.What = "no container engine is installed"
		p.Fix = installFix(goos)
	case isMissing(err, msg):
		p.What = "the container engine is installed but not running at " + where
		p.Fix = startFix(goos)
	case client.IsErrConnectionFailed(err) || isRefused(err):
		p.What = "the container engine does not answer at " + where
		p.Fix = startFix(goos)
	default:
		p.What = "the container engine at " + where + " failed"
		p.Fix = "check that the engine is healthy ('docker info') and run setup again"
	}
	return p
}

// NotRunning reports whether err, from Check, means that no engine
// listens at the endpoint: its socket or pipe is missing, or connections
// are refused. Starting the engine may then help; it does not for an
// engine that is too old, or one the user may not use.
func NotRunning(err error) bool {
	var p *problem.Error
	if errors.As(err, &p) && p.Err != nil {
		err = p.Err
	}
	if err == nil || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EACCES) ||
		strings.Contains(err.Error(), "permission denied") {
		return false
	}
	return isMissing(err, err.Error()) || isRefused(err) || client.IsErrConnectionFailed(err)
}

func isMissing(err error, msg string) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT) ||
		strings.Contains(msg, "no such file or directory") ||
		strings.Contains(msg, "cannot find the file specified")
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused")
}

func installFix(goos string) string {
	switch goos {
	case "windows", "darwin":
		return "install Docker Desktop, or run setup as an administrator so it installs it"
	}
	return "run setup as root so it installs Docker Engine from your distribution's packages"
}

func startFix(goos string) string {
	switch goos {
	case "windows", "darwin":
		return "start Docker Desktop and wait until it says the engine is running"
	}
	return "start it with 'sudo systemctl start docker' (or run setup as root so it starts it)"
}

// Installed reports whether the engine's programs are on this machine.
func Installed(goos string, lookPath func(string) (string, error)) bool {
	switch goos {
	case "windows":
		_, err := os.Stat(os.ExpandEnv(`${ProgramFiles}\Docker\Docker\Docker Desktop.exe`))
		if err == nil {
			return true
		}
		_, err = lookPath("docker.exe")
		return err == nil
	case "darwin":
		_, err := os.Stat("/Applications/Docker.app")
		return err == nil
	}
	_, err := lookPath("dockerd")
	return err == nil
}
