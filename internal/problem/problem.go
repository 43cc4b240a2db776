// Package problem defines the one error type that setup shows to a person:
// what went wrong, what to do about it, and the exit code it maps to.
//
// Errors that are not a *Error are bugs or unexpected failures; they map to
// exit code 1. Code anywhere in setup may return a *Error, wrapped or not;
// the command line finds it with errors.As and prints it once, at the top.
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// Code is a process exit code. The map is the same for every command and
// is documented in the README.
type Code int

// The exit codes of setup.
const (
	OK            Code = 0
	Failed        Code = 1
	Usage         Code = 2
	Prerequisites Code = 3
	Engine        Code = 4
	Image         Code = 5
	Unhealthy     Code = 6
	RateLimited   Code = 7
	Cancelled     Code = 1602
	Busy          Code = 1618
	RebootStarted Code = 1641
	Reboot        Code = 3010
)

// String names the code the way the README does.
func (c Code) String() string {
	switch c {
	case OK:
		return "done"
	case Failed:
		return "failed"
	case Usage:
		return "bad usage or bad manifest"
	case Prerequisites:
		return "prerequisites not met"
	case Engine:
		return "container engine unavailable"
	case Image:
		return "image resolve or pull failed"
	case Unhealthy:
		return "a service did not become healthy"
	case RateLimited:
		return "registry rate limit reached"
	case Cancelled:
		return "cancelled by the user"
	case Busy:
		return "another setup is running"
	case RebootStarted:
		return "done, restart started"
	case Reboot:
		return "done, reboot required"
	}
	return fmt.Sprintf("exit code %d", int(c))
}

// Error is a failure a person can act on.
type Error struct {
	// Code is the exit code the failure maps to.
	Code Code
	// What says what went wrong, in one sentence, lowercase.
	What string
	// Fix says what to do about it; empty when there is nothing to do.
	Fix string
	// Evidence is what was seen: a daemon's message, a command's output.
	Evidence string
	// Err is the underlying error, if any.
	Err error
}

// New returns an *Error with the given code, description and fix.
func New(code Code, what, fix string) *Error {
	return &Error{Code: code, What: what, Fix: fix}
}

// Wrap returns an *Error that carries err as its cause and evidence.
func Wrap(code Code, err error, what, fix string) *Error {
	return &Error{Code: code, What: what, Fix: fix, Err: err}
}

// Error returns what went wrong and, when known, the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.What
	}
	return e.What + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Usagef returns a usage error (exit 2) with a formatted description.
func Usagef(format string, args ...any) *Error {
	return &Error{
		Code: Usage,
		What: fmt.Sprintf(format, args...),
		Fix:  "run 'setup --help' for the commands and flags",
	}
}

// ExitCode maps err to the process exit code: 0 for nil, the code of the
// first *Error in its chain, or 1 for anything else.
func ExitCode(err error) Code {
	if err == nil {
		return OK
	}
	var p *Error
	if errors.As(err, &p) {
		return p.Code
	}
	return Failed
}

// Format renders err for a person: what went wrong, the evidence and the
// fix, each on its own lines. Errors that are not an *Error are shown as
// unexpected failures.
func Format(err error) string {
	var p *Error
	if !errors.As(err, &p) {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	label := "error: "
	if p.Code == Reboot || p.Code == RebootStarted {
		label = "note: "
	}
	b.WriteString(label + err.Error() + "\n")
	// Evidence already in the error's text is not shown again.
	if p.Evidence != "" && !strings.Contains(err.Error(), strings.TrimSpace(p.Evidence)) {
		for _, line := range strings.Split(strings.TrimRight(p.Evidence, "\n"), "\n") {
			b.WriteString("  | " + line + "\n")
		}
	}
	if p.Fix != "" {
		b.WriteString("fix: " + p.Fix + "\n")
	}
	return b.String()
}
