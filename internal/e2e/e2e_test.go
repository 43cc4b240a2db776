package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/gofrs/flock"

	"setup/internal/testenv"
)

// setupBin is the setup program built for this test run.
var setupBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "setup-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	setupBin = filepath.Join(dir, "setup")
	build := exec.Command("go", "build", "-o", setupBin, "setup")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building setup:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// stack is one product installed by the tests, with its own folders.
type stack struct {
	t        *testing.T
	id       string
	reg      *testenv.Registry
	docker   *client.Client
	dir      string
	manifest string
	influx   int // host port of InfluxDB
	app      int // host port of the app
	env      []string
	// influxImage is the manifest's InfluxDB repository.
	influxImage string
	// appVersion is the manifest's constraint on the app's version.
	appConstraint string
}

func newStack(t *testing.T) *stack {
	docker := testenv.Engine(t)
	s := &stack{
		t:      t,
		id:     testenv.UniqueID("e2e"),
		reg:    testenv.NewRegistry(t),
		docker: docker,
		dir:    t.TempDir(),
		influx: testenv.FreePort(t),
		app:    testenv.FreePort(t),
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := testenv.RemoveByLabel(ctx, docker, "setup.product="+s.id); err != nil {
			t.Logf("cleaning up %s: %v", s.id, err)
		}
	})

	home := filepath.Join(s.dir, "home")
	for _, d := range []string{filepath.Join(home, "Desktop"), filepath.Join(s.dir, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	browser := filepath.Join(s.dir, "browser")
	script := "#!/bin/sh\necho \"$1\" >> " + filepath.Join(s.dir, "opened") + "\n"
	if err := os.WriteFile(browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s.env = append(os.Environ(),
		"HOME="+home,
		"XDG_DATA_HOME=",
		"XDG_CONFIG_HOME=",
		"SETUP_STATE_DIR="+filepath.Join(s.dir, "state"),
		"BROWSER="+browser,
		"CI=true",
	)
	s.influxImage = s.reg.Host() + "/influxdb"
	s.appConstraint = "^1.4"
	s.writeManifest("10s")
	return s
}

// writeManifest writes the product's manifest; appTimeout bounds the wait
// for the app's health.
func (s *stack) writeManifest(appTimeout string) {
	m := fmt.Sprintf(`schema: 1
product:
  id: %[1]s
  name: End To End
  publisher: Tests
requires:
  memory: 256MiB
  disk: 1GiB
runtime:
  engine: ">= 20.10"
services:
  influxdb:
    image: %[6]s
    version: "~1.6"
    ports: ["127.0.0.1:%[3]d:8086"]
    volumes: ["data:/var/lib/influxdb"]
    health: {url: "http://127.0.0.1:%[3]d/ping", timeout: 60s}
  app:
    image: %[2]s/app
    version: "%[7]s"
    depends_on: [influxdb]
    ports: ["127.0.0.1:%[4]d:8080"]
    environment: {INFLUX_URL: "http://influxdb:8086"}
    secrets: [APP_TOKEN]
    health: {url: "http://127.0.0.1:%[4]d/health", timeout: %[5]s}
shortcuts:
  - name: End To End
    url: http://127.0.0.1:%[4]d/
`, s.id, s.reg.Host(), s.influx, s.app, appTimeout, s.influxImage, s.appConstraint)
	s.manifest = filepath.Join(s.dir, "manifest.yaml")
	if err := os.WriteFile(s.manifest, []byte(m), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) pushInflux(tag string) {
	s.t.Helper()
	s.pushInfluxAs(s.reg.Host()+"/influxdb", tag)
}

func (s *stack) pushInfluxAs(repo, tag string) {
	s.t.Helper()
	img, err := testenv.InfluxImage(tag)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.reg.Push(repo+":"+tag, img); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) pushApp(tag string, healthy bool) {
	s.t.Helper()
	img, err := testenv.AppImage(tag, healthy)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.reg.Push(s.reg.Host()+"/app:"+tag, img); err != nil {
		s.t.Fatal(err)
	}
}

// result is what one run of setup did.
type result struct {
	code   int
	stdout string
	stderr string
}

// setup runs the setup program with the stack's manifest.
func (s *stack) setup(args ...string) result {
	s.t.Helper()
	flags := []string{"--manifest", s.manifest, "--unattended"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// Flags go between the command and its arguments.
		return s.run(append(append([]string{args[0]}, flags...), args[1:]...)...)
	}
	return s.run(append(flags, args...)...)
}

func (s *stack) run(args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, setupBin, args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("running setup %v: %v", args, err)
	}
	s.t.Logf("setup %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

func (s *stack) mustSetup(args ...string) result {
	s.t.Helper()
	r := s.setup(args...)
	if r.code != 0 {
		s.t.Fatalf("setup %v exited %d, want 0", args, r.code)
	}
	return r
}

// containers maps each of the product's containers to its id, image
// version label and state.
func (s *stack) containers() map[string]container.Summary {
	s.t.Helper()
	list, err := s.docker.ContainerList(context.Background(), container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", "setup.product="+s.id)),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]container.Summary{}
	for _, c := range list {
		out[strings.TrimPrefix(c.Names[0], "/")] = c
	}
	return out
}

func (s *stack) volumes() []string {
	s.t.Helper()
	list, err := s.docker.VolumeList(context.Background(), volume.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", "setup.product="+s.id)),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for _, v := range list.Volumes {
		names = append(names, v.Name)
	}
	return names
}

func (s *stack) networks() int {
	s.t.Helper()
	list, err := s.docker.NetworkList(context.Background(), network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("label", "setup.product="+s.id)),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return len(list)
}

// influxQuery posts an InfluxQL statement and returns the body.
func (s *stack) influxQuery(q string) string {
	s.t.Helper()
	resp, err := http.PostForm(fmt.Sprintf("http://127.0.0.1:%d/query", s.influx), url.Values{"q": {q}})
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("query %q: HTTP %d: %s", q, resp.StatusCode, body)
	}
	return string(body)
}

// writePoints writes n points to the database "kept".
func (s *stack) writePoints(n int) {
	s.t.Helper()
	s.influxQuery("CREATE DATABASE kept")
	var lines strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&lines, "reading,sensor=s%d value=%d %d\n", i, i, int64(1e9)*int64(i+1))
	}
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/write?db=kept", s.influx), "text/plain",
		strings.NewReader(lines.String()))
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		s.t.Fatalf("writing points: HTTP %d", resp.StatusCode)
	}
}

