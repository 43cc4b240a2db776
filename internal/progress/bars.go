package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// drawInterval is the least time between two redraws of a bar.
const drawInterval = 100 * time.Millisecond

// unknownMax is the max given to a bytes bar whose total is not known
// yet. It is never 0: progressbar v3 draws nothing for a max of 0 and
// computes a percentage of NaN.
const unknownMax = math.MaxInt64

// bars is the Renderer for a terminal: one progress bar per image, with
// bytes, rate and time left.
//
// progressbar draws a single line with carriage returns and knows no
// other bar, so two bars writing at once would overwrite each other. bars
// therefore owns the line: the progressbar of each image renders into
// its String only, and bars draws the bar of one image at a time, the
// first one started that has not finished. When it finishes, its line is
// replaced by a summary and the next image's bar, which has been counting
// all along, takes its place. This needs nothing from the terminal but a
// carriage return, so it also works on consoles without ANSI sequences.
type bars struct {
	mu       sync.Mutex
	w        io.Writer
	tracker  *Tracker
	images   []*imageBar // in the order first seen
	byName   map[string]*imageBar
	focus    int       // index in images of the image on screen
	width    int       // width of what is on the current line
	lastDraw time.Time // when the current line was last drawn
	closed   bool
}

// imageBar is the progress of one image on a terminal.
//
// A spinner shows while the image's size is unknown and a bar of bytes
// once it is known. They are separate because progressbar keeps the
// position of a spinner modulo its width: a spinner turned into a bar
// with ChangeMax64 would start from the wrong place. Both are fed from
// the first event on, so that the rate they show is right.
type imageBar struct {
	name     string
	spinner  *progressbar.ProgressBar // max -1
	bytes    *progressbar.ProgressBar // max the total, once known
	max      int64                    // the max last given to bytes
	known    bool                     // whether bytes is the one shown
	finished bool
	stopped  bool // closed before it finished
	err      error
}

func newBars(w io.Writer) *bars {
	return &bars{w: w, tracker: NewTracker(), byName: map[string]*imageBar{}}
}

// Handle counts e and redraws the bar on screen.
func (b *bars) Handle(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()

	if b.closed {
		return
	}
	_, seen := b.byName[e.Image]
	ib := b.image(e.Image)
	if ib.finished {
		return
	}
	changed := b.tracker.Observe(e)
	switched := ib.update(b.tracker.Image(e.Image))

	// A new layer state, a new kind of bar or a new image (counted in
	// the line) is drawn at once; byte counts at most every drawInterval.
	if b.focused() == ib || !seen {
		b.draw(changed || switched || !seen)
	}
}

// Finish records the outcome of image; it is shown once every image
// started before it has finished.
func (b *bars) Finish(image string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	if b.closed {
		return
	}
	ib := b.image(image)
	if ib.finished {
		return
	}
	ib.finished, ib.err = true, err
	b.advance()
}

// Close shows the outcome of every image, the unfinished ones as stopped.
func (b *bars) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()

	if b.closed {
		return
	}
	for _, ib := range b.images {
		if !ib.finished {
			ib.finished, ib.stopped = true, true
		}
	}
	b.advance()
	b.closed = true
}

// image returns the bar of name, creating it when it is new. The caller
// holds b.mu.
func (b *bars) image(name string) *imageBar {
	if ib, ok := b.byName[name]; ok {
		return ib
	}
	// Leave room on the line for the percentage, the byte counts, the
	// rate and the times.
	width := b.columns() - utf8.RuneCountInString(name) - 56
	width = min(max(width, 10), 40)
	ib := &imageBar{
		name:    name,
		spinner: newBar(-1, name, width),
		bytes:   newBar(unknownMax, name, width),
		max:     unknownMax,
	}
	b.byName[name] = ib
	b.images = append(b.images, ib)
	return ib
}

// newBar returns a progressbar for image that renders into its String
// only. A max of 0 or below makes a spinner.
func newBar(maxBytes int64, image string, width int) *progressbar.ProgressBar {
	if maxBytes <= 0 {
		maxBytes = -1
	}
	return progressbar.NewOptions64(maxBytes,
		progressbar.OptionSetWriter(io.Discard),
		progressbar.OptionSetDescription(clean(image)+" "),
		progressbar.OptionSetWidth(width),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(maxBytes > 0),
		// bars throttles the drawing; the text must always be current.
		progressbar.OptionThrottle(0),
		// Without this the spinner redraws itself from a goroutine.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}

// update feeds tot to both bars of ib and reports whether the one to show
// changed.
func (ib *imageBar) update(tot Totals) (switched bool) {
	_ = ib.spinner.Set64(tot.Current)

	known := tot.Total > 0
	if known && ib.max != tot.Total {
		ib.bytes.ChangeMax64(tot.Total)
		ib.max = tot.Total
	}
	_ = ib.bytes.Set64(min(tot.Current, ib.max))

	switched = known != ib.known
	ib.known = known
	return switched
}

// shown returns the bar of ib that is shown.
func (ib *imageBar) shown() *progressbar.ProgressBar {
	if ib.known {
		return ib.bytes
	}
	return ib.spinner
}

// focused returns the image on screen, nil when all have finished. The
// caller holds b.mu.
func (b *bars) focused() *imageBar {
	if b.focus < len(b.images) {
		return b.images[b.focus]
	}
	return nil
}

// advance replaces the bars of finished images on screen with their
// outcome, in the order the images started, and draws the next one. The
// caller holds b.mu.
func (b *bars) advance() {
	moved := false
	for ib := b.focused(); ib != nil && ib.finished; ib = b.focused() {
		b.clearLine()
		line := outcome(ib.name, b.tracker.Image(ib.name), ib.err)
		if ib.stopped {
			line = stopped(ib.name)
		}
		b.write(line + "\n")
		b.focus++
		moved = true
	}
	if moved {
		b.draw(true)
	}
}

// draw redraws the bar of the focused image; unless force, at most every
// drawInterval. The caller holds b.mu.
func (b *bars) draw(force bool) {
	ib := b.focused()
	if ib == nil {
		return
	}
	if !force && time.Since(b.lastDraw) < drawInterval {
		return
	}

	text := strings.TrimSpace(strings.TrimLeft(ib.shown().String(), "\r"))
	if text == "" {
		return
	}
	if more := b.running() - 1; more > 0 {
		text += fmt.Sprintf("  (+%d more)", more)
	}

	// A line longer than the terminal wraps, and the carriage return
	// would then go back to the start of the last row only.
	text = truncate(text, b.columns()-1)
	n := utf8.RuneCountInString(text)
	b.write("\r" + text + strings.Repeat(" ", max(b.width-n, 0)))
	b.width = max(b.width, n)
	b.lastDraw = time.Now()
}

// running returns how many images have not finished. The caller holds
// b.mu.
func (b *bars) running() int {
	n := 0
	for _, ib := range b.images[b.focus:] {
		if !ib.finished {
			n++
		}
	}
	return n
}

// clearLine blanks the current line and moves to its start. The caller
// holds b.mu.
func (b *bars) clearLine() {
	if b.width > 0 {
		b.write("\r" + strings.Repeat(" ", b.width) + "\r")
	}
	b.width = 0
}

// write writes s; progress output is not worth failing a pull for, so
// errors are ignored. The caller holds b.mu.
func (b *bars) write(s string) {
	_, _ = io.WriteString(b.w, s)
}

// columns returns the width of the terminal, 80 when it is not known.
func (b *bars) columns() int {
	if f, ok := b.w.(*os.File); ok {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
			return c
		}
	}
	return 80
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
