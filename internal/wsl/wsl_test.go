package wsl_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"setup/internal/wsl"
)

// listHex is `wsl -l -v` as wsl.exe writes it into a pipe: UTF-16LE
// without a byte order mark, lines ending in CR CR LF.
const listHex = "200020004e0041004d00450020002000200020002000200020002000200020002000" +
	"20002000200053005400410054004500200020002000200020002000200020002000" +
	"20002000560045005200530049004f004e000d000d000a002a00200064006f006300" +
	"6b00650072002d006400650073006b0074006f007000200020002000200053007400" +
	"6f00700070006500640020002000200020002000200020002000200032000d000d00" +
	"0a00"

// utf16le encodes s the way wsl.exe does.
func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex.DecodeString() = %v", err)
	}
	return b
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{name: "wsl-utf16le-output", in: mustHex(t, listHex), want: []string{
			"  NAME              STATE           VERSION",
			"* docker-desktop    Stopped         2",
		}},
		{name: "UTF-8, as with WSL_UTF8=1", in: []byte("  NAME  STATE  VERSION\r\n* Ubuntu  Running  2\r\n"),
			want: []string{"  NAME  STATE  VERSION", "* Ubuntu  Running  2"}},
		{name: "UTF-16LE with a byte order mark",
			in:   append([]byte{0xFF, 0xFE}, utf16le("Ubuntu\r\n")...),
			want: []string{"Ubuntu"}},
		{name: "French, accents and all", in: utf16le("* Ubuntu    Arrêté    2\r\r\n"),
			want: []string{"* Ubuntu    Arrêté    2"}},
		{name: "odd length", in: append(utf16le("ok\r\n"), 'x'),
			want: []string{"ok"}},
		{name: "one byte", in: []byte("x"), want: []string{"x"}},
		{name: "empty", in: nil, want: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Split(strings.TrimSuffix(wsl.Decode(tt.in), "\n"), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode() lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []wsl.Distro
	}{
		{name: "wsl-utf16le-output", out: wsl.Decode(mustHex(t, listHex)), want: []wsl.Distro{
			{Name: "docker-desktop", Default: true, State: "Stopped", Version: 2},
		}},
		{name: "several", out: "  NAME                   STATE           VERSION\n" +
			"* Ubuntu-22.04           Running         2\n" +
			"  docker-desktop-data    Stopped         2\n" +
			"  Legacy                 Stopped         1\n",
			want: []wsl.Distro{
				{Name: "Ubuntu-22.04", Default: true, State: "Running", Version: 2},
				{Name: "docker-desktop-data", State: "Stopped", Version: 2},
				{Name: "Legacy", State: "Stopped", Version: 1},
			}},
		{name: "translated state of two words", out: "  NOM      ÉTAT                    VERSION\n" +
			"* Ubuntu   En cours d'exécution    2\n",
			want: []wsl.Distro{{Name: "Ubuntu", Default: true, State: "En cours d'exécution", Version: 2}}},
		{name: "heading only", out: "  NAME      STATE           VERSION\n"},
		{name: "a message, no list", out: "Windows Subsystem for Linux has no installed distributions.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, wsl.Parse(tt.out)); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "SystemRoot", env: map[string]string{"SystemRoot": `D:\WINDOWS`, "windir": `E:\x`},
			want: `D:\WINDOWS\System32\wsl.exe`},
		{name: "windir only", env: map[string]string{"windir": `C:\Windows\`},
			want: `C:\Windows\System32\wsl.exe`},
		{name: "neither", want: `C:\Windows\System32\wsl.exe`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wsl.Path(func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("Path() = %q, want %q", got, tt.want)
			}
		})
	}
}

// The test binary stands in for wsl.exe when fakeEnv is set: it prints
// fakeOutEnv (hex) and exits with fakeExitEnv. With fakeHonourEnv set it
// behaves like newer wsl.exe builds and prints UTF-8 when WSL_UTF8=1.
const (
	fakeEnv       = "WSL_TEST_FAKE"
	fakeOutEnv    = "WSL_TEST_FAKE_STDOUT_HEX"
	fakeExitEnv   = "WSL_TEST_FAKE_EXIT"
	fakeHonourEnv = "WSL_TEST_FAKE_HONOUR_UTF8"
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeEnv) == "" {
		os.Exit(m.Run())
	}
	out, err := hex.DecodeString(os.Getenv(fakeOutEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(100)
	}
	if os.Getenv(fakeHonourEnv) != "" && os.Getenv("WSL_UTF8") == "1" {
		out = []byte(wsl.Decode(out))
	}
	os.Stdout.Write(out)
	code, _ := strconv.Atoi(os.Getenv(fakeExitEnv))
	os.Exit(code)
}

func TestRun(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable() = %v", err)
	}
	failure := utf16le("Le sous-système Windows pour Linux n'a aucune distribution installée.\r\r\n")
	tests := []struct {
		name     string
		out      []byte
		exit     int
		honour   bool
		want     []wsl.Distro
		wantCode uint32
	}{
		{name: "UTF-16LE although WSL_UTF8 is set", out: mustHex(t, listHex),
			want: []wsl.Distro{{Name: "docker-desktop", Default: true, State: "Stopped", Version: 2}}},
		{name: "UTF-8 when WSL_UTF8 is honoured", out: mustHex(t, listHex), honour: true,
			want: []wsl.Distro{{Name: "docker-desktop", Default: true, State: "Stopped", Version: 2}}},
		{name: "exit code other than zero", out: failure, exit: 3, wantCode: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(fakeEnv, "1")
			t.Setenv(fakeOutEnv, hex.EncodeToString(tt.out))
			t.Setenv(fakeExitEnv, strconv.Itoa(tt.exit))
			if tt.honour {
				t.Setenv(fakeHonourEnv, "1")
			}

			got, err := wsl.List(context.Background(), exe)
			if tt.wantCode != 0 {
				var exitErr *wsl.ExitError
				if !errors.As(err, &exitErr) {
					t.Fatalf("List() = %v, %v, want an *ExitError", got, err)
				}
				if exitErr.Code != tt.wantCode || !strings.Contains(exitErr.Output, "aucune distribution") {
					t.Errorf("List() error = %+v, want code %d with the decoded output", exitErr, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("List() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("List() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunMissing(t *testing.T) {
	_, err := wsl.Run(context.Background(), "wsl-not-here-"+strconv.Itoa(os.Getpid())+".exe", "--status")
	var exitErr *wsl.ExitError
	if err == nil || errors.As(err, &exitErr) {
		t.Errorf("Run(missing) = %v, want an error that is not an *ExitError", err)
	}
}
