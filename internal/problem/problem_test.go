package problem

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	unhealthy := New(Unhealthy, "app did not become healthy", "see the logs")
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, OK},
		{"plain error", errors.New("boom"), Failed},
		{"problem", unhealthy, Unhealthy},
		{"wrapped problem", fmt.Errorf("upgrading app: %w", unhealthy), Unhealthy},
		{"joined", errors.Join(errors.New("x"), New(Busy, "busy", "")), Busy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	p := &Error{Code: Image, What: "pulling app", Err: errors.New("denied"),
		Evidence: "line one\nline two", Fix: "log in"}
	got := Format(fmt.Errorf("installing: %w", p))
	want := "error: installing: pulling app: denied\n  | line one\n  | line two\nfix: log in\n"
	if got != want {
		t.Errorf("Format() = %q, want %q", got, want)
	}

	// Evidence already in the message is not repeated.
	dup := &Error{Code: Image, What: "rate limit", Err: errors.New("toomanyrequests: slow down"),
		Evidence: "toomanyrequests: slow down"}
	if got := Format(dup); strings.Count(got, "slow down") != 1 {
		t.Errorf("Format() = %q, want the evidence once", got)
	}
	if got := Format(errors.New("boom")); got != "error: boom\n" {
		t.Errorf("Format(plain) = %q", got)
	}
}

func TestCodeNames(t *testing.T) {
	seen := map[string]Code{}
	for _, c := range []Code{OK, Failed, Usage, Prerequisites, Engine, Image, Unhealthy,
		RateLimited, Cancelled, Busy, RebootStarted, Reboot} {
		name := c.String()
		if strings.HasPrefix(name, "exit code") {
			t.Errorf("code %d has no name", c)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("codes %d and %d share the name %q", c, other, name)
		}
		seen[name] = c
	}
}
