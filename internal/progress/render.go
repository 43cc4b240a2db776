package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// Renderer draws the progress of pulls; there is one implementation per
// kind of output. Its methods may be called from several goroutines, one
// per image being pulled.
type Renderer interface {
	// Handle shows one event.
	Handle(e Event)
	// Finish shows that the pull of image ended, with err nil on success.
	Finish(image string, err error)
	// Close ends the output; images not finished are shown as stopped.
	// Close may be called more than once.
	Close()
}

// NewRenderer returns a Renderer writing to w: progress bars when w is a
// terminal, plain lines otherwise (a log file, CI, an unattended run).
func NewRenderer(w io.Writer, terminal bool) Renderer {
	if terminal {
		return newBars(w)
	}
	return newLines(w)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// lines is the Renderer for output that is not a terminal: one line per
// change of a layer's state, never a carriage return or an escape
// sequence, so that logs stay readable.
type lines struct {
	mu       sync.Mutex
	w        io.Writer
	tracker  *Tracker
	images   []string // in the order first seen
	finished map[string]bool
	closed   bool
}

func newLines(w io.Writer) *lines {
	return &lines{w: w, tracker: NewTracker(), finished: map[string]bool{}}
}

// Handle writes a line when a layer changes state or the engine says
// something about the whole image; byte counts alone write nothing.
func (l *lines) Handle(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()

	if l.closed {
		return
	}
	l.seen(e.Image)
	changed := l.tracker.Observe(e)
	switch {
	case e.Layer == "":
		l.printf("%s: %s\n", clean(e.Image), clean(e.Status))
	case changed:
		l.printf("%s layer %s: %s\n",
			clean(e.Image), clean(e.Layer), clean(e.Status))
	}
}

// Finish writes the outcome of image.
func (l *lines) Finish(image string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	if l.closed {
		return
	}
	l.seen(image)
	l.finished[image] = true
	l.printf("%s\n", outcome(image, l.tracker.Image(image), err))
}

// Close writes a line for each image that was not finished.
func (l *lines) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()

	if l.closed {
		return
	}
	l.closed = true
	for _, image := range l.images {
		if !l.finished[image] {
			l.printf("%s\n", stopped(image))
		}
	}
}

// seen records image; the caller holds l.mu.
func (l *lines) seen(image string) {
	if _, ok := l.finished[image]; !ok {
		l.finished[image] = false
		l.images = append(l.images, image)
	}
}

// printf writes one whole line with a single Write, so that lines of
// images pulled at the same time do not interleave. Write errors are
// ignored: progress output is not worth failing a pull for.
func (l *lines) printf(format string, args ...any) {
	_, _ = io.WriteString(l.w, fmt.Sprintf(format, args...))
}

// outcome is the line that ends the output of image.
func outcome(image string, tot Totals, err error) string {
	if err != nil {
		return fmt.Sprintf("%s: failed: %s", clean(image), clean(err.Error()))
	}
	return fmt.Sprintf("%s: pulled (%s)", clean(image), formatBytes(tot.Current))
}

// stopped is the line for an image whose pull did not finish.
func stopped(image string) string {
	return clean(image) + ": stopped before the pull finished"
}

// clean replaces control characters, which could move the cursor or
// start an escape sequence, with spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// formatBytes renders n bytes with decimal units, as the engine does.
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB"} {
		v /= unit
		if v < unit-0.05 {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f TB", v/unit)
}