// pointCount counts the points written by writePoints.
func (s *stack) pointCount() int {
	s.t.Helper()
	body := s.influxQuery("SELECT count(value) FROM kept.autogen.reading")
	var out struct {
		Results []struct {
			Series []struct {
				Values [][]any `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		s.t.Fatalf("reading %s: %v", body, err)
	}
	if len(out.Results) == 0 || len(out.Results[0].Series) == 0 {
		return 0
	}
	return int(out.Results[0].Series[0].Values[0][1].(float64))
}

func (s *stack) appVersion() string {
	s.t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/version", s.app))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(body))
}

func (s *stack) shortcutFiles() []string {
	home := filepath.Join(s.dir, "home")
	var found []string
	for _, dir := range []string{filepath.Join(home, ".local", "share", "applications"), filepath.Join(home, "Desktop")} {
		matches, _ := filepath.Glob(filepath.Join(dir, s.id+"-*.desktop"))
		found = append(found, matches...)
	}
	return found
}

// exitCode is what a parent process sees of code: the low byte outside
// Windows.
func exitCode(code int) int {
	if runtime.GOOS == "windows" {
		return code
	}
	return code & 0xff
}

func TestLifecycle(t *testing.T) {
	s := newStack(t)
	s.pushInflux("1.6.7")
	s.pushInflux("1.6.8-alpine") // a variant: never chosen without variant: alpine
	s.pushApp("1.4.0", true)
	s.pushApp("2.0.0", true) // outside ^1.4

	// Install from nothing.
	s.mustSetup("install")
	cs := s.containers()
	influx, app := cs[s.id+"-influxdb"], cs[s.id+"-app"]
	if influx.State != "running" || app.State != "running" {
		t.Fatalf("after install: influxdb %q, app %q, want both running", influx.State, app.State)
	}
	if got := influx.Labels["setup.version"]; got != "1.6.7" {
		t.Errorf("influxdb version = %q, want 1.6.7", got)
	}
	if got := s.appVersion(); got != "1.4.0" {
		t.Errorf("app version = %q, want 1.4.0", got)
	}
	if got := s.networks(); got != 1 {
		t.Errorf("networks = %d, want 1", got)
	}
	shortcuts := s.shortcutFiles()
	if len(shortcuts) != 2 {
		t.Fatalf("shortcuts = %v, want one in applications and one on the Desktop", shortcuts)
	}
	validateDesktopFiles(t, shortcuts)
	// The shortcuts run setup's kept copy, which outlives the downloaded file.
	kept := filepath.Join(s.dir, "state", s.id, "bin", "setup")
	entry, _ := os.ReadFile(shortcuts[0])
	if !strings.Contains(string(entry), "Exec="+kept+" launch") {
		t.Errorf("shortcut does not run the kept copy %s:\n%s", kept, entry)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("no kept copy of setup: %v", err)
	}

	// Data written now must survive everything below but --purge.
	s.writePoints(5)

	// An idle re-run changes nothing.
	r := s.mustSetup()
	after := s.containers()
	for name, c := range cs {
		if after[name].ID != c.ID {
			t.Errorf("re-run recreated %s", name)
		}
	}
	if strings.Contains(r.stderr, "creating") || strings.Contains(r.stderr, "replacing") {
		t.Errorf("re-run output mentions changes:\n%s", r.stderr)
	}

	// Upgrade to newer matching versions keeps the data.
	s.pushInflux("1.6.9")
	s.pushApp("1.4.1", true)
	s.mustSetup("--upgrade")
	cs = s.containers()
	if got := cs[s.id+"-influxdb"].Labels["setup.version"]; got != "1.6.9" {
		t.Errorf("influxdb version after upgrade = %q, want 1.6.9", got)
	}
	if got := s.appVersion(); got != "1.4.1" {
		t.Errorf("app version after upgrade = %q, want 1.4.1", got)
	}
	if got := s.pointCount(); got != 5 {
		t.Errorf("points after upgrade = %d, want 5", got)
	}

	// A no-op upgrade recreates nothing.
	before := s.containers()
	s.mustSetup("upgrade")
	for name, c := range s.containers() {
		if before[name].ID != c.ID {
			t.Errorf("no-op upgrade recreated %s", name)
		}
	}

	// An upgrade whose new version fails its health check rolls back.
	s.pushApp("1.5.0", false)
	r = s.setup("upgrade")
	if r.code != 6 {
		t.Fatalf("unhealthy upgrade exited %d, want 6", r.code)
	}
	if !strings.Contains(r.stderr, "running again") {
		t.Errorf("unhealthy upgrade output does not say the previous version runs again:\n%s", r.stderr)
	}
	cs = s.containers()
	if got := cs[s.id+"-app"]; got.State != "running" || got.Labels["setup.version"] != "1.4.1" {
		t.Errorf("after rollback app is %s %s, want running 1.4.1", got.State, got.Labels["setup.version"])
	}
	if _, left := cs[s.id+"-app-previous"]; left {
		t.Error("rollback left the previous container behind")
	}
	if got := s.appVersion(); got != "1.4.1" {
		t.Errorf("app answers %q after rollback, want 1.4.1", got)
	}

	// status reports the installed versions as healthy.
	r = s.setup("status", "--json")
	var status struct {
		Installed bool `json:"installed"`
		Healthy   bool `json:"healthy"`
		Services  []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Health  string `json:"health"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &status); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	if r.code != 0 || !status.Installed || !status.Healthy || len(status.Services) != 2 {
		t.Errorf("status = exit %d %+v, want installed and healthy with 2 services", r.code, status)
	}

	// launch starts a stopped stack and opens the page.
	stop := 5
	for _, c := range s.containers() {
		if err := s.docker.ContainerStop(context.Background(), c.ID, container.StopOptions{Timeout: &stop}); err != nil {
			t.Fatal(err)
		}
	}
	s.mustSetup("launch", "End To End")
	for name, c := range s.containers() {
		if c.State != "running" {
			t.Errorf("after launch %s is %s, want running", name, c.State)
		}
	}
	opened, _ := os.ReadFile(filepath.Join(s.dir, "opened"))
	if want := fmt.Sprintf("http://127.0.0.1:%d/", s.app); strings.TrimSpace(string(opened)) != want {
		t.Errorf("launch opened %q, want %q", opened, want)
	}

	// Another setup for the same product waits its turn: exit 1618.
	lock := flock.New(filepath.Join(s.dir, "state", s.id, "lock"))
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("taking the lock: %v", err)
	}
	r = s.setup()
	lock.Unlock()
	if want := exitCode(1618); r.code != want {
		t.Errorf("setup while another runs exited %d, want %d", r.code, want)
	}

	// Uninstall keeps the volumes, and a new install finds the data.
	s.mustSetup("uninstall")
	if got := len(s.containers()); got != 0 {
		t.Errorf("after uninstall %d containers remain", got)
	}
	if got := s.networks(); got != 0 {
		t.Errorf("after uninstall %d networks remain", got)
	}
	if got := s.shortcutFiles(); len(got) != 0 {
		t.Errorf("after uninstall shortcuts remain: %v", got)
	}
	if got := s.volumes(); len(got) != 1 {
		t.Fatalf("after uninstall volumes = %v, want the data volume kept", got)
	}
	s.pushApp("1.5.1", true) // a fresh install takes the newest matching
	s.mustSetup()
	if got := s.pointCount(); got != 5 {
		t.Errorf("points after uninstall and reinstall = %d, want 5", got)
	}
	if got := s.appVersion(); got != "1.5.1" {
		t.Errorf("app version after reinstall = %q, want 1.5.1", got)
	}

	// --purge removes the volumes too.
	s.mustSetup("uninstall", "--purge")
	if got := s.volumes(); len(got) != 0 {
		t.Errorf("after uninstall --purge volumes = %v, want none", got)
	}
}

// TestNameConflict checks that a container setup did not make is never
// touched, even when it holds one of the product's names.
func TestNameConflict(t *testing.T) {
	t.Run("container-name-conflict-409", testNameConflict)
}

func testNameConflict(t *testing.T) {
	s := newStack(t)
	s.pushInflux("1.6.7")
	s.pushApp("1.4.0", true)

	// A stopped container with the app's name and no labels.
	ctx := context.Background()
	img := s.reg.Host() + "/app:1.4.0"
	pull, err := s.docker.ImagePull(ctx, img, imagePullOptions())
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, pull)
	pull.Close()
	created, err := s.docker.ContainerCreate(ctx, &container.Config{Image: img,
		Labels: map[string]string{"setup.product": s.id + "-other"}}, nil, nil, nil, s.id+"-app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.docker.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	})

	r := s.setup()
	if r.code != 1 {
		t.Errorf("install over a foreign container exited %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, created.ID[:12]) {
		t.Errorf("error does not name the other container %s:\n%s", created.ID[:12], r.stderr)
	}
	if _, err := s.docker.ContainerInspect(ctx, created.ID); err != nil {
		t.Errorf("the foreign container was touched: %v", err)
	}
}

// TestBadManifest checks that a bad manifest changes nothing.
func TestBadManifest(t *testing.T) {
	s := newStack(t)
	data, _ := os.ReadFile(s.manifest)
	bad := strings.Replace(string(data), "depends_on: [influxdb]", "depends_on: [influxdb, app]", 1)
	os.WriteFile(s.manifest, []byte(bad), 0o644)
	r := s.setup()
	if r.code != 2 {
		t.Errorf("bad manifest exited %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, "cycle") || !strings.Contains(r.stderr, "line ") {
		t.Errorf("error does not name the cycle and its line:\n%s", r.stderr)
	}
	if got := s.volumes(); len(got) != 0 {
		t.Errorf("bad manifest created volumes %v", got)
	}
}

// validateDesktopFiles runs desktop-file-validate, an independent checker
// of the desktop entry specification, on each file.
func validateDesktopFiles(t *testing.T, paths []string) {
	t.Helper()
	validator, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("desktop-file-validate is missing; bash .ci/run installs desktop-file-utils")
		}
		t.Log("desktop-file-validate is missing (package desktop-file-utils); shortcuts not validated")
		return
	}
	for _, p := range paths {
		out, err := exec.Command(validator, p).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("desktop-file-validate %s: %v\n%s", p, err, out)
		}
	}
}

