package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"setup/internal/problem"
)

// Command is one program to run, with its arguments.
type Command struct {
	Name string
	Args []string
	Env  []string
}

func (c Command) String() string {
	return strings.Join(append([]string{c.Name}, c.Args...), " ")
}

// Distro is what /etc/os-release says of the Linux distribution.
type Distro struct {
	ID      string
	Like    []string
	Name    string
	Version string
}

// ParseOSRelease reads the os-release format.
func ParseOSRelease(text string) Distro {
	var d Distro
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		value = strings.Trim(value, `"'`)
		switch key {
		case "ID":
			d.ID = value
		case "ID_LIKE":
			d.Like = strings.Fields(value)
		case "PRETTY_NAME":
			d.Name = value
		case "VERSION_ID":
			d.Version = value
		}
	}
	if d.Name == "" {
		d.Name = d.ID
	}
	return d
}

func (d Distro) is(ids ...string) bool {
	for _, id := range ids {
		if d.ID == id {
			return true
		}
		for _, like := range d.Like {
			if like == id {
				return true
			}
		}
	}
	return false
}

// InstallPlan returns the commands that install Docker Engine from the
// distribution's own packages. Debian and Ubuntu (and distributions like
// them) are supported; for others the error names what to install.
func InstallPlan(d Distro) ([]Command, error) {
	apt := []string{"DEBIAN_FRONTEND=noninteractive"}
	switch {
	case d.is("debian", "ubuntu"):
		return []Command{
			{Name: "apt-get", Args: []string{"update"}, Env: apt},
			{Name: "apt-get", Args: []string{"install", "-y", "--no-install-recommends", "docker.io"}, Env: apt},
		}, nil
	case d.is("fedora"):
		return nil, unsupported(d, "sudo dnf install moby-engine")
	case d.is("rhel", "centos"):
		return nil, unsupported(d, "install docker-ce from Docker's repository for RHEL")
	case d.is("arch"):
		return nil, unsupported(d, "sudo pacman -S docker")
	case d.is("suse", "opensuse"):
		return nil, unsupported(d, "sudo zypper install docker")
	case d.is("alpine"):
		return nil, unsupported(d, "apk add docker")
	}
	return nil, unsupported(d, "install Docker Engine with your distribution's package manager")
}

func unsupported(d Distro, fix string) error {
	return problem.New(problem.Engine,
		fmt.Sprintf("Docker Engine is not installed, and setup installs it only on Debian and Ubuntu (this is %s)", d.Name),
		fix+", then run setup again")
}

// StartPlan returns how to start the engine: through systemd when it runs
// as PID 1, otherwise dockerd, which StartDaemon runs in the background.
func StartPlan(systemd bool) Command {
	if systemd {
		return Command{Name: "systemctl", Args: []string{"enable", "--now", "docker"}}
	}
	return Command{Name: "dockerd", Args: []string{"--log-level=warn"}}
}

// SystemdRunning reports whether systemd is PID 1 on this machine.
func SystemdRunning() bool {
	comm, err := os.ReadFile("/proc/1/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "systemd"
}

// Run runs c to completion and returns its combined output as evidence
// when it fails.
func Run(ctx context.Context, c Command) error {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Env = append(os.Environ(), c.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &problem.Error{
			Code:     problem.Engine,
			What:     fmt.Sprintf("running %s failed", c),
			Evidence: Tail(string(out), 20),
			Fix:      "fix what the output says and run setup again",
			Err:      err,
		}
	}
	return nil
}

// WaitReady polls ping until it succeeds or timeout passes.
func WaitReady(ctx context.Context, timeout time.Duration, ping func(context.Context) error) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = 2 * time.Second
	b.MaxElapsedTime = timeout
	return backoff.Retry(func() error {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return ping(pctx)
	}, backoff.WithContext(b, ctx))
}

// Tail returns the last n lines of a program's output, the part worth
// showing as evidence.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\r\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
