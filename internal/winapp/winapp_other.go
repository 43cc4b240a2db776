//go:build !windows

package winapp

import (
	"context"
	"os"

	"golang.org/x/term"
)

// Register writes e to the registry; Windows only.
func Register(e Entry, perUser bool) error { return ErrNotSupported }

// ReadEntry reads a registry key; Windows only.
func ReadEntry(key string, perUser bool) (Entry, error) { return Entry{}, ErrNotSupported }

// Unregister deletes the Add/Remove Programs entry; Windows only.
func Unregister(productID string, perUser bool) error { return ErrNotSupported }

// RegisterResume registers the command run after the next sign-in;
// Windows only.
func RegisterResume(productID, exe string, args []string, perUser bool) error {
	return ErrNotSupported
}

// ReadResume returns the registered resume command; Windows only.
func ReadResume(productID string, perUser bool) (string, error) {
	return "", ErrNotSupported
}

// UnregisterResume deletes the resume command; Windows only.
func UnregisterResume(productID string, perUser bool) error { return ErrNotSupported }

// Elevated reports whether the process runs as root.
func Elevated() bool { return os.Geteuid() == 0 }

// Elevate relaunches setup with administrator rights; Windows only.
func Elevate(ctx context.Context, args []string) (int, error) {
	return -1, ErrNotSupported
}

// ConsoleProcesses counts the processes on the console; Windows only.
func ConsoleProcesses() (int, error) { return 0, ErrNotSupported }

// StartedByDoubleClick is false: only Windows opens a console window for
// a program started from the file manager.
func StartedByDoubleClick() bool { return false }

// EnableVirtualTerminal reports whether f is a terminal: terminals here
// read ANSI escape sequences without being asked.
func EnableVirtualTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
