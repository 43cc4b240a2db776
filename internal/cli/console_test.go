package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"setup/internal/progress"
)

func TestConsoleRedactsSecrets(t *testing.T) {
	var screen, log bytes.Buffer
	c := newConsole(&screen, &log, false, false, true)
	const secret = "Zq8xKp2mVw7rTn4s"
	c.Redact(secret)

	c.Step("services")
	c.Printf("app: token %s accepted", secret)
	c.PullDone("app:1.0.0", errors.New("denied for "+secret))
	screenText := c.fail(5, "error: pulling failed with "+secret+"\n")
	c.Close()

	for name, text := range map[string]string{"screen": screen.String() + screenText, "log": log.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s shows the secret:\n%s", name, text)
		}
		if !strings.Contains(text, "[redacted]") {
			t.Errorf("the %s does not mark what was redacted:\n%s", name, text)
		}
	}
}

func TestConsoleLogLines(t *testing.T) {
	var screen, log bytes.Buffer
	c := newConsole(&screen, &log, false, false, false)
	c.Step("pull")
	c.Printf("warning: memory: a little under")
	c.Pull(progress.Event{Image: "app:1", Layer: "abc", Status: "Pull complete"})
	c.PullDone("app:1", nil)
	c.Waiting("app", 30*time.Second)

	var levels []string
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var e entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if e.Step != "pull" {
			t.Errorf("log line %q has step %q, want pull", line, e.Step)
		}
		levels = append(levels, e.Level)
	}
	if want := "info warn info info"; strings.Join(levels, " ") != want {
		t.Errorf("levels = %q, want %q", strings.Join(levels, " "), want)
	}
	if strings.ContainsAny(screen.String(), "\r\x1b") {
		t.Errorf("plain output holds a carriage return or escape: %q", screen.String())
	}
}
