package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestImagesShareTheirLayer(t *testing.T) {
	influx := func(version string) func() (v1.Image, error) {
		return func() (v1.Image, error) { return InfluxImage(version) }
	}
	app := func(version string, healthy bool) func() (v1.Image, error) {
		return func() (v1.Image, error) { return AppImage(version, healthy) }
	}

	tests := []struct {
		name       string
		a, b       func() (v1.Image, error)
		wantLabelB string
	}{
		{
			name:       "influxdb versions",
			a:          influx("1.6.7"),
			b:          influx("1.8.10"),
			wantLabelB: "1.8.10",
		},
		{
			name:       "app versions",
			a:          app("1.0.0", true),
			b:          app("1.1.0", true),
			wantLabelB: "1.1.0",
		},
		{
			name:       "app health",
			a:          app("1.0.0", true),
			b:          app("1.0.0", false),
			wantLabelB: "1.0.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.a()
			skipWithoutInfluxd(t, err)
			if err != nil {
				t.Fatalf("building the first image: %v", err)
			}
			b, err := tt.b()
			if err != nil {
				t.Fatalf("building the second image: %v", err)
			}
			again, err := tt.b()
			if err != nil {
				t.Fatalf("building the second image again: %v", err)
			}

			if da, db := digest(t, a), digest(t, b); da == db {
				t.Errorf("both images have digest %s, want different digests", da)
			}
			if db, dAgain := digest(t, b), digest(t, again); db != dAgain {
				t.Errorf("the same image built twice: digest %s, then %s", db, dAgain)
			}
			if diff := cmp.Diff(layerDigests(t, a), layerDigests(t, b)); diff != "" {
				t.Errorf("layer digests differ (-first +second):\n%s", diff)
			}

			cfg, err := b.ConfigFile()
			if err != nil {
				t.Fatalf("ConfigFile() = %v", err)
			}
			if got := cfg.Config.Labels[VersionLabel]; got != tt.wantLabelB {
				t.Errorf("label %s = %q, want %q", VersionLabel, got, tt.wantLabelB)
			}
		})
	}
}

func TestGlibcFilesRefusesOtherHosts(t *testing.T) {
	tests := []struct {
		name, goos, goarch string
		want               string
	}{
		{name: "windows", goos: "windows", goarch: "amd64", want: "only linux hosts"},
		{name: "riscv", goos: "linux", goarch: "riscv64", want: "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := glibcFiles("unused", tt.goos, tt.goarch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("glibcFiles(%s/%s) = %v, want an error saying %q",
					tt.goos, tt.goarch, err, tt.want)
			}
		})
	}
}

// TestStackOnEngine runs InfluxDB and the app from the in-memory registry
// on the real engine and checks that the app wrote its boot point.
func TestStackOnEngine(t *testing.T) {
	c := Engine(t)
	reg := NewRegistry(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)

	product := UniqueID("t")
	label := ProductLabel + "=" + product
	labels := func(service string) map[string]string {
		return map[string]string{ProductLabel: product, ServiceLabel: service}
	}

	influxRef := reg.Host() + "/" + product + "/influxdb:1.6.7"
	appRef := reg.Host() + "/" + product + "/app:1.0.0"

	// Cleanups run last first: images go after the containers using them.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, ref := range []string{influxRef, appRef} {
			_, err := c.ImageRemove(ctx, ref, image.RemoveOptions{Force: true})
			if err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("removing image %s: %v", ref, err)
			}
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := RemoveByLabel(ctx, c, label); err != nil {
			t.Errorf("RemoveByLabel(%s) = %v", label, err)
		}
	})

	influxImg, err := InfluxImage("1.6.7")
	if err != nil {
		t.Fatalf("InfluxImage() = %v", err)
	}
	appImg, err := AppImage("1.0.0", true)
	if err != nil {
		t.Fatalf("AppImage() = %v", err)
	}
	for ref, img := range map[string]v1.Image{influxRef: influxImg, appRef: appImg} {
		if err := reg.Push(ref, img); err != nil {
			t.Fatalf("Push() = %v", err)
		}
		pull(ctx, t, c, ref)
	}

	net, err := c.NetworkCreate(ctx, product, network.CreateOptions{
		Labels: map[string]string{ProductLabel: product},
	})
	if err != nil {
		t.Fatalf("creating network %s: %v", product, err)
	}
	vol, err := c.VolumeCreate(ctx, volume.CreateOptions{
		Name:   product + "-influxdb",
		Labels: labels("influxdb"),
	})
	if err != nil {
		t.Fatalf("creating volume: %v", err)
	}

	// influxdb
	influxPort := FreePort(t)
	influxID := start(ctx, t, c, service{
		name:    product + "-influxdb",
		alias:   "influxdb",
		image:   influxRef,
		labels:  labels("influxdb"),
		network: net.ID,
		port:    "8086/tcp",
		host:    influxPort,
		mounts: []mount.Mount{{
			Type:   mount.TypeVolume,
			Source: vol.Name,
			Target: "/var/lib/influxdb",
		}},
	})
	influxURL := fmt.Sprintf("http://127.0.0.1:%d", influxPort)
	waitHTTP(ctx, t, c, influxID, influxURL+"/ping", http.StatusNoContent)

	// app
	appPort := FreePort(t)
	appID := start(ctx, t, c, service{
		name:    product + "-app",
		alias:   "app",
		image:   appRef,
		labels:  labels("app"),
		network: net.ID,
		port:    "8080/tcp",
		host:    appPort,
	})
	appURL := fmt.Sprintf("http://127.0.0.1:%d", appPort)
	body := waitHTTP(ctx, t, c, appID, appURL+"/health", http.StatusOK)
	if got := strings.TrimSpace(body); got != "1.0.0" {
		t.Errorf("app /health body = %q, want %q", got, "1.0.0")
	}

	if got := bootCount(ctx, t, influxURL); got < 1 {
		t.Errorf("SELECT count(value) FROM boot = %d, want at least 1", got)
	}
}

