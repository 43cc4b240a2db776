package checks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"setup/internal/engine"
	"setup/manifests"
)

// Input is what the checks need beyond the machine itself.
type Input struct {
	Manifest *manifests.Manifest
	GOOS     string
	GOARCH   string
	Endpoint engine.Endpoint
	// System is true when running as root or an elevated administrator.
	System bool
	// DataDir is where the engine keeps images and volumes; the platform's
	// default when empty.
	DataDir string
	// OwnPorts maps host ports held by this product's containers to the
	// container's name.
	OwnPorts map[int]string
	// EngineAnswers is true when a container engine already answers; the
	// prerequisites of installing one (virtualization, WSL, Hyper-V) are
	// then not needed.
	EngineAnswers bool
	// WindowsBuild is the lowest Windows build the product supports.
	WindowsBuild int
}

// Run runs every check for this platform and returns the results in the
// order they were run.
func Run(ctx context.Context, in Input) []Result {
	m := in.Manifest
	f := gather(in)
	results := []Result{Architecture(in.GOOS, in.GOARCH)}
	results = append(results, f.platform...)

	if f.memErr != nil {
		results = append(results, Result{Name: "memory", Status: Warn, Evidence: f.memErr.Error()})
	} else {
		results = append(results, Amount("memory", "of memory", f.memory, uint64(m.Requires.Memory),
			"add memory or run on a larger machine; the stack needs "+m.Requires.Memory.String()))
	}
	results = append(results, CPUs(f.cpus, m.Requires.CPUs))
	if f.diskErr != nil {
		results = append(results, Result{Name: "disk", Status: Warn, Evidence: f.diskErr.Error()})
	} else {
		results = append(results, Amount("disk", "free at "+f.diskPath, f.diskFree, uint64(m.Requires.Disk),
			"free space on the disk that holds "+f.diskPath))
	}
	results = append(results, EngineAccess(in.Endpoint, in.System, probeEndpoint(ctx, in.Endpoint)))
	results = append(results, Ports(probePorts(m, in.OwnPorts, f.excluded)))
	return results
}

// EngineAccess judges whether setup can reach the engine's endpoint.
// probeErr is the error from connecting to it.
func EngineAccess(ep engine.Endpoint, system bool, probeErr error) Result {
	const name = "engine access"
	switch {
	case probeErr == nil:
		return ok(name, "%s (from %s) accepts connections", ep.Host, ep.Source)
	case errors.Is(probeErr, fs.ErrPermission) || errors.Is(probeErr, syscall.EACCES):
		return Result{Name: name, Status: Fail,
			Evidence: fmt.Sprintf("permission denied on %s (from %s)", ep.Host, ep.Source),
			Fix:      "add your user to the docker group ('sudo usermod -aG docker $USER', then sign in again), or run setup with sudo"}
	case errors.Is(probeErr, fs.ErrNotExist) || errors.Is(probeErr, syscall.ECONNREFUSED):
		if system {
			return Result{Name: name, Status: Warn,
				Evidence: fmt.Sprintf("no engine answers at %s (from %s); setup will install or start it", ep.Host, ep.Source)}
		}
		return Result{Name: name, Status: Fail,
			Evidence: fmt.Sprintf("no engine answers at %s (from %s)", ep.Host, ep.Source),
			Fix:      "start the container engine, or run setup as root (administrator) so it installs and starts it"}
	}
	return Result{Name: name, Status: Warn,
		Evidence: fmt.Sprintf("%s (from %s): %v", ep.Host, ep.Source, probeErr)}
}

// probeEndpoint connects to a unix or tcp endpoint. Other kinds (ssh,
// named pipes) are left to the engine step.
func probeEndpoint(ctx context.Context, ep engine.Endpoint) error {
	u, err := url.Parse(ep.Host)
	if err != nil {
		return err
	}
	var network, address string
	switch u.Scheme {
	case "unix":
		network, address = "unix", u.Path
		if _, err := os.Stat(address); err != nil {
			return err
		}
	case "tcp":
		network, address = "tcp", u.Host
	default:
		return nil
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return err
	}
	return conn.Close()
}

// probePorts tries to bind every published host port. excluded are the
// TCP port ranges Windows keeps from programs, none elsewhere.
func probePorts(m *manifests.Manifest, own map[int]string, excluded []PortRange) []PortUse {
	var uses []PortUse
	for _, name := range m.StartOrder() {
		for _, p := range m.Services[name].PortsOf() {
			u := PortUse{Port: p.Host, Protocol: p.Protocol, Service: name, Owner: own[p.Host]}
			if u.Owner == "" {
				inRange := p.Protocol == "tcp" && inRanges(p.Host, excluded)
				u.Err, u.Reserved = portError(bind(p), inRange)
			}
			uses = append(uses, u)
		}
	}
	return uses
}

func inRanges(port int, ranges []PortRange) bool {
	for _, r := range ranges {
		if port >= r.Start && port <= r.End {
			return true
		}
	}
	return false
}

// bind binds the port and lets it go again.
func bind(p manifests.Port) error {
	addr := net.JoinHostPort(p.HostIP, fmt.Sprint(p.Host))
	if p.Protocol == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// Winsock's errors from binding a port, as Windows reports them. Their
// numbers lie far above any Unix errno, so they mean the same on every
// system and portError is tested anywhere.
const (
	// wsaeacces: the port lies in a range Windows excludes, or another
	// program holds it for its exclusive use (SO_EXCLUSIVEADDRUSE).
	wsaeacces = syscall.Errno(10013)
	// wsaeaddrinuse: another program holds the port.
	wsaeaddrinuse = syscall.Errno(10048)
)

// portError judges the error from binding a port for the ports check: it
// returns the error to report, nil when there is none, and whether the
// port is reserved by Windows. excluded says whether the port lies in a
// range Windows excludes. Such a port fails to bind with WSAEACCES; the
// excluded-ports check reports it, so the ports check does not call it
// taken. A WSAEACCES outside the known ranges is most often another
// program's exclusive hold, and is reported. On Unix, "permission denied" is dropped: a user cannot
// bind a port below 1024, but the engine binds it as root.
func portError(err error, excluded bool) (report error, reserved bool) {
	switch {
	case err == nil:
		return nil, false
	case errors.Is(err, wsaeacces) && excluded:
		return nil, true
	case errors.Is(err, wsaeacces):
		return errors.New("access denied: another program holds it for its " +
			"exclusive use, or Windows reserves it"), false
	case errors.Is(err, syscall.EACCES):
		return nil, false
	case errors.Is(err, wsaeaddrinuse), errors.Is(err, syscall.EADDRINUSE),
		strings.Contains(err.Error(), "address already in use"):
		return errors.New("address already in use"), false
	}
	return err, false
}
