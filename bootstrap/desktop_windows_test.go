package bootstrap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"setup/checks"
	"setup/internal/engine"
	"setup/internal/problem"
	"setup/internal/progress"
	"setup/internal/winapp"
	"setup/manifests"
)

// fakeFeatures stands for Windows optional features, whose real state
// only a real Windows has.
type fakeFeatures struct {
	states  checks.FeatureStates
	enabled []string
}

func (f *fakeFeatures) State(context.Context) (checks.FeatureStates, error) { return f.states, nil }

func (f *fakeFeatures) Enable(_ context.Context, names []string) (bool, error) {
	f.enabled = append(f.enabled, names...)
	return true, nil
}

// quiet is a Reporter that keeps what it is told.
type quiet struct{ lines []string }

func (q *quiet) Step(string)                    {}
func (q *quiet) Printf(format string, a ...any) { q.lines = append(q.lines, format) }
func (q *quiet) Pull(progress.Event)            {}
func (q *quiet) PullDone(string, error)         {}
func (q *quiet) Waiting(string, time.Duration)  {}
func (q *quiet) Redact(...string)               {}

const windowsManifest = `schema: 1
product: {id: wintest, name: Win Test, publisher: Tests}
services:
  web: {image: 127.0.0.1:1/web, version: "^1"}
`

// windowsRun prepares an install on a Windows machine with no engine.
func windowsRun(t *testing.T, features checks.Features, args []string) (Options, *quiet) {
	t.Helper()
	m, err := manifests.Load([]byte(windowsManifest), "test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("SETUP_STATE_DIR", filepath.Join(dir, "state"))
	t.Setenv("LOCALAPPDATA", filepath.Join(dir, "local"))
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	report := &quiet{}
	return Options{
		Manifest:   m,
		Report:     report,
		Unattended: true,
		Args:       args,
		Features:   features,
		Host: Host{
			GOOS: "windows", GOARCH: "amd64", Getenv: os.Getenv, Home: dir,
			Executable: exe,
		},
	}, report
}

// TestWindowsFeaturesRestart checks the unattended path on a PC without
// WSL: setup turns the features on, registers itself to carry on after
// the next sign-in with the same arguments, and exits 3010 without
// restarting.
func TestWindowsFeaturesRestart(t *testing.T) {
	features := &fakeFeatures{states: checks.FeatureStates{
		WSL: checks.FeatureDisabled, VMP: checks.FeatureDisabled, HyperV: checks.FeatureDisabled,
	}}
	args := []string{"install", "--unattended", "--accept-license"}
	opts, _ := windowsRun(t, features, args)
	t.Cleanup(func() { winapp.UnregisterResume("wintest", true) })

	r := newRun(opts)
	r.endpoint = engine.Endpoint{Host: engine.DefaultHost("windows"), Source: "test"}
	err := r.provisionDesktop(context.Background())
	if got := problem.ExitCode(err); got != problem.Reboot {
		t.Fatalf("provisionDesktop() = %v (exit %d), want exit %d", err, got, problem.Reboot)
	}
	if want := []string{"Microsoft-Windows-Subsystem-Linux", "VirtualMachinePlatform"}; strings.Join(features.enabled, " ") != strings.Join(want, " ") {
		t.Errorf("enabled %v, want %v", features.enabled, want)
	}
	command, err := winapp.ReadResume("wintest", true)
	if err != nil {
		t.Fatalf("no resume registered: %v", err)
	}
	for _, want := range append([]string{winapp.ResumedFlag}, args...) {
		if !strings.Contains(command, want) {
			t.Errorf("resume command %q lacks %q", command, want)
		}
	}
}

// TestWindowsLicenseUnattended checks that an unattended install that
// must install Docker Desktop stops with exit 2 naming --accept-license.
func TestWindowsLicenseUnattended(t *testing.T) {
	features := &fakeFeatures{states: checks.FeatureStates{
		WSL: checks.FeatureEnabled, VMP: checks.FeatureEnabled, HyperV: checks.FeatureDisabled,
	}}
	opts, _ := windowsRun(t, features, []string{"--unattended"})
	opts.Manifest.Runtime.DockerDesktop = []manifests.Installer{{
		Platform: "windows/amd64", Version: "4.37.1",
		URL:    "https://127.0.0.1:1/Docker%20Desktop%20Installer.exe",
		SHA256: strings.Repeat("0", 64),
	}}
	r := newRun(opts)
	r.endpoint = engine.Endpoint{Host: engine.DefaultHost("windows"), Source: "test"}
	err := r.provisionDesktop(context.Background())
	var p *problem.Error
	if !errors.As(err, &p) || p.Code != problem.Usage || !strings.Contains(p.Error()+p.Fix, "--accept-license") {
		t.Errorf("provisionDesktop() = %v, want exit %d naming --accept-license", err, problem.Usage)
	}
	if len(features.enabled) != 0 {
		t.Errorf("enabled %v with the features already on", features.enabled)
	}
}
