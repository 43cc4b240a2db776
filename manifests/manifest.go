// Package manifests reads and checks the manifest that describes a product's
// stack: its services and their version constraints, what the machine needs,
// and the shortcuts to write.
//
// A manifest is YAML with a schema number. Load refuses a bad manifest
// before anything on the machine changes, naming each wrong field and its
// line.
package manifests

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Schema is the manifest schema this version of setup reads.
const Schema = 1

// Manifest describes one product's container stack.
type Manifest struct {
	Schema    int                 `yaml:"schema"`
	Product   Product             `yaml:"product"`
	Requires  Requires            `yaml:"requires"`
	Runtime   Runtime             `yaml:"runtime"`
	Volumes   map[string]Volume   `yaml:"volumes"`
	Services  map[string]*Service `yaml:"services"`
	Shortcuts []Shortcut          `yaml:"shortcuts"`

	// Source names where the manifest came from, for messages.
	Source string `yaml:"-"`
	// Digest is the sha256 of the manifest's bytes.
	Digest string `yaml:"-"`
	// Raw holds the manifest's bytes.
	Raw []byte `yaml:"-"`

	order []string
}

// Product names the product; its ID prefixes everything setup creates.
type Product struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name"`
	Publisher string `yaml:"publisher"`
	Version   string `yaml:"version"`
}

// Requires lists what the machine must have. Zero values are not checked.
type Requires struct {
	Memory       Size `yaml:"memory"`
	Disk         Size `yaml:"disk"`
	CPUs         int  `yaml:"cpus"`
	WindowsBuild int  `yaml:"windows_build"`
}

// Runtime constrains the container engine.
type Runtime struct {
	// Engine is a semver constraint on the engine's version.
	Engine string `yaml:"engine"`
	// DockerDesktop pins the Docker Desktop installers setup may install
	// on Windows and macOS, one per platform.
	DockerDesktop []Installer `yaml:"docker_desktop"`
	// RegistryMirror, when set, is used instead of Docker Hub for every
	// image that names Docker Hub; --registry-mirror overrides it.
	RegistryMirror string `yaml:"registry_mirror"`
}

// Installer is one pinned download of Docker Desktop.
type Installer struct {
	// Platform is GOOS/GOARCH, e.g. "windows/amd64" or "darwin/arm64".
	Platform string `yaml:"platform"`
	// Version is the Docker Desktop version the file installs.
	Version string `yaml:"version"`
	URL     string `yaml:"url"`
	// SHA256 is the file's checksum in hex.
	SHA256 string `yaml:"sha256"`
}

// DesktopInstaller returns the pinned installer for goos/goarch.
func (m *Manifest) DesktopInstaller(goos, goarch string) (Installer, bool) {
	for _, in := range m.Runtime.DockerDesktop {
		if in.Platform == goos+"/"+goarch {
			return in, true
		}
	}
	return Installer{}, false
}

// Volume is a named volume declared at the top level. Declaring volumes is
// optional; when any are declared, services may use only those.
type Volume struct{}

