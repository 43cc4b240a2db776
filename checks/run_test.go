package checks_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"setup/checks"
	"setup/manifests"
)

// TestRunPorts holds a real port and shows that the port check, run with
// the others, finds it taken unless one of our containers holds it.
func TestRunPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen() = %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	yaml := fmt.Sprintf(`schema: 1
product: {id: demo, name: Demo}
services:
  web:
    image: example.com/demo/web
    version: "^1"
    ports: ["127.0.0.1:%d:80"]
`, port)
	m, err := manifests.Load([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}

	tests := []struct {
		name string
		own  map[int]string
		want checks.Status
		// evidence is a phrase the evidence must hold.
		evidence string
	}{
		{name: "taken by another program", want: checks.Fail,
			evidence: fmt.Sprintf("%d/tcp for web", port)},
		{name: "held by our container", own: map[int]string{port: "demo-web"}, want: checks.OK,
			evidence: "demo-web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := checks.Run(context.Background(), checks.Input{
				Manifest: m,
				GOOS:     runtime.GOOS,
				GOARCH:   runtime.GOARCH,
				DataDir:  t.TempDir(),
				OwnPorts: tt.own,
			})
			got, found := find(results, "ports")
			if !found {
				t.Fatalf("Run() = %+v, want a ports result", results)
			}
			if got.Status != tt.want {
				t.Errorf("Run() ports = %s (%s), want %s", got.Status, got.Evidence, tt.want)
			}
			if !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("Run() ports evidence = %q, want it to say %q", got.Evidence, tt.evidence)
			}
		})
	}
}

// TestRunFreePort shows that a port nobody holds passes.
func TestRunFreePort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen() = %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	yaml := fmt.Sprintf(`schema: 1
product: {id: demo, name: Demo}
services:
  web: {image: example.com/demo/web, version: "^1", ports: ["127.0.0.1:%d:80"]}
`, port)
	m, err := manifests.Load([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	results := checks.Run(context.Background(), checks.Input{
		Manifest: m, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, DataDir: t.TempDir(),
	})
	got, _ := find(results, "ports")
	if got.Status != checks.OK {
		t.Errorf("Run() ports = %s (%s), want %s", got.Status, got.Evidence, checks.OK)
	}
}

func find(results []checks.Result, name string) (checks.Result, bool) {
	for _, r := range results {
		if r.Name == name {
			return r, true
		}
	}
	return checks.Result{}, false
}
