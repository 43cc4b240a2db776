package checks

import (
	"context"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// fakeProbe answers for what Wine does not model, and counts the calls.
type fakeProbe struct {
	firmware   *bool
	hypervisor bool
	features   FeatureStates
	err        error
	calls      int
}

func (p *fakeProbe) Virtualization() (*bool, bool) {
	p.calls++
	return p.firmware, p.hypervisor
}

func (p *fakeProbe) Features(context.Context) (FeatureStates, error) {
	p.calls++
	return p.features, p.err
}

// underWine reports whether the test runs under Wine, whose ntdll exports
// wine_get_version. Tests that change the machine-wide registry run only
// there.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// verBuild reads the build number from `cmd /c ver`, a source independent
// of RtlGetVersion's caller: "Microsoft Windows [Version 10.0.19045.3803]".
func verBuild(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("cmd", "/c", "ver").CombinedOutput()
	if err != nil {
		t.Fatalf("cmd /c ver = %v: %s", err, out)
	}
	m := regexp.MustCompile(`\d+\.\d+\.(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("cmd /c ver printed %q, want a version", out)
	}
	build, _ := strconv.Atoi(m[1])
	return build
}

func TestReadWindowsFacts(t *testing.T) {
	yes := true
	probe := &fakeProbe{firmware: &yes, hypervisor: true,
		features: FeatureStates{WSL: FeatureEnabled, VMP: FeatureDisabled, HyperV: FeatureAbsent}}
	f := readWindowsFacts(context.Background(), probe, true)

	if want := verBuild(t); f.Build != want {
		t.Errorf("Build = %d, want %d as cmd /c ver says", f.Build, want)
	}
	wantMachine := map[string]uint16{
		"amd64": pe.IMAGE_FILE_MACHINE_AMD64,
		"arm64": pe.IMAGE_FILE_MACHINE_ARM64,
	}
	// An amd64 build may run emulated on Windows on Arm.
	if f.NativeMachine != wantMachine[runtime.GOARCH] && f.NativeMachine != pe.IMAGE_FILE_MACHINE_ARM64 {
		t.Errorf("NativeMachine = %#x, want %#x", f.NativeMachine, wantMachine[runtime.GOARCH])
	}
	if OS64(f.NativeMachine).Status != OK {
		t.Errorf("OS64(%#x) = %+v, want ok", f.NativeMachine, OS64(f.NativeMachine))
	}
	if f.EditionID == "" {
		t.Errorf("EditionID is empty, want the registry's EditionID")
	}
	if got := Elevation(f.Elevated, true); (got.Status == OK) != f.Elevated {
		t.Errorf("Elevation(%t, true) = %+v, want ok only when elevated", f.Elevated, got)
	}
	t.Logf("build %d.%d, edition %s, elevated %t, restart signals %v",
		f.Build, f.UBR, f.EditionID, f.Elevated, f.Reboot.Signals())

	// The probe's answers are the facts, and it is asked only when an
	// engine may have to be installed.
	if f.FirmwareVirtualization != &yes || !f.HypervisorPresent || f.Features != probe.features {
		t.Errorf("readWindowsFacts() = %+v, want the probe's answers", f)
	}
	calls := probe.calls
	readWindowsFacts(context.Background(), probe, false)
	if probe.calls != calls {
		t.Errorf("readWindowsFacts(installing false) asked the probe %d time(s), want none",
			probe.calls-calls)
	}
}

func TestGatherWindows(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		dataDir string
		want    string
	}{
		{name: "engine data inside its Linux VM", dataDir: "/var/lib/docker", want: systemDrive()},
		{name: "no data directory", want: systemDrive()},
		{name: "data directory on this machine", dataDir: dir, want: dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := gather(Input{DataDir: tt.dataDir, EngineAnswers: true})
			if f.memErr != nil || f.memory == 0 {
				t.Errorf("gather() memory = %d, %v, want a size", f.memory, f.memErr)
			}
			if f.diskPath != tt.want {
				t.Errorf("gather() disk path = %q, want %q", f.diskPath, tt.want)
			}
			if f.diskErr != nil || f.diskFree == 0 {
				t.Errorf("gather() free disk = %d, %v, want a size", f.diskFree, f.diskErr)
			}
			if _, ok := findResult(f.platform, "windows build"); !ok {
				t.Errorf("gather() platform = %+v, want a windows build result", f.platform)
			}
		})
	}
	if !strings.HasSuffix(systemDrive(), `:\`) {
		t.Errorf("systemDrive() = %q, want a drive root", systemDrive())
	}
}

func findResult(results []Result, name string) (Result, bool) {
	for _, r := range results {
		if r.Name == name {
			return r, true
		}
	}
	return Result{}, false
}

// setRegistry sets string values under root\path for the length of the
// test, restoring (or removing) them afterwards.
func setRegistry(t *testing.T, root registry.Key, path string, values map[string]string) {
	t.Helper()
	k, _, err := registry.CreateKey(root, path, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	defer k.Close()
	for name, v := range values {
		old, _, err := k.GetStringValue(name)
		existed := err == nil
		if err := k.SetStringValue(name, v); err != nil {
			t.Fatalf("setting %s\\%s: %v", path, name, err)
		}
		t.Cleanup(func() {
			k, err := registry.OpenKey(root, path, registry.SET_VALUE)
			if err != nil {
				t.Errorf("restoring %s\\%s: %v", path, name, err)
				return
			}
			defer k.Close()
			if existed {
				err = k.SetStringValue(name, old)
			} else {
				err = k.DeleteValue(name)
			}
			if err != nil {
				t.Errorf("restoring %s\\%s: %v", path, name, err)
			}
		})
	}
}

// deleteValue removes a value for the length of the test.
func deleteValue(t *testing.T, root registry.Key, path, name string) {
	t.Helper()
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return
	}
	defer k.Close()
	old, _, err := k.GetStringValue(name)
	if err != nil {
		return
	}
	if err := k.DeleteValue(name); err != nil {
		t.Fatalf("deleting %s\\%s: %v", path, name, err)
	}
	t.Cleanup(func() {
		k, err := registry.OpenKey(root, path, registry.SET_VALUE)
		if err == nil {
			err = k.SetStringValue(name, old)
			k.Close()
		}
		if err != nil {
			t.Errorf("restoring %s\\%s: %v", path, name, err)
		}
	})
}

// printBuildEnv makes TestPrintBuild print RtlGetVersion's build number,
// in a process started after the registry was changed.
const printBuildEnv = "CHECKS_TEST_PRINT_BUILD"

func TestPrintBuild(t *testing.T) {
	if os.Getenv(printBuildEnv) == "" {
		t.Skip("only run as a child of TestOldBuild")
	}
	fmt.Printf("build=%d\n", windows.RtlGetVersion().BuildNumber)
}

// TestOldBuild makes Wine report an older Windows build through the
// registry, as Windows itself keeps it, and shows that the build read
// through RtlGetVersion then fails the product's floor.
func TestOldBuild(t *testing.T) {
	if !underWine() {
		t.Skip("changes the machine's Windows version in the registry; run under Wine only")
	}
	// Wine's own version setting would win over the registry's values.
	deleteValue(t, registry.CURRENT_USER, `Software\Wine`, "Version")
	setRegistry(t, registry.LOCAL_MACHINE, currentVersionKey, map[string]string{
		"CurrentBuildNumber": "18363",
		"CurrentBuild":       "18363",
	})

	// RtlGetVersion reads the version when a process starts.
	cmd := exec.Command(os.Args[0], "-test.run=^TestPrintBuild$", "-test.v")
	cmd.Env = append(os.Environ(), printBuildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child = %v: %s", err, out)
	}
	m := regexp.MustCompile(`build=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed %q, want build=N", out)
	}
	build, _ := strconv.Atoi(string(m[1]))
	if build != 18363 {
		t.Fatalf("RtlGetVersion() in the child = %d, want 18363 from the registry", build)
	}

	got := WindowsBuild(build, 0, 19045)
	if got.Status != Fail || !strings.Contains(got.Evidence, "18363") || got.Fix == "" {
		t.Errorf("WindowsBuild(%d, 0, 19045) = %+v, want a failure naming 18363, with a fix", build, got)
	}
}

// TestRebootFacts creates the registry's signs of a pending restart and
// reads them back through readRebootFacts.
func TestRebootFacts(t *testing.T) {
	before := readRebootFacts()
	if !underWine() {
		t.Logf("restart signals on this machine: %v", before.Signals())
		t.Skip("changes the machine's restart state in the registry; run under Wine only")
	}
	if len(before.Signals()) != 0 {
		t.Fatalf("readRebootFacts() = %+v before any change, want no signal", before)
	}

	const servicing = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing`
	createKey(t, servicing)
	createKey(t, servicing+`\RebootPending`)
	setRegistry(t, registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`,
		map[string]string{"ComputerName": before.ActiveName + "-NEW"})

	got := readRebootFacts().Signals()
	want := []RebootSignal{RebootServicing, RebootRename}
	if strings.Join(signalNames(got), ",") != strings.Join(signalNames(want), ",") {
		t.Errorf("readRebootFacts().Signals() = %v, want %v", got, want)
	}
	if r := PendingReboot(got, true); r.Status != Fail {
		t.Errorf("PendingReboot(%v, true) = %+v, want a failure", got, r)
	}
}