// Service is one container of the stack.
type Service struct {
	Image       string            `yaml:"image"`
	Version     string            `yaml:"version"`
	Variant     string            `yaml:"variant"`
	Prerelease  bool              `yaml:"prerelease"`
	Command     []string          `yaml:"command"`
	DependsOn   []string          `yaml:"depends_on"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	Secrets     []string          `yaml:"secrets"`
	Health      Health            `yaml:"health"`
}

// Health says how to tell that a service is ready.
type Health struct {
	// URL is fetched from the host; any 2xx answer means healthy.
	URL string `yaml:"url"`
	// Timeout bounds the wait; DefaultHealthTimeout when zero.
	Timeout Duration `yaml:"timeout"`
}

// DefaultHealthTimeout is how long setup waits for a service by default.
const DefaultHealthTimeout = 60 * time.Second

// Shortcut is a launcher that opens a URL of the stack.
type Shortcut struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// StartOrder returns the service names in an order that starts every
// service after those it depends on; services that do not depend on each
// other keep their alphabetical order.
func (m *Manifest) StartOrder() []string {
	return append([]string(nil), m.order...)
}

// Port is a published port of a service.
type Port struct {
	HostIP   string
	Host     int
	Guest    int
	Protocol string
}

// String returns the port in the manifest's notation.
func (p Port) String() string {
	s := fmt.Sprintf("%d:%d", p.Host, p.Guest)
	if p.HostIP != "" {
		s = p.HostIP + ":" + s
	}
	if p.Protocol != "tcp" {
		s += "/" + p.Protocol
	}
	return s
}

// ParsePort reads "HOST:GUEST", "IP:HOST:GUEST", each with an optional
// "/tcp" or "/udp".
func ParsePort(s string) (Port, error) {
	p := Port{Protocol: "tcp"}
	spec, proto, found := strings.Cut(s, "/")
	if found {
		if proto != "tcp" && proto != "udp" {
			return p, fmt.Errorf("protocol %q is not tcp or udp", proto)
		}
		p.Protocol = proto
	}
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 2:
	case 3:
		p.HostIP = parts[0]
		parts = parts[1:]
	default:
		return p, fmt.Errorf("%q is not HOST:CONTAINER", s)
	}
	var err error
	if p.Host, err = portNumber(parts[0]); err != nil {
		return p, err
	}
	if p.Guest, err = portNumber(parts[1]); err != nil {
		return p, err
	}
	return p, nil
}

func portNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number from 1 to 65535", s)
	}
	return n, nil
}

// Mount is a named volume mounted into a service.
type Mount struct {
	Volume   string
	Path     string
	ReadOnly bool
}

// ParseMount reads "NAME:/path" with an optional ":ro".
func ParseMount(s string) (Mount, error) {
	parts := strings.Split(s, ":")
	readOnly := len(parts) == 3 && parts[2] == "ro"
	if readOnly {
		parts = parts[:2]
	}
	if len(parts) != 2 {
		return Mount{}, fmt.Errorf("%q is not VOLUME:/path", s)
	}
	m := Mount{Volume: parts[0], Path: parts[1], ReadOnly: readOnly}
	if strings.HasPrefix(m.Volume, "/") || strings.HasPrefix(m.Volume, ".") ||
		strings.Contains(m.Volume, `\`) {
		return m, fmt.Errorf("%q mounts a host path; only named volumes are kept across upgrades", s)
	}
	if !strings.HasPrefix(m.Path, "/") {
		return m, fmt.Errorf("%q: the container path must be absolute", s)
	}
	return m, nil
}

// SecretRef is a generated secret passed to a service as an environment
// variable. Services that name the same key share one value.
type SecretRef struct {
	Env string
	Key string
}

// ParseSecret reads "ENV" or "ENV=key".
func ParseSecret(s string) SecretRef {
	env, key, found := strings.Cut(s, "=")
	if !found {
		key = env
	}
	return SecretRef{Env: env, Key: key}
}

// PortsOf returns the parsed ports of a valid service.
func (s *Service) PortsOf() []Port {
	var ports []Port
	for _, spec := range s.Ports {
		p, err := ParsePort(spec)
		if err == nil {
			ports = append(ports, p)
		}
	}
	return ports
}

// MountsOf returns the parsed mounts of a valid service.
func (s *Service) MountsOf() []Mount {
	var mounts []Mount
	for _, spec := range s.Volumes {
		m, err := ParseMount(spec)
		if err == nil {
			mounts = append(mounts, m)
		}
	}
	return mounts
}

// SecretsOf returns the secrets of a service.
func (s *Service) SecretsOf() []SecretRef {
	refs := make([]SecretRef, 0, len(s.Secrets))
	for _, spec := range s.Secrets {
		refs = append(refs, ParseSecret(spec))
	}
	return refs
}

// HealthTimeout returns the health timeout or the default.
func (s *Service) HealthTimeout() time.Duration {
	if s.Health.Timeout > 0 {
		return time.Duration(s.Health.Timeout)
	}
	return DefaultHealthTimeout
}

// VolumeNames returns every volume the stack uses, sorted.
func (m *Manifest) VolumeNames() []string {
	seen := map[string]bool{}
	for name := range m.Volumes {
		seen[name] = true
	}
	for _, s := range m.Services {
		for _, mt := range s.MountsOf() {
			seen[mt.Volume] = true
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
