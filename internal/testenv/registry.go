// Package testenv is the test harness: an image registry served from
// memory on the loopback address, test images built without docker build
// (a real InfluxDB 1.x and a small app of ours), and helpers for tests
// that run against the real Docker engine.
//
// It is an ordinary package rather than test code so that benchmark
// programs can use it too. Images are built from files on this machine:
// InfluxImage needs Debian's influxd, which `bash .ci/run` fetches, and
// AppImage needs the go command.
package testenv

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is an OCI distribution registry kept in memory and served over
// plain HTTP on 127.0.0.1. A Docker engine on the same machine pulls from
// it without configuration, since loopback registries count as insecure.
type Registry struct {
	host   string
	server *http.Server
	served chan error

	closeOnce sync.Once
	closeErr  error
}

// StartRegistry starts a registry on a free port of 127.0.0.1.
func StartRegistry() (*Registry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the registry: %w", err)
	}

	r := &Registry{
		host: ln.Addr().String(),
		server: &http.Server{
			Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
			ReadHeaderTimeout: 10 * time.Second,
		},
		served: make(chan error, 1),
	}
	go func() {
		r.served <- r.server.Serve(ln)
	}()
	return r, nil
}

// NewRegistry starts a registry that is closed when the test ends.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()

	r, err := StartRegistry()
	if err != nil {
		t.Fatalf("StartRegistry() = %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("closing the registry: %v", err)
		}
	})
	return r
}

// Host returns the registry's address, "127.0.0.1:port", which is also the
// registry part of an image reference.
func (r *Registry) Host() string {
	return r.host
}

// Close stops serving and drops every image. Closing again returns the
// first call's result.
func (r *Registry) Close() error {
	r.closeOnce.Do(func() {
		if err := r.server.Close(); err != nil {
			r.closeErr = fmt.Errorf("closing the registry: %w", err)
			return
		}
		if err := <-r.served; !errors.Is(err, http.ErrServerClosed) {
			r.closeErr = fmt.Errorf("serving the registry: %w", err)
		}
	})
	return r.closeErr
}

// Push uploads img under ref, a reference such as Host()+"/app:1.4.0".
func (r *Registry) Push(ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parsing reference %q: %w", ref, err)
	}
	if err := remote.Write(tag, img); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	return nil
}
