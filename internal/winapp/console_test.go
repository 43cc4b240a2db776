package winapp_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"setup/internal/winapp"
)

func TestShouldPause(t *testing.T) {
	noConsole := errors.New("The handle is invalid.")
	tests := []struct {
		name      string
		processes int
		err       error
		want      bool
	}{
		// Explorer gives a double-clicked program a console of its own.
		{name: "double-click-console-closes", processes: 1, want: true},
		{name: "started from cmd.exe", processes: 2, want: false},
		{name: "started from a shell in Windows Terminal", processes: 3, want: false},
		{name: "no console (pipes, CI)", err: noConsole, want: false},
		{name: "no console, zero", processes: 0, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := winapp.ShouldPause(tt.processes, tt.err); got != tt.want {
				t.Errorf("ShouldPause(%d, %v) = %v, want %v", tt.processes, tt.err, got, tt.want)
			}
		})
	}
}

func TestKeepOpen(t *testing.T) {
	tests := []struct {
		name      string
		processes int
		err       error
		code      int
		wantPause bool
	}{
		{name: "double-click-console-closes", processes: 1, code: 3010, wantPause: true},
		{name: "double-click, failure", processes: 1, code: 4, wantPause: true},
		{name: "shell", processes: 3, code: 3010},
		{name: "no console", err: errors.New("no console"), code: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.NewReader("\nnot read\n")
			var out bytes.Buffer
			pause := winapp.ShouldPause(tt.processes, tt.err)
			got := winapp.KeepOpen(pause, tt.code, in, &out)
			if got != tt.code {
				t.Errorf("KeepOpen() = %d, want the exit code %d unchanged", got, tt.code)
			}
			rest, _ := io.ReadAll(in)
			if tt.wantPause {
				if !strings.Contains(out.String(), winapp.PausePrompt) {
					t.Errorf("KeepOpen() printed %q, want %q", out.String(), winapp.PausePrompt)
				}
				if string(rest) == "\nnot read\n" {
					t.Errorf("KeepOpen() did not wait for a line")
				}
				return
			}
			if out.Len() != 0 || len(rest) != len("\nnot read\n") {
				t.Errorf("KeepOpen() printed %q and read %d bytes, want neither",
					out.String(), len("\nnot read\n")-len(rest))
			}
		})
	}
}

func TestPauseBeforeExitAtEndOfInput(t *testing.T) {
	var out bytes.Buffer
	winapp.PauseBeforeExit(strings.NewReader(""), &out)
	if !strings.Contains(out.String(), winapp.PausePrompt) {
		t.Errorf("PauseBeforeExit() printed %q, want %q", out.String(), winapp.PausePrompt)
	}
}