// createKey creates an HKLM key for the length of the test, unless it
// exists already.
func createKey(t *testing.T, path string) {
	t.Helper()
	k, existed, err := registry.CreateKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
	if err != nil {
		t.Fatalf("creating %s: %v", path, err)
	}
	k.Close()
	if existed {
		return
	}
	t.Cleanup(func() {
		if err := registry.DeleteKey(registry.LOCAL_MACHINE, path); err != nil {
			t.Errorf("deleting %s: %v", path, err)
		}
	})
}

func signalNames(s []RebootSignal) []string {
	names := make([]string, len(s))
	for i, v := range s {
		names[i] = string(v)
	}
	return names
}

func TestExcludedPortsNetsh(t *testing.T) {
	ranges, err := excludedPorts(context.Background())
	if err != nil {
		if !strings.Contains(err.Error(), "netsh") {
			t.Errorf("excludedPorts() = %v, want the error to name netsh", err)
		}
		return
	}
	for _, r := range ranges {
		if r.Start < 1 || r.End > 65535 || r.Start > r.End {
			t.Errorf("excludedPorts() = %v, want valid ranges", ranges)
		}
	}
	t.Logf("excluded TCP ranges: %v", ranges)
}

// TestDiskFreeMissing shows that a folder the engine has not created yet
// is measured at its nearest existing parent, and that a drive that does
// not exist is an error, not zero bytes free.
func TestDiskFreeMissing(t *testing.T) {
	dir := t.TempDir()
	free, err := diskFree(filepath.Join(dir, "no", "such", "dir"))
	if err != nil || free == 0 {
		t.Errorf("diskFree(missing folder) = %d, %v, want the free space of its parent", free, err)
	}

	drives, err := windows.GetLogicalDrives()
	if err != nil {
		t.Fatalf("GetLogicalDrives() = %v", err)
	}
	for i := 25; i >= 3; i-- {
		if drives&(1<<i) != 0 {
			continue
		}
		missing := string(rune('A'+i)) + `:\data`
		if _, err := diskFree(missing); err == nil {
			t.Errorf("diskFree(%s) = nil, want an error", missing)
		}
		return
	}
	t.Log("every drive letter is taken")
}
