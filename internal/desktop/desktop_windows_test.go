//go:build windows

package desktop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"setup/internal/problem"
)

// underWine reports whether the test runs under Wine, whose ntdll exports
// wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestDetectInRegistry writes an Uninstall entry of its own under HKCU,
// so that a real installation is never touched, and reads it back through
// the registry.
func TestDetectInRegistry(t *testing.T) {
	const parent = `Software\setup-desktop-test`
	path := fmt.Sprintf(`%s\Uninstall\Docker Desktop %d`, parent, os.Getpid())
	t.Cleanup(func() { deleteTree(registry.CURRENT_USER, path, parent) })

	programFiles := t.TempDir()
	dir := filepath.Join(programFiles, "Docker", "Docker")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, WindowsProgram)
	if err := os.WriteFile(exe, []byte("MZ"), 0o755); err != nil {
		t.Fatal(err)
	}

	// No key yet: the program alone is an installation of unknown version.
	got, err := detectIn(registry.CURRENT_USER, path, programFiles)
	if err != nil || got != (Installation{Path: exe}) {
		t.Fatalf("detectIn() without a key = %+v, %v; want %s, version unknown", got, err, exe)
	}

	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if err != nil {
		t.Fatalf("creating the test key: %v", err)
	}
	for name, value := range map[string]string{
		"DisplayName":     "Docker Desktop",
		"DisplayVersion":  "4.41.2",
		"InstallLocation": dir,
	} {
		if err := k.SetStringValue(name, value); err != nil {
			t.Fatalf("writing %s: %v", name, err)
		}
	}
	k.Close()

	// Found through InstallLocation, even with another Program Files.
	got, err = detectIn(registry.CURRENT_USER, path, `C:\no-such-folder`)
	if want := (Installation{Path: exe, Version: "4.41.2"}); err != nil || got != want {
		t.Errorf("detectIn() = %+v, %v; want %+v", got, err, want)
	}

	// The key without its program is no installation.
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	got, err = detectIn(registry.CURRENT_USER, path, programFiles)
	if err != nil || got.Installed() {
		t.Errorf("detectIn() with the program removed = %+v, %v; want not installed", got, err)
	}

	deleteTree(registry.CURRENT_USER, path, parent)
	_, err = registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("the test key is still there after removing it: %v", err)
	}
}

// deleteTree deletes path and its parents up to and including top.
func deleteTree(root registry.Key, path, top string) {
	for p := path; len(p) >= len(top); p = p[:strings.LastIndexByte(p, '\\')] {
		registry.DeleteKey(root, p)
		if p == top {
			return
		}
	}
}

func TestSelfAndCandidates(t *testing.T) {
	self, err := selfProcess()
	if err != nil {
		t.Fatalf("selfProcess() error = %v", err)
	}
	if self.Service {
		t.Skip("the test runs as a service account, which has no signed-in user")
	}
	cands := candidates()
	t.Logf("candidates: %+v", cands)
	user, err := SignedInUser("windows", cands)
	if err != nil {
		t.Fatalf("SignedInUser(%+v) error = %v", cands, err)
	}
	if !strings.Contains(user.Name, os.Getenv("USERNAME")) {
		t.Errorf("SignedInUser() = %+v, want the account named by USERNAME %q",
			user, os.Getenv("USERNAME"))
	}
}

// TestJoinGroup adds the current user to a local group of its own, made
// for the test and deleted after, twice: the second time it is a member
// already. Adding to a group that does not exist says so.
func TestJoinGroup(t *testing.T) {
	user, err := SignedInUser("windows", candidates())
	if err != nil {
		t.Fatal(err)
	}

	_, err = joinGroup("setup-no-such-group", user.Name)
	var p *problem.Error
	if !errors.As(err, &p) || !strings.Contains(p.What, "does not exist") {
		if underWine() {
			// Wine's NetLocalGroupAddMembers is a stub that reports
			// success for any group without changing anything.
			t.Skipf("under Wine, NetLocalGroupAddMembers is a stub "+
				"(adding to a missing group gave %v)", err)
		}
		t.Fatalf("joinGroup(a missing group) = %v, want an error saying it does not exist", err)
	}

	self, err := selfProcess()
	if err != nil {
		t.Fatal(err)
	}
	if !self.Elevated {
		t.Skip("making a test group needs an elevated administrator")
	}
	group := fmt.Sprintf("setup-test-%d", os.Getpid())
	if err := addGroup(group); err != nil {
		if underWine() {
			t.Skipf("Wine cannot make local groups: %v", err)
		}
		t.Fatalf("making the test group: %v", err)
	}
	t.Cleanup(func() { deleteGroup(group) })

	for i, want := range []bool{true, false} {
		added, err := joinGroup(group, user.Name)
		if err != nil || added != want {
			t.Errorf("joinGroup(%s, %s) #%d = %v, %v; want %v",
				group, user.Name, i+1, added, err, want)
		}
	}
}

var (
	procNetLocalGroupAdd = netapi32.NewProc("NetLocalGroupAdd")
	procNetLocalGroupDel = netapi32.NewProc("NetLocalGroupDel")
)

// addGroup makes a local group with NetLocalGroupAdd.
func addGroup(name string) error {
	if err := procNetLocalGroupAdd.Find(); err != nil {
		return err
	}
	n, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return err
	}
	info := struct{ name *uint16 }{n} // LOCALGROUP_INFO_0
	status, _, _ := procNetLocalGroupAdd.Call(0, 0, uintptr(unsafe.Pointer(&info)), 0)
	if status != 0 {
		return fmt.Errorf("NetLocalGroupAdd returned %d", status)
	}
	return nil
}

func deleteGroup(name string) {
	n, err := windows.UTF16PtrFromString(name)
	if err == nil && procNetLocalGroupDel.Find() == nil {
		procNetLocalGroupDel.Call(0, uintptr(unsafe.Pointer(n)))
	}
}
