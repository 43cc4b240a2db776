// Package winapp makes setup behave like an installed Windows application:
// a copy of itself in a stable place, an entry in Add/Remove Programs, a
// command that resumes the installation after a reboot, a relaunch with
// administrator rights, and a console window that stays open when setup was
// double-clicked.
//
// Each decision is a plain function of its inputs, tested on every
// platform; only the system calls live in _windows.go files. On other
// platforms the calls that change the system return ErrNotSupported.
package winapp

import (
	"errors"
	"strings"
)

// ErrNotSupported is returned by the calls that exist only on Windows.
var ErrNotSupported = errors.New("not supported on this operating system")

// Product names what is installed.
type Product struct {
	// ID is the product id: the registry key and value names use it.
	ID string
	// Name is what the user sees, in Add/Remove Programs and in folder
	// names.
	Name string
	// Version is the installed version.
	Version string
	// Publisher is who makes the product; may be empty.
	Publisher string
}

// QuoteArg quotes one argument so that CommandLineToArgvW and the C
// runtime read it back unchanged: an empty argument or one with a space or
// a tab goes in double quotes; a double quote takes a backslash, and so
// does every backslash right before a double quote or before the closing
// quote. Other backslashes stay as they are. The result is the one
// syscall.EscapeArg gives on Windows.
func QuoteArg(s string) string {
	if s == "" {
		return `""`
	}
	quote := strings.ContainsAny(s, " \t")
	if !quote && !strings.ContainsAny(s, `"\`) {
		return s
	}

	var b strings.Builder
	if quote {
		b.WriteByte('"')
	}
	slashes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			slashes++
		case '"':
			// Double the backslashes before the quote, then escape it.
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(s[i])
	}
	if quote {
		b.WriteString(strings.Repeat(`\`, slashes))
		b.WriteByte('"')
	}
	return b.String()
}

// CommandLine returns the Windows command line that runs exe with args:
// exe always in double quotes (a program path cannot hold one), each
// argument quoted by QuoteArg.
func CommandLine(exe string, args []string) string {
	parts := make([]string, 0, len(args)+1)
	parts = append(parts, `"`+exe+`"`)
	for _, a := range args {
		parts = append(parts, QuoteArg(a))
	}
	return strings.Join(parts, " ")
}

// reserved are the device names Windows will not use as a file name, with
// or without an extension.
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true,
	"COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true,
	"LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// SafeName turns a name a person chose into a Windows file or folder name
// that shows the same text: the characters Windows forbids (<>:"/\|?* and
// control characters) become "-", trailing dots and spaces go, and a
// device name such as "CON" gets a "_" after it. Letters outside ASCII
// stay. An empty result becomes "_".
func SafeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '-'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	name = strings.TrimRight(name, ". ")
	if name == "" {
		return "_"
	}
	base, _, _ := strings.Cut(name, ".")
	if reserved[strings.ToUpper(strings.TrimSpace(base))] {
		name += "_"
	}
	return name
}

// JoinPath joins Windows path elements with a backslash, whatever the
// platform the code runs on.
func JoinPath(elem ...string) string {
	var parts []string
	for i, e := range elem {
		if i > 0 {
			e = strings.TrimLeft(e, `\/`)
		}
		if i < len(elem)-1 {
			e = strings.TrimRight(e, `\/`)
		}
		if e != "" {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, `\`)
}

// DirOf returns the folder part of a Windows path: everything before the
// last backslash or slash, or "" when there is none. A drive root keeps
// its backslash.
func DirOf(path string) string {
	i := strings.LastIndexAny(path, `\/`)
	if i < 0 {
		return ""
	}
	if i == 2 && path[1] == ':' {
		return path[:3]
	}
	return path[:i]
}