// TestDryRunAndLog checks that --dry-run prints the plan and changes
// nothing, and that --log writes JSON lines.
func TestDryRunAndLog(t *testing.T) {
	s := newStack(t)
	s.pushInflux("1.6.7")
	s.pushApp("1.4.0", true)

	r := s.mustSetup("install", "--dry-run")
	for _, want := range []string{
		"would pull " + s.reg.Host() + "/influxdb:1.6.7",
		"would create network " + s.id,
		"would create volume " + s.id + "_data",
		"would create and start container " + s.id + "-app",
		"would generate secret APP_TOKEN",
		`would write shortcut "End To End"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run does not say %q:\n%s", want, r.stdout)
		}
	}
	if n := len(s.containers()) + len(s.volumes()) + s.networks() + len(s.shortcutFiles()); n != 0 {
		t.Errorf("dry run made %d containers, volumes, networks or shortcuts", n)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "state", s.id)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created the state folder: %v", err)
	}

	logPath := filepath.Join(s.dir, "setup.log")
	s.mustSetup("install", "--log", logPath)
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	secrets, _ := os.ReadFile(filepath.Join(s.dir, "state", s.id, "secrets.json"))
	var kept map[string]string
	if err := json.Unmarshal(secrets, &kept); err != nil || kept["APP_TOKEN"] == "" {
		t.Fatalf("no APP_TOKEN secret kept: %v %s", err, secrets)
	}
	steps := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			Time    time.Time `json:"time"`
			Level   string    `json:"level"`
			Step    string    `json:"step"`
			Message string    `json:"message"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Time.IsZero() || e.Level == "" || e.Message == "" {
			t.Errorf("log line %d is not a JSON entry with time, level and message: %q (%v)", i+1, line, err)
		}
		steps[e.Step] = true
	}
	for _, want := range []string{"checks", "pull", "services"} {
		if !steps[want] {
			t.Errorf("the log has no entry for step %q", want)
		}
	}
	if strings.Contains(string(data), kept["APP_TOKEN"]) {
		t.Error("the log holds a generated secret")
	}

	// Installed and unchanged: the plan is empty.
	r = s.mustSetup("install", "--dry-run")
	if strings.Contains(r.stdout, "would ") {
		t.Errorf("dry run of an installed stack plans changes:\n%s", r.stdout)
	}
}

