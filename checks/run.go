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
	results = append(results, Ports(probePorts(m, in.OwnPorts)))
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

// probePorts tries to bind every published host port.
func probePorts(m *manifests.Manifest, own map[int]string) []PortUse {
	var uses []PortUse
	for _, name := range m.StartOrder() {
		for _, p := range m.Services[name].PortsOf() {
			u := PortUse{Port: p.Host, Protocol: p.Protocol, Service: name, Owner: own[p.Host]}
			if u.Owner == "" {
				u.Err = bindable(p)
			}
			uses = append(uses, u)
		}
	}
	return uses
}

func bindable(p manifests.Port) error {
	addr := net.JoinHostPort(p.HostIP, fmt.Sprint(p.Host))
	if p.Protocol == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return portError(err)
		}
		return c.Close()
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return portError(err)
	}
	return l.Close()
}

// portError keeps "in use" and drops "permission denied": a port below 1024
// cannot be bound by a user, but the engine binds it as root.
func portError(err error) error {
	if errors.Is(err, syscall.EACCES) {
		return nil
	}
	if errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use") {
		return errors.New("address already in use")
	}
	return err
}
