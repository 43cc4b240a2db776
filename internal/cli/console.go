package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"setup/internal/progress"
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
	waiting  string // the service a countdown line is shown for
	lastWait map[string]time.Time
}

func newConsole(out io.Writer, log io.Writer, terminal, quiet, verbose bool) *console {
	c := &console{out: out, log: log, terminal: terminal, quiet: quiet, verbose: verbose,
		lastWait: map[string]time.Time{}}
	if !quiet {
		c.pulls = progress.NewRenderer(out, terminal)
	}
	return c
}

// logf appends a line to the log file.
func (c *console) logf(format string, args ...any) {
	if c.log == nil {
		return
	}
	fmt.Fprintf(c.log, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// endWait ends a countdown line on a terminal.
func (c *console) endWait() {
	if c.waiting != "" && c.terminal {
		fmt.Fprint(c.out, "\r\033[K")
	}
	c.waiting = ""
}

func (c *console) Step(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logf("step %s", name)
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
	c.logf("%s", msg)
	if c.quiet {
		return
	}
	c.endWait()
	fmt.Fprintln(c.out, msg)
}

func (c *console) Pull(e progress.Event) {
	if c.pulls != nil {
		c.pulls.Handle(e)
	}
	if c.verbose && c.log != nil && e.Layer != "" && e.Status != "Downloading" && e.Status != "Extracting" {
		c.mu.Lock()
		c.logf("%s layer %s: %s", e.Image, e.Layer, e.Status)
		c.mu.Unlock()
	}
}

func (c *console) PullDone(image string, err error) {
	if c.pulls != nil {
		c.pulls.Finish(image, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.logf("%s: pull failed: %v", image, err)
		return
	}
	c.logf("%s: pulled", image)
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
	c.logf("%s", line)
	fmt.Fprintln(c.out, line)
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

// isTerminal reports whether f is a terminal that can show bars.
func isTerminal(f *os.File) bool {
	return progress.IsTerminal(f) && !strings.EqualFold(os.Getenv("TERM"), "dumb")
}
