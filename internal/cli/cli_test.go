package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"setup/internal/problem"
)

const testManifest = `schema: 1
product: {id: clitest, name: CLI Test, publisher: Tests, version: 2.3.4}
services:
  web:
    image: 127.0.0.1:5000/web
    version: "^1"
    ports: ["8080:80"]
shortcuts:
  - {name: Web, url: "http://localhost:8080"}
`

// runMain runs Main with args and returns the exit code, stdout and
// stderr.
func runMain(t *testing.T, args ...string) (problem.Code, string, string) {
	t.Helper()
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SETUP_STATE_DIR", filepath.Join(dir, "state"))
	code := Main(context.Background(), append([]string{"setup"}, args...),
		Build{Version: "1.0.0", Commit: "abc", Date: "today", Manifest: []byte(testManifest)},
		strings.NewReader(""), stdout, stderr)
	stdout.Close()
	stderr.Close()
	out, _ := os.ReadFile(stdout.Name())
	errOut, _ := os.ReadFile(stderr.Name())
	return code, string(out), string(errOut)
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// want is a piece of the message that names what is wrong.
		want string
	}{
		{"cli-flag-after-positional-ignored", []string{"install", "myapp", "--upgrade"}, "--upgrade"},
		{"flag after the shortcut name", []string{"launch", "Web", "--quiet"}, "--quiet"},
		{"unknown flag", []string{"--frobnicate"}, "--frobnicate"},
		{"unknown command flag", []string{"status", "--purge"}, "--purge"},
		{"bool flag given a value", []string{"--unattended=yes"}, "yes"},
		{"bool flag value as an argument", []string{"status", "--quiet", "yes"}, "yes"},
		{"unknown command", []string{"instal"}, `"instal"`},
		{"launch without a name", []string{"launch"}, "launch"},
		{"launch with two names", []string{"launch", "a", "b"}, "launch"},
		{"quiet and verbose", []string{"status", "--quiet", "--verbose"}, "--quiet and --verbose"},
		{"missing manifest", []string{"version", "--manifest", "/nonexistent/m.yaml"}, "--manifest"},
		{"upgrade with an argument", []string{"upgrade", "now"}, "now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tt.args...)
			if code != problem.Usage {
				t.Errorf("Main(%q) = %d, want %d\n%s", tt.args, code, problem.Usage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("Main(%q) stderr = %q, want it to name %q", tt.args, stderr, tt.want)
			}
		})
	}
}

func TestBadManifestIsUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("schema: 1\nproduct: {id: x, name: X}\nservices:\n  web: {image: a/b, version: '^1', colour: red}\n"), 0o644)
	code, _, stderr := runMain(t, "check", "--manifest", path)
	if code != problem.Usage {
		t.Errorf("check with a bad manifest = %d, want %d", code, problem.Usage)
	}
	if !strings.Contains(stderr, "line 4") || !strings.Contains(stderr, "colour") {
		t.Errorf("stderr = %q, want the field colour and line 4", stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := runMain(t, "version", "--json")
	if code != problem.OK {
		t.Fatalf("version --json = %d, want 0\n%s", code, stderr)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("version --json printed %q: %v", stdout, err)
	}
	for key, want := range map[string]string{
		"version": "1.0.0", "commit": "abc", "product": "clitest", "product_version": "2.3.4",
	} {
		if v[key] != want {
			t.Errorf("version --json %s = %q, want %q", key, v[key], want)
		}
	}
	if !strings.HasPrefix(v["manifest_digest"], "sha256:") {
		t.Errorf("manifest_digest = %q, want a sha256 digest", v["manifest_digest"])
	}
}

// TestFlagsAnywhere checks that the common flags are read whether they
// come before or after the command.
func TestFlagsAnywhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.yaml")
	os.WriteFile(path, []byte(strings.Replace(testManifest, "id: clitest", "id: other", 1)), 0o644)
	for _, args := range [][]string{
		{"--manifest", path, "version", "--json"},
		{"version", "--manifest", path, "--json"},
	} {
		code, stdout, stderr := runMain(t, args...)
		if code != problem.OK {
			t.Fatalf("Main(%q) = %d\n%s", args, code, stderr)
		}
		if !strings.Contains(stdout, `"product": "other"`) {
			t.Errorf("Main(%q) read the wrong manifest:\n%s", args, stdout)
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := runMain(t, "--help")
	if code != problem.OK {
		t.Errorf("--help = %d, want 0", code)
	}
	for _, want := range []string{"install", "upgrade", "uninstall", "1618"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

// TestSettingsPrecedence checks that a flag beats its SETUP_* variable,
// which beats the site configuration file.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	fromFile := filepath.Join(dir, "file.yaml")
	fromEnv := filepath.Join(dir, "env.yaml")
	fromFlag := filepath.Join(dir, "flag.yaml")
	for path, id := range map[string]string{fromFile: "fromfile", fromEnv: "fromenv", fromFlag: "fromflag"} {
		os.WriteFile(path, []byte(strings.Replace(testManifest, "id: clitest", "id: "+id, 1)), 0o644)
	}
	os.WriteFile(site, []byte("manifest: "+fromFile+"\nunattended: true\n"), 0o644)

	tests := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"site file", "", []string{"version", "--config", site, "--json"}, "fromfile"},
		{"environment over file", fromEnv, []string{"--config", site, "version", "--json"}, "fromenv"},
		{"flag over environment", fromEnv, []string{"--config", site, "version", "--json", "--manifest", fromFlag}, "fromflag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SETUP_MANIFEST", tt.env)
			args := tt.args
			code, stdout, stderr := runMain(t, args...)
			if code != problem.OK {
				t.Fatalf("Main(%q) = %d\n%s", args, code, stderr)
			}
			if !strings.Contains(stdout, `"product": "`+tt.want+`"`) {
				t.Errorf("Main(%q) read the wrong manifest, want %s:\n%s", args, tt.want, stdout)
			}
		})
	}
}

func TestSiteConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"unknown key", "unatended: true\n", "unatended"},
		{"not a boolean", "unattended: sometimes\n", "sometimes"},
		{"a list", "log: [a, b]\n", "single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			os.WriteFile(path, []byte(tt.content), 0o644)
			code, _, stderr := runMain(t, "status", "--config", path)
			if code != problem.Usage {
				t.Errorf("status with %q = %d, want %d\n%s", tt.content, code, problem.Usage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to name %q", stderr, tt.want)
			}
		})
	}
}

func TestEnvironmentBoolean(t *testing.T) {
	t.Setenv("SETUP_QUIET", "maybe")
	code, _, stderr := runMain(t, "status")
	if code != problem.Usage || !strings.Contains(stderr, "SETUP_QUIET") {
		t.Errorf("status with SETUP_QUIET=maybe = %d %q, want %d naming SETUP_QUIET", code, stderr, problem.Usage)
	}
}

func TestAbsolutePaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	got := absolutePaths([]string{"install", "--manifest", "m.yaml", "--log=out/setup.log",
		"--unattended", "--config", "/etc/setup.yaml", "launch-name"})
	want := []string{"install", "--manifest", filepath.Join(wd, "m.yaml"),
		"--log=" + filepath.Join(wd, "out", "setup.log"), "--unattended", "--config", "/etc/setup.yaml",
		"launch-name"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("absolutePaths() = %q, want %q", got, want)
	}
}
