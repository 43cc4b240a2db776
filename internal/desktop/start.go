package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"setup/internal/engine"
	"setup/internal/problem"
	"setup/manifests"
)

// Docker Desktop's engine addresses on Windows: the default, which it
// points at its Linux or Windows engine, and the Linux engine itself.
const (
	EnginePipe      = engine.WindowsPipe
	LinuxEnginePipe = "npipe:////./pipe/dockerDesktopLinuxEngine"
)

// EngineState is what a failed attempt to reach the engine says of it.
type EngineState int

// The states ClassifyDial tells apart.
const (
	// EngineUnknown is any other failure, which starting Docker Desktop
	// does not cure.
	EngineUnknown EngineState = iota
	// EngineNotRunning: the pipe or socket is missing or refuses
	// connections; Docker Desktop is not running.
	EngineNotRunning
	// EngineStarting: something listens but the engine does not answer
	// yet.
	EngineStarting
	// EngineDenied: this account may not use the engine.
	EngineDenied
)

func (s EngineState) String() string {
	switch s {
	case EngineNotRunning:
		return "not running"
	case EngineStarting:
		return "starting"
	case EngineDenied:
		return "access denied"
	}
	return "unknown"
}

// Windows error numbers of a failed pipe open.
const (
	winFileNotFound = 2   // ERROR_FILE_NOT_FOUND
	winPathNotFound = 3   // ERROR_PATH_NOT_FOUND
	winAccessDenied = 5   // ERROR_ACCESS_DENIED
	winSemTimeout   = 121 // ERROR_SEM_TIMEOUT
	winPipeBusy     = 231 // ERROR_PIPE_BUSY
)

// ClassifyDial tells from an error of reaching the engine on goos whether
// Docker Desktop is not running, still starting, or refuses this account.
// The error numbers decide where there are some, since Windows words its
// messages in the user's language; the English messages are a fallback.
func ClassifyDial(goos string, err error) EngineState {
	if err == nil {
		return EngineUnknown
	}
	msg := err.Error()
	var errno syscall.Errno
	hasErrno := errors.As(err, &errno)

	if goos == "windows" && hasErrno {
		switch errno {
		case winFileNotFound, winPathNotFound:
			return EngineNotRunning
		case winAccessDenied:
			return EngineDenied
		case winPipeBusy, winSemTimeout:
			return EngineStarting
		}
	}
	switch {
	case goos != "windows" && (errors.Is(err, fs.ErrPermission) ||
		hasErrno && (errno == syscall.EACCES || errno == syscall.EPERM)):
		return EngineDenied
	case strings.Contains(msg, "Access is denied") || strings.Contains(msg, "permission denied"):
		return EngineDenied
	case goos != "windows" && (errors.Is(err, fs.ErrNotExist) ||
		hasErrno && (errno == syscall.ENOENT || errno == syscall.ECONNREFUSED)):
		return EngineNotRunning
	case strings.Contains(msg, "cannot find the file specified") ||
		strings.Contains(msg, "no such file or directory") ||
		strings.Contains(msg, "connection refused"):
		return EngineNotRunning
	case strings.Contains(msg, "All pipe instances are busy") ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		cerrdefs.IsInternal(err) || cerrdefs.IsUnavailable(err):
		return EngineStarting
	case client.IsErrConnectionFailed(err):
		// The client drops the cause of some failures (a missing Unix
		// socket, a timeout); it could connect to nothing.
		return EngineNotRunning
	}
	return EngineUnknown
}