// TestRegistryMirror checks that --registry-mirror fetches Docker Hub
// images from the mirror.
func TestRegistryMirror(t *testing.T) {
	s := newStack(t)
	s.influxImage = "docker.io/library/influxdb"
	s.writeManifest("10s")
	s.pushInfluxAs(s.reg.Host()+"/library/influxdb", "1.6.7")
	s.pushApp("1.4.0", true)

	s.mustSetup("install", "--registry-mirror", s.reg.Host())
	c := s.containers()[s.id+"-influxdb"]
	if want := s.reg.Host() + "/library/influxdb"; !strings.HasPrefix(c.Image, want) {
		t.Errorf("influxdb runs %q, want an image from %s", c.Image, want)
	}
}

// TestUpgradeStaysInMajor checks that an upgrade keeps the installed major
// version unless --major is given, even when the constraint allows more.
func TestUpgradeStaysInMajor(t *testing.T) {
	s := newStack(t)
	s.appConstraint = ">= 1.4"
	s.writeManifest("10s")
	s.pushInflux("1.6.7")
	s.pushApp("1.4.0", true)
	s.mustSetup()

	s.pushApp("2.0.0", true)
	s.pushApp("1.5.0", true)
	s.mustSetup("upgrade")
	if got := s.appVersion(); got != "1.5.0" {
		t.Errorf("upgrade moved the app to %q, want 1.5.0 (the newest 1.x)", got)
	}
	s.mustSetup("upgrade", "--major")
	if got := s.appVersion(); got != "2.0.0" {
		t.Errorf("upgrade --major moved the app to %q, want 2.0.0", got)
	}
}
