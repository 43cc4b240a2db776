// Package wsl runs wsl.exe, the Windows Subsystem for Linux command, and
// reads what it prints.
//
// wsl.exe writes UTF-16LE without a byte order mark, with CR CR LF line
// ends, even into a pipe. Newer builds write UTF-8 when WSL_UTF8=1 is set
// in their environment; Run sets it but Decode does not count on it.
// Messages are translated, so decisions are taken on exit codes, never on
// the text.
package wsl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Distro is one line of `wsl --list --verbose`.
type Distro struct {
	Name string
	// Default is true for the distribution wsl.exe starts by default,
	// marked with * in the list.
	Default bool
	// State is as wsl.exe prints it, in the language of Windows:
	// Running, Stopped, Installing, Converting, ...
	State string
	// Version is the WSL version the distribution runs under, 1 or 2.
	Version int
}

// Path is where wsl.exe lives: System32 of the Windows folder that the
// SystemRoot (or windir) variable names.
func Path(getenv func(string) string) string {
	root := getenv("SystemRoot")
	if root == "" {
		root = getenv("windir")
	}
	if root == "" {
		root = `C:\Windows`
	}
	return strings.TrimRight(root, `\`) + `\System32\wsl.exe`
}

// Decode turns wsl.exe's output into text with \n line ends. Output whose
// odd-index bytes are mostly zero is UTF-16LE; anything else is taken as
// UTF-8. A byte order mark is dropped.
func Decode(b []byte) string {
	var s string
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		s = decodeUTF16LE(b[2:])
	case looksUTF16LE(b):
		s = decodeUTF16LE(b)
	default:
		s = strings.TrimPrefix(string(b), "\uFEFF")
	}
	s = strings.ReplaceAll(s, "\r\r\n", "\n")
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// looksUTF16LE reports whether more than half of the odd-index bytes are
// zero, as they are in UTF-16LE text that is mostly ASCII.
func looksUTF16LE(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	zeros, odd := 0, 0
	for i := 1; i < len(b); i += 2 {
		odd++
		if b[i] == 0 {
			zeros++
		}
	}
	return 2*zeros > odd
}

func decodeUTF16LE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// Parse reads the decoded output of `wsl --list --verbose`. The heading
// is translated, so it is told apart by its last field not being a
// number; lines that are not distributions are skipped.
func Parse(out string) []Distro {
	var list []Distro
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		def := strings.HasPrefix(line, "*")
		f := strings.Fields(strings.TrimPrefix(line, "*"))
		if len(f) < 3 {
			continue
		}
		version, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			continue
		}
		list = append(list, Distro{
			Name:    f[0],
			Default: def,
			State:   strings.Join(f[1:len(f)-1], " "),
			Version: version,
		})
	}
	return list
}

// ExitError is a wsl.exe run that exited with a code other than zero.
type ExitError struct {
	Args []string
	// Code is the process exit code; wsl.exe often exits with an HRESULT
	// such as 0x8007019e.
	Code uint32
	// Output is what it printed, decoded.
	Output string
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("wsl.exe %s exited with %#x", strings.Join(e.Args, " "), e.Code)
	if first, _, _ := strings.Cut(strings.TrimSpace(e.Output), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
}

// Run runs the wsl.exe at path with args and WSL_UTF8=1 added to its
// environment, and returns its decoded standard output. An exit code
// other than zero is returned as an *ExitError, together with the output.
func Run(ctx context.Context, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "WSL_UTF8=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	out := Decode(stdout.Bytes())

	if ctx.Err() != nil {
		return out, fmt.Errorf("running wsl.exe %s: %w", strings.Join(args, " "), ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out, &ExitError{
			Args:   args,
			Code:   uint32(exit.ExitCode()),
			Output: strings.TrimSpace(out + "\n" + Decode(stderr.Bytes())),
		}
	}
	if err != nil {
		return out, fmt.Errorf("running %s: %w", path, err)
	}
	return out, nil
}

// List runs `wsl --list --verbose` and parses its output.
func List(ctx context.Context, path string) ([]Distro, error) {
	out, err := Run(ctx, path, "--list", "--verbose")
	if err != nil {
		return nil, err
	}
	return Parse(out), nil
}