// skipWithoutInfluxd skips the test when err says influxd is missing,
// unless CI asks for every test.
func skipWithoutInfluxd(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, fs.ErrNotExist) && !inCI() {
		t.Skip(err)
	}
}

func digest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.Digest()
	if err != nil {
		t.Fatalf("Digest() = %v", err)
	}
	return h
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatalf("Layers() = %v", err)
	}
	var digests []string
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			t.Fatalf("layer Digest() = %v", err)
		}
		digests = append(digests, h.String())
	}
	return digests
}

// pull pulls ref through the engine and fails on an error in the stream.
func pull(ctx context.Context, t *testing.T, c *client.Client, ref string) {
	t.Helper()

	rc, err := c.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		t.Fatalf("ImagePull(%s) = %v", ref, err)
	}
	defer rc.Close()

	dec := json.NewDecoder(rc)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("reading the pull of %s: %v", ref, err)
		}
		if msg.ErrorDetail != nil && msg.ErrorDetail.Message != "" {
			t.Fatalf("pulling %s: %s", ref, msg.ErrorDetail.Message)
		}
		if msg.Error != "" {
			t.Fatalf("pulling %s: %s", ref, msg.Error)
		}
	}
}

// service is a container to start.
type service struct {
	name, alias, image string
	labels             map[string]string
	network            string
	port               nat.Port
	host               int
	mounts             []mount.Mount
}

// start creates and starts s, publishing its port on 127.0.0.1.
func start(ctx context.Context, t *testing.T, c *client.Client, s service) string {
	t.Helper()

	created, err := c.ContainerCreate(
		ctx,
		&container.Config{
			Image:        s.image,
			Labels:       s.labels,
			ExposedPorts: nat.PortSet{s.port: {}},
		},
		&container.HostConfig{
			PortBindings: nat.PortMap{s.port: {{
				HostIP:   "127.0.0.1",
				HostPort: strconv.Itoa(s.host),
			}}},
			Mounts: s.mounts,
		},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			s.network: {Aliases: []string{s.alias}},
		}},
		nil,
		s.name,
	)
	if err != nil {
		t.Fatalf("creating container %s: %v", s.name, err)
	}
	if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("starting container %s: %v", s.name, err)
	}
	return created.ID
}

// waitHTTP polls addr until it answers want and returns the body. On
// timeout it fails and shows the container's log.
func waitHTTP(
	ctx context.Context,
	t *testing.T,
	c *client.Client,
	id, addr string,
	want int,
) string {
	t.Helper()

	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		status, body, err := get(wait, hc, addr)
		if err == nil && status == want {
			return body
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("status %d: %s", status, strings.TrimSpace(body))
		}

		select {
		case <-wait.Done():
			t.Fatalf("GET %s: %s, want status %d\ncontainer log:\n%s",
				addr, last, want, containerLog(c, id))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// get returns the status and body of GET addr.
func get(ctx context.Context, c *http.Client, addr string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// containerLog returns what the container wrote, for failure messages.
func containerLog(c *client.Client, id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rc, err := c.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Tail:       "40",
	})
	if err != nil {
		return fmt.Sprintf("(reading the log: %v)", err)
	}
	defer rc.Close()

	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		fmt.Fprintf(&out, "(reading the log: %v)", err)
	}
	return out.String()
}

// bootCount asks InfluxDB how many boot points database app holds.
func bootCount(ctx context.Context, t *testing.T, influxURL string) int {
	t.Helper()

	q := url.Values{"db": {"app"}, "q": {"SELECT count(value) FROM boot"}}
	status, body, err := get(ctx, http.DefaultClient, influxURL+"/query?"+q.Encode())
	if err != nil || status != http.StatusOK {
		t.Fatalf("querying InfluxDB: status %d, %v: %s", status, err, body)
	}

	var res struct {
		Results []struct {
			Error  string `json:"error"`
			Series []struct {
				Values [][]any `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("decoding the query result %s: %v", body, err)
	}
	if len(res.Results) != 1 || res.Results[0].Error != "" {
		t.Fatalf("query result = %s, want one result without error", body)
	}
	series := res.Results[0].Series
	if len(series) == 0 {
		return 0
	}
	if len(series[0].Values) != 1 || len(series[0].Values[0]) != 2 {
		t.Fatalf("query result = %s, want one row of time and count", body)
	}
	n, ok := series[0].Values[0][1].(float64)
	if !ok {
		t.Fatalf("query result = %s, want a number as count", body)
	}
	return int(n)
}
