package winapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/windows"

	"setup/internal/winapp"
)

// The test binary doubles as the program that Elevate and InstallCopy
// start: these flags make it do one small thing instead of testing.
var (
	helperExit = flag.Int("winapp.exit", -1, "exit at once with this code")
	helperArgs = flag.String("winapp.args", "",
		"write the arguments after the flags, and whether elevated, to this JSON file")
	helperSleep = flag.Duration("winapp.sleep", 0, "sleep this long, then exit")
)

// helperReport is what the helper writes for -winapp.args.
type helperReport struct {
	Args     []string `json:"args"`
	Elevated bool     `json:"elevated"`
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *helperArgs != "" {
		data, _ := json.Marshal(helperReport{Args: flag.Args(), Elevated: winapp.Elevated()})
		if err := os.WriteFile(*helperArgs, data, 0o644); err != nil {
			os.Exit(99)
		}
	}
	if *helperSleep > 0 {
		time.Sleep(*helperSleep)
	}
	if *helperExit >= 0 {
		os.Exit(*helperExit)
	}
	os.Exit(m.Run())
}

// tricky are arguments that need each quoting rule.
var tricky = []string{
	"launch", "", "Überwachung Süd ✓", `C:\Program Files\x\`, `C:\x\`,
	`say "hi"`, `a"b`, `a\\"b`, `a\b`, "tab\there", `\\server\share\`, `"`, `\`,
}

func TestQuoteArgMatchesWindows(t *testing.T) {
	for _, a := range tricky {
		if got, want := winapp.QuoteArg(a), syscall.EscapeArg(a); got != want {
			t.Errorf("QuoteArg(%q) = %q, want %q as syscall.EscapeArg", a, got, want)
		}
	}
	exe := `C:\Program Files\Überwachung Süd ✓\setup.exe`
	line := winapp.CommandLine(exe, tricky)
	got, err := windows.DecomposeCommandLine(line)
	if err != nil {
		t.Fatalf("DecomposeCommandLine(%q) = %v", line, err)
	}
	if diff := cmp.Diff(append([]string{exe}, tricky...), got); diff != "" {
		t.Errorf("CommandLine() read back by CommandLineToArgvW (-want +got):\n%s", diff)
	}
}

// testID returns a product id no other run uses.
func testID(t *testing.T) string {
	return fmt.Sprintf("setup-test-%08x", rand.Uint32())
}

func TestUninstallRegistration(t *testing.T) {
	for _, perUser := range []bool{true, false} {
		t.Run(fmt.Sprintf("per user %v", perUser), func(t *testing.T) {
			id := testID(t)
			t.Cleanup(func() { winapp.Unregister(id, perUser) })
			p := winapp.Product{ID: id, Name: "Überwachung Süd ✓", Version: "2.7.1", Publisher: "Acme"}
			exe := `C:\Program Files\Acme\Überwachung Süd ✓\setup.exe`
			e, err := winapp.UninstallEntry(p, exe, 12<<20)
			if err != nil {
				t.Fatal(err)
			}
			if err := winapp.Register(e, perUser); err != nil {
				t.Fatalf("Register() = %v", err)
			}
			got, err := winapp.ReadEntry(e.Key, perUser)
			if err != nil {
				t.Fatalf("ReadEntry() = %v", err)
			}
			if diff := cmp.Diff(e, got); diff != "" {
				t.Errorf("ReadEntry() after Register() mismatch (-want +got):\n%s", diff)
			}
			args, err := windows.DecomposeCommandLine(got.Strings["QuietUninstallString"])
			if err != nil || !slices.Equal(args, []string{exe, "uninstall", "--unattended"}) {
				t.Errorf("QuietUninstallString read back as %q, %v", args, err)
			}

			// Registering again drops values the entry no longer has.
			p.Publisher = ""
			e2, err := winapp.UninstallEntry(p, exe, 12<<20)
			if err != nil {
				t.Fatal(err)
			}
			if err := winapp.Register(e2, perUser); err != nil {
				t.Fatalf("Register() again = %v", err)
			}
			got, err = winapp.ReadEntry(e.Key, perUser)
			if err != nil {
				t.Fatalf("ReadEntry() = %v", err)
			}
			if diff := cmp.Diff(e2, got); diff != "" {
				t.Errorf("ReadEntry() after a second Register() mismatch (-want +got):\n%s", diff)
			}

			if err := winapp.Unregister(id, perUser); err != nil {
				t.Fatalf("Unregister() = %v", err)
			}
			if _, err := winapp.ReadEntry(e.Key, perUser); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadEntry() after Unregister() = %v, want not exist", err)
			}
			if err := winapp.Unregister(id, perUser); err != nil {
				t.Errorf("Unregister() of a missing entry = %v, want nil", err)
			}
		})
	}
}