// IsDesktopHost reports whether host is one of Docker Desktop's own
// engine addresses on goos, for a user whose home folder is home: only
// those are Docker Desktop's to start.
func IsDesktopHost(goos, host, home string) bool {
	switch goos {
	case "windows":
		rest, ok := strings.CutPrefix(strings.ToLower(host), "npipe://")
		if !ok {
			return false
		}
		rest = strings.TrimLeft(strings.ReplaceAll(rest, `\`, "/"), "/")
		switch rest {
		case "./pipe/docker_engine", "./pipe/dockerdesktoplinuxengine",
			"./pipe/dockerdesktopwindowsengine":
			return true
		}
	case "darwin":
		path, ok := strings.CutPrefix(host, "unix://")
		if !ok {
			return false
		}
		return path == "/var/run/docker.sock" ||
			home != "" && path == strings.TrimRight(home, "/")+"/.docker/run/docker.sock"
	}
	return false
}

// StartCommand returns how to start Docker Desktop, installed at program.
// An elevated setup starts it as the signed-in user, not as itself: on
// Windows through explorer.exe, which runs it with the shell's token; on
// macOS as user through sudo.
func StartCommand(goos, program string, elevated bool, user string) (engine.Command, error) {
	switch goos {
	case "windows":
		if elevated {
			return engine.Command{Name: "explorer.exe", Args: []string{program}}, nil
		}
		return engine.Command{Name: program}, nil
	case "darwin":
		open := []string{"open", "-a", "Docker"}
		if !elevated {
			return engine.Command{Name: open[0], Args: open[1:]}, nil
		}
		if user == "" {
			return engine.Command{}, errors.New(
				"starting Docker Desktop as root needs the user to start it for")
		}
		return engine.Command{Name: "sudo", Args: append([]string{"-u", user}, open...)}, nil
	}
	return engine.Command{}, unsupported(goos)
}

// Start makes sure the engine at ep answers. When ep is Docker Desktop's
// and Docker Desktop is not running, Start launches it; then it waits up
// to opts.StartTimeout, calling opts.Countdown with the time left. The
// engine is then checked as engine.CheckVersion does against
// opts.Constraint, which refuses one in Windows-containers mode.
func Start(ctx context.Context, opts Options, ep engine.Endpoint,
	c engine.Versioner) (engine.Version, error) {
	sys, err := native()
	if err != nil {
		return engine.Version{}, err
	}
	return start(ctx, opts, sys, ep, c)
}

func start(ctx context.Context, opts Options, sys system, ep engine.Endpoint,
	c engine.Versioner) (engine.Version, error) {
	ping := func(ctx context.Context) error {
		_, err := c.Ping(ctx)
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := ping(pctx)
	cancel()
	if err == nil {
		return checkEngine(ctx, opts, sys, ep, c)
	}

	state := ClassifyDial(sys.goos, err)
	switch {
	case state == EngineDenied:
		return engine.Version{}, denied(sys.goos, ep, err)
	case state == EngineUnknown || !IsDesktopHost(sys.goos, ep.Host, sys.home):
		return engine.Version{}, engine.Diagnose(sys.goos, ep, err, true)
	}
	inst, derr := sys.detect()
	if derr != nil {
		return engine.Version{}, fmt.Errorf("looking for Docker Desktop: %w", derr)
	}
	if !inst.Installed() {
		return engine.Version{}, engine.Diagnose(sys.goos, ep, err, false)
	}

	if state == EngineNotRunning {
		if err := launch(opts, sys, inst); err != nil {
			return engine.Version{}, err
		}
	}

	timeout := opts.startTimeout()
	opts.printf("waiting up to %d s for Docker Desktop's engine", int(timeout.Seconds()))
	countdown := opts.Countdown
	if countdown == nil {
		countdown = func(time.Duration) {}
	}
	err = wait(ctx, sys.goos, timeout, ping, countdown)
	var late *lateError
	switch {
	case errors.As(err, &late):
		return engine.Version{}, &problem.Error{
			Code:     problem.Engine,
			What:     fmt.Sprintf("Docker Desktop did not start within %d s", int(timeout.Seconds())),
			Fix:      notStartedFix(sys.goos),
			Evidence: late.last.Error(),
			Err:      late.last,
		}
	case err != nil && ClassifyDial(sys.goos, err) == EngineDenied:
		return engine.Version{}, denied(sys.goos, ep, err)
	case err != nil:
		return engine.Version{}, err
	}
	return checkEngine(ctx, opts, sys, ep, c)
}

// launch starts Docker Desktop.
func launch(opts Options, sys system, inst Installation) error {
	self, err := sys.self()
	if err != nil {
		return err
	}
	if self.Service {
		return problem.New(problem.Engine,
			"Docker Desktop is installed but not running, and setup runs as a service "+
				"account, which cannot start it",
			"sign in to the computer (Docker Desktop starts with the session once set up) "+
				"or start Docker Desktop, then run setup again")
	}
	user := ""
	if self.Elevated && sys.goos == "darwin" {
		u, err := chooseUser(opts, sys)
		if err != nil {
			return err
		}
		user = u.Name
	}
	cmd, err := StartCommand(sys.goos, inst.Path, self.Elevated, user)
	if err != nil {
		return err
	}
	opts.printf("starting Docker Desktop: %s", cmd)
	if err := opts.runner().Launch(cmd); err != nil {
		return problem.Wrap(problem.Engine, err, "starting Docker Desktop", notStartedFix(sys.goos))
	}
	return nil
}

// lateError is a wait that ran out of time; last is the last failure.
type lateError struct{ last error }

func (e *lateError) Error() string { return "timed out: " + e.last.Error() }

// wait polls ping until it succeeds, the engine refuses this account, or
// timeout passes, calling countdown with the time left after each try.
func wait(ctx context.Context, goos string, timeout time.Duration,
	ping func(context.Context) error, countdown func(time.Duration)) error {
	deadline := time.Now().Add(timeout)
	interval := 250 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ClassifyDial(goos, err) == EngineDenied {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return &lateError{last: err}
		}
		countdown(left)

		t := time.NewTimer(min(interval, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		interval = min(2*interval, time.Second)
	}
}

// checkEngine reads the engine's version and checks it as
// engine.CheckVersion does; when the engine is too old, the fix names the
// pinned Docker Desktop to upgrade to.
func checkEngine(ctx context.Context, opts Options, sys system, ep engine.Endpoint,
	c engine.Versioner) (engine.Version, error) {
	sv, err := c.ServerVersion(ctx)
	if err != nil {
		return engine.Version{}, engine.Diagnose(sys.goos, ep, err, true)
	}
	v := engine.Version{Version: sv.Version, APIVersion: sv.APIVersion, OS: sv.Os, Arch: sv.Arch}
	return v, upgradeFix(engine.CheckVersion(v, opts.Constraint), v, opts.Installer)
}

// upgradeFix points an engine-version failure of Docker Desktop's engine
// at the pinned Docker Desktop.
func upgradeFix(err error, v engine.Version, pinned manifests.Installer) error {
	var p *problem.Error
	if v.OS == "windows" || pinned.Version == "" || !errors.As(err, &p) || p.Code != problem.Engine {
		return err
	}
	q := *p
	q.Fix = fmt.Sprintf("upgrade Docker Desktop to %s or later "+
		"(its Settings, 'Software updates'), then run setup again", pinned.Version)
	return &q
}

func denied(goos string, ep engine.Endpoint, err error) error {
	p := &problem.Error{Code: problem.Engine, Err: err, Evidence: err.Error()}
	if goos == "windows" {
		p.What = "this account may not use Docker Desktop's engine at " + ep.Host +
			": it is not in the docker-users group"
		p.Fix = "run setup as an administrator, which adds the signed-in user to docker-users " +
			"(or run 'net localgroup docker-users DOMAIN\\user /add'), " +
			"then sign out and in and run setup again"
		return p
	}
	p.What = "permission denied on Docker Desktop's engine at " + ep.Host
	p.Fix = "run setup as the user who runs Docker Desktop"
	return p
}

func notStartedFix(goos string) string {
	if goos == "darwin" {
		return "open Docker Desktop from Applications and wait until it says the engine is running " +
			"(accept its agreement if it asks), then run setup again"
	}
	return "open Docker Desktop from the Start menu and wait until it says the engine is running; " +
		"accept its agreement or finish the WSL update if it asks, then run setup again"
}

func unsupported(goos string) error {
	return problem.New(problem.Engine,
		fmt.Sprintf("Docker Desktop is not supported on %s (only Windows and macOS)", goos),
		"install a container engine for "+goos+" and run setup again")
}
