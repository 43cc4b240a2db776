//go:build !windows

package shortcut

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLnkinfo reads the shell links that the Windows tests wrote under
// Wine with lnkinfo (Debian package liblnk-utils), which parses the file
// format on its own, and checks each against the JSON file beside it.
// The Windows tests must run first, with lnkDirEnv naming the folder.
func TestLnkinfo(t *testing.T) {
	dir := os.Getenv(lnkDirEnv)
	if dir == "" {
		t.Skip(lnkDirEnv + " is not set: it names the folder where the Windows tests, " +
			"run under Wine first, leave the shell links this test reads")
	}
	lnkinfo, err := exec.LookPath("lnkinfo")
	if err != nil {
		t.Fatal("lnkinfo is not installed (package liblnk-utils)")
	}
	links, err := filepath.Glob(filepath.Join(dir, "*.lnk"))
	if err != nil {
		t.Fatal(err)
	}
	if len(links) == 0 {
		t.Fatalf("no shell links in %s: the Windows tests did not write any", dir)
	}

	for _, path := range links {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path + ".json")
			if err != nil {
				t.Fatalf("reading what the link must hold: %v", err)
			}
			var want lnkExpect
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), lnkinfo, path).CombinedOutput()
			if err != nil {
				t.Fatalf("lnkinfo %s = %v:\n%s", path, err, out)
			}
			fields := lnkinfoFields(string(out))
			got := lnkExpect{
				Target:           fields["Local path"],
				Arguments:        fields["Command line arguments"],
				Description:      fields["Description"],
				WorkingDirectory: fields["Working directory"],
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lnkinfo %s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}

	// lnkinfo must be able to fail: a cut-off link is refused.
	data, err := os.ReadFile(links[0])
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.lnk")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), lnkinfo, cut).CombinedOutput(); err == nil {
		t.Errorf("lnkinfo of a cut-off link succeeded:\n%s", out)
	}
}

// lnkinfoFields returns the "name : value" lines of lnkinfo's "Link
// information" section.
func lnkinfoFields(out string) map[string]string {
	fields := map[string]string{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "Link information:":
			in = true
			continue
		case in && strings.TrimSpace(line) == "":
			return fields
		case !in:
			continue
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			// An empty value ends in ":" alone.
			name, _, ok = strings.Cut(line, ":")
		}
		if ok {
			fields[strings.TrimSpace(name)] = value
		}
	}
	return fields
}

func TestLnkinfoFields(t *testing.T) {
	out := "lnkinfo 20181227\n\nWindows Shortcut information:\n" +
		"\tContains a description string\n\nLink information:\n" +
		"\tVolume label\t\t\t: \n" +
		"\tLocal path\t\t\t: C:\\Program Files\\Süd: x\\setup.exe\n" +
		"\tCommand line arguments\t\t: launch --manifest \"C:\\a b\\m.yaml\" \"Süd ✓\"\n" +
		"\nLink target identifier:\n\tName\t\t\t: other\n"
	want := map[string]string{
		"Volume label":           "",
		"Local path":             `C:\Program Files\Süd: x\setup.exe`,
		"Command line arguments": `launch --manifest "C:\a b\m.yaml" "Süd ✓"`,
	}
	if diff := cmp.Diff(want, lnkinfoFields(out)); diff != "" {
		t.Errorf("lnkinfoFields() mismatch (-want +got):\n%s", diff)
	}
}
