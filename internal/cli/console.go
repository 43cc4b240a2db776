package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"setup/internal/progress"
	"setup/internal/winapp"
)

// console shows progress to a person and writes the log. It implements
// bootstrap.Reporter.
type console struct {
	mu       sync.Mutex
	out      io.Writer // progress, normally stderr
	log      io.Writer // the --log file, or nil
	terminal bool
	quiet    bool
	verbose  bool
	pulls    progress.Renderer
	step     string
	secrets  []string
	waiting  string // the service a countdown line is shown for
	lastWait map[string]time.Time
}

func newConsole(out io.Writer, log io.Writer, terminal, quiet, verbose bool) *console {
	c := &console{out: out, log: log, terminal: terminal, quiet: quiet, verbose: verbose,
		lastWait: map[string]time.Time{}}
	if !quiet {
		c.pulls = progress.NewRenderer(&redacting{c: c, w: out}, terminal)
	}
	return c
}

// entry is one line of the --log file.
type entry struct {
	Time    time.Time      `json:"time"`
	Level   string         `json:"level"`
	Step    string         `json:"step,omitempty"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// record appends a JSON line to the log file, secrets redacted. The caller
// holds c.mu.
func (c *console) record(level, message string, fields map[string]any) {
	if c.log == nil {
		return
	}
	for k, v := range fields {
		if s, ok := v.(string); ok {
			fields[k] = c.redact(s)
		}
	}
	line, err := json.Marshal(entry{
		Time:    time.Now().UTC(),
		Level:   level,
		Step:    c.step,
		Message: c.redact(message),
		Fields:  fields,
	})
	if err != nil {
		return
	}
	c.log.Write(append(line, '\n'))
}

// logf records an info line.
func (c *console) logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record("info", fmt.Sprintf(format, args...), nil)
}

// Redact adds values that must never be shown or logged.
func (c *console) Redact(values ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range values {
		if len(v) >= 4 {
			c.secrets = append(c.secrets, v)
		}
	}
}

// redact replaces every secret in s. The caller holds c.mu.
func (c *console) redact(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// redacting filters what the progress renderer writes.
type redacting struct {
	c *console
	w io.Writer
}

func (r *redacting) Write(p []byte) (int, error) {
	r.c.mu.Lock()
	s := r.c.redact(string(p))
	r.c.mu.Unlock()
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// endWait ends a countdown line on a terminal. The caller holds c.mu.
func (c *console) endWait() {
	if c.waiting != "" && c.terminal {
		fmt.Fprint(c.out, "\r\033[K")
	}
	c.waiting = ""
}

func (c *console) Step(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = name
	c.record("info", "step "+name, nil)
	if c.quiet || !c.verbose {
		return
	}
	c.endWait()
	fmt.Fprintf(c.out, "==> %s\n", name)
}

func (c *console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	level := "info"
	if strings.HasPrefix(msg, "warning: ") {
		level = "warn"
	}
	c.record(level, msg, nil)
	if c.quiet {
		return
	}
	c.endWait()
	if c.terminal {
		// Start on a clean line: a progress bar may hold this one.
		fmt.Fprint(c.out, "\r\033[K")
	}
	fmt.Fprintln(c.out, c.redact(msg))
}

// plan shows one change a dry run would make, on stdout.
func (c *console) plan(out io.Writer) func(string) {
	return func(action string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.record("info", "would "+action, map[string]any{"dry_run": true})
		fmt.Fprintln(out, "would "+c.redact(action))
	}
}

func (c *console) Pull(e progress.Event) {
	if c.pulls != nil {
		c.pulls.Handle(e)
	}
	if e.Layer == "" || e.Status == "Downloading" || e.Status == "Extracting" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.verbose {
		c.record("debug", e.Status, map[string]any{"image": e.Image, "layer": e.Layer})
	}
}

func (c *console) PullDone(image string, err error) {
	if c.pulls != nil {
		c.pulls.Finish(image, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.record("error", "pull failed", map[string]any{"image": image, "error": err.Error()})
		return
	}
	c.record("info", "pulled", map[string]any{"image": image})
}

// Waiting shows a countdown: one line rewritten in place on a terminal,
// a line every ten seconds elsewhere.
func (c *console) Waiting(service string, left time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.quiet {
		return
	}
	if c.terminal {
		c.waiting = service
		fmt.Fprintf(c.out, "\r\033[K%s: waiting for health, %s left", service, left)
		return
	}
	if time.Since(c.lastWait[service]) < 10*time.Second {
		return
	}
	c.lastWait[service] = time.Now()
	line := fmt.Sprintf("%s: waiting for health, %s left", service, left)
	c.record("info", line, map[string]any{"service": service, "seconds_left": left.Seconds()})
	fmt.Fprintln(c.out, line)
}

// fail records the error that ends the run and returns its text for the
// screen, both with secrets redacted.
func (c *console) fail(code int, text string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record("error", strings.TrimSpace(text), map[string]any{"exit_code": code})
	return c.redact(text)
}

// Close ends the progress display.
func (c *console) Close() {
	if c.pulls != nil {
		c.pulls.Close()
	}
	c.mu.Lock()
	c.endWait()
	c.mu.Unlock()
}

// isTerminal reports whether f is a terminal that can show bars and
// colours: on Windows, a console with virtual-terminal processing on.
func isTerminal(f *os.File) bool {
	return winapp.EnableVirtualTerminal(f) && !strings.EqualFold(os.Getenv("TERM"), "dumb")
}