func TestResumeRegistration(t *testing.T) {
	for _, perUser := range []bool{true, false} {
		t.Run(fmt.Sprintf("per user %v", perUser), func(t *testing.T) {
			id := testID(t)
			t.Cleanup(func() { winapp.UnregisterResume(id, perUser) })
			exe := `C:\Program Files\Acme\Überwachung Süd ✓\setup.exe`
			args := []string{"install", "--manifest", `C:\Stacks\Nord Süd.yaml`}
			if err := winapp.RegisterResume(id, exe, args, perUser); err != nil {
				t.Fatalf("RegisterResume() = %v", err)
			}
			got, err := winapp.ReadResume(id, perUser)
			if err != nil {
				t.Fatalf("ReadResume() = %v", err)
			}
			back, err := windows.DecomposeCommandLine(got)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{exe, winapp.ResumedFlag}, args...)
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("registered command read back (-want +got):\n%s", diff)
			}

			if err := winapp.UnregisterResume(id, perUser); err != nil {
				t.Fatalf("UnregisterResume() = %v", err)
			}
			if _, err := winapp.ReadResume(id, perUser); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadResume() after UnregisterResume() = %v, want not exist", err)
			}
			if err := winapp.UnregisterResume(id, perUser); err != nil {
				t.Errorf("UnregisterResume() of a missing command = %v, want nil", err)
			}
		})
	}
}

func TestElevate(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code, err := winapp.Elevate(ctx, []string{"-winapp.exit=7"})
	if err != nil || code != 7 {
		t.Fatalf("Elevate(exit 7) = %d, %v, want 7, nil", code, err)
	}

	// The arguments arrive as they were given, to an elevated process.
	out := filepath.Join(t.TempDir(), "args.json")
	args := append([]string{"-winapp.args=" + out, "-winapp.exit=0", "--"}, tricky...)
	code, err = winapp.Elevate(ctx, args)
	if err != nil || code != 0 {
		t.Fatalf("Elevate(args) = %d, %v, want 0, nil", code, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got helperReport
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tricky, got.Args); diff != "" {
		t.Errorf("arguments of the elevated process (-want +got):\n%s", diff)
	}
	if !got.Elevated {
		t.Errorf("the process Elevate() started has no elevated token")
	}
	t.Logf("this process elevated: %v", winapp.Elevated())
}

func TestElevateStopsWaiting(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := winapp.Elevate(ctx, []string{"-winapp.sleep=2s", "-winapp.exit=0"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Elevate() past its deadline = %v, want %v", err, context.DeadlineExceeded)
	}
	if waited := time.Since(start); waited > 1500*time.Millisecond {
		t.Errorf("Elevate() past its deadline waited %v", waited)
	}
}

func TestConsoleProcesses(t *testing.T) {
	n, err := winapp.ConsoleProcesses()
	t.Logf("ConsoleProcesses() = %d, %v", n, err)
	if (err == nil) != (n > 0) {
		t.Errorf("ConsoleProcesses() = %d, %v, want a count or an error", n, err)
	}
	if got, want := winapp.StartedByDoubleClick(), winapp.ShouldPause(n, err); got != want {
		t.Errorf("StartedByDoubleClick() = %v, want %v", got, want)
	}
}

func TestEnableVirtualTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if winapp.EnableVirtualTerminal(f) {
		t.Errorf("EnableVirtualTerminal(a file) = true, want false")
	}

	con, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no console to try: %v", err)
	}
	defer con.Close()
	on := winapp.EnableVirtualTerminal(con)
	var mode uint32
	if err := windows.GetConsoleMode(windows.Handle(con.Fd()), &mode); err != nil {
		t.Fatalf("GetConsoleMode(CONOUT$) = %v", err)
	}
	if got := mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0; got != on {
		t.Errorf("EnableVirtualTerminal(CONOUT$) = %v, but the console mode says %v", on, got)
	}
}

// TestInstallCopyRunning replaces a stable copy while it runs, which
// Windows allows only by renaming it first.
func TestInstallCopyRunning(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "Überwachung Süd", "setup.exe")
	if _, err := winapp.InstallCopy(exe, dst); err != nil {
		t.Fatalf("InstallCopy() = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	running := exec.CommandContext(ctx, dst, "-winapp.sleep=30s", "-winapp.exit=0")
	if err := running.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		running.Wait()
	})

	// A newer setup: the same program with more bytes after it.
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "Downloads", "setup.exe")
	if err := os.MkdirAll(filepath.Dir(newer), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newer, append(data, "version 2"...), 0o755); err != nil {
		t.Fatal(err)
	}
	changed, err := winapp.InstallCopy(newer, dst)
	if err != nil || !changed {
		t.Fatalf("InstallCopy() over a running copy = %v, %v, want true, nil", changed, err)
	}
	if got, err := os.ReadFile(dst); err != nil || len(got) != len(data)+len("version 2") {
		t.Errorf("%s after InstallCopy() = %d bytes, %v, want the newer setup", dst, len(got), err)
	}
	if _, err := os.Stat(dst + ".old-1"); err != nil {
		t.Errorf("the running copy was not moved aside: %v", err)
	}

	// Once the old copy has stopped, the next run clears it away.
	cancel()
	running.Wait()
	if _, err := winapp.InstallCopy(newer, dst); err != nil {
		t.Fatalf("InstallCopy() again = %v", err)
	}
	old, _ := filepath.Glob(dst + ".old-*")
	if len(old) != 0 {
		t.Errorf("copies left aside after the old one stopped: %q", old)
	}
}
