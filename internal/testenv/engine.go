package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// The labels setup puts on everything it creates; tests label what they
// create the same way, with a product id from UniqueID.
const (
	ProductLabel = "setup.product"
	ServiceLabel = "setup.service"
)

// Engine returns a client of the Docker engine the environment points at
// (DOCKER_HOST and friends), closed when the test ends. When no engine
// answers, the test is skipped, or fails when the environment variable
// CI is set to anything but false: CI runs every test.
func Engine(t testing.TB) *client.Client {
	t.Helper()

	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("creating the Docker client: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Ping(ctx); err != nil {
		c.Close()
		msg := fmt.Sprintf(
			"no Docker engine answers at %s (%v); `bash .ci/run` starts one",
			c.DaemonHost(),
			err,
		)
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	t.Cleanup(func() { c.Close() })
	return c
}

// inCI reports whether the environment variable CI asks for every test.
func inCI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	on, err := strconv.ParseBool(v)
	return err != nil || on
}

// FreePort returns a TCP port that is free on every address of the host.
// Another process may take it before the caller does.
func FreePort(t testing.TB) int {
	t.Helper()

	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// UniqueID returns prefix followed by 12 random hexadecimal digits, for
// names and product ids that must not collide with leftovers of earlier
// runs.
func UniqueID(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// RemoveByLabel force-removes the containers, then the networks, then the
// volumes that carry label, given as "key=value" (such as
// "setup.product=t1a2b3c"). What is already gone is not an error.
func RemoveByLabel(ctx context.Context, c *client.Client, label string) error {
	byLabel := filters.NewArgs(filters.Arg("label", label))
	var errs []error

	containers, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: byLabel})
	if err != nil {
		return fmt.Errorf("listing containers labelled %s: %w", label, err)
	}
	for _, ctr := range containers {
		err := c.ContainerRemove(ctx, ctr.ID, container.RemoveOptions{
			Force:         true,
			RemoveVolumes: true,
		})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing container %s: %w", ctr.ID, err))
		}
	}

	networks, err := c.NetworkList(ctx, network.ListOptions{Filters: byLabel})
	if err != nil {
		return fmt.Errorf("listing networks labelled %s: %w", label, err)
	}
	for _, n := range networks {
		if err := c.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing network %s: %w", n.Name, err))
		}
	}

	volumes, err := c.VolumeList(ctx, volume.ListOptions{Filters: byLabel})
	if err != nil {
		return fmt.Errorf("listing volumes labelled %s: %w", label, err)
	}
	for _, v := range volumes.Volumes {
		if err := c.VolumeRemove(ctx, v.Name, true); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}
