package progress

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/schollz/progressbar/v3"
)

// screen returns the lines a terminal shows after out: a carriage return
// goes back to the start of the line, later characters overwrite earlier
// ones. Trailing spaces are dropped.
func screen(out string) []string {
	var lines [][]rune
	var line []rune
	col := 0
	for _, r := range out {
		switch r {
		case '\r':
			col = 0
		case '\n':
			lines = append(lines, line)
			line, col = nil, 0
		default:
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
		}
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	var shown []string
	for _, l := range lines {
		shown = append(shown, strings.TrimRight(string(l), " "))
	}
	return shown
}

// terminal returns a terminal Renderer writing to buf, as its concrete
// type.
func terminal(t *testing.T, buf *bytes.Buffer) *bars {
	t.Helper()
	b, ok := NewRenderer(buf, true).(*bars)
	if !ok {
		t.Fatalf("NewRenderer(true) = %T, want *bars", b)
	}
	return b
}

// checkMaxes fails if any bar of b has a max of 0, which progressbar
// cannot draw.
func checkMaxes(t *testing.T, b *bars) {
	t.Helper()
	for _, ib := range b.images {
		for _, bar := range []*progressbar.ProgressBar{ib.spinner, ib.bytes} {
			if bar.GetMax64() == 0 || bar.State().Max == 0 {
				t.Errorf("bar of %s has max 0", ib.name)
			}
		}
	}
}

func TestBarsUnknownTotal(t *testing.T) {
	t.Run("pull-progress-unknown-total", func(t *testing.T) {
		var buf bytes.Buffer
		b := terminal(t, &buf)
		for _, e := range readEvents(t, "pull-progress-unknown-total.jsonl", "influxdb:2.7.11") {
			b.Handle(e)
		}

		ib := b.byName["influxdb:2.7.11"]
		if got := ib.shown().State().Max; got != -1 {
			t.Errorf("shown bar max = %d, want -1 (a spinner)", got)
		}
		if got := ib.shown().State().CurrentBytes; got != 7395421 {
			t.Errorf("shown bar bytes = %v, want 7395421 "+
				"(aa11bb22cc33 counts 0)", got)
		}
		if !strings.Contains(buf.String(), "7.4 MB") {
			t.Errorf("NewRenderer(true) wrote %q, want the bytes so far", buf.String())
		}
		checkMaxes(t, b)

		b.Finish("influxdb:2.7.11", nil)
		want := []string{"influxdb:2.7.11: pulled (7.4 MB)"}
		if diff := cmp.Diff(want, screen(buf.String())); diff != "" {
			t.Errorf("screen mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("all layers exist", func(t *testing.T) {
		var buf bytes.Buffer
		b := terminal(t, &buf)
		b.Handle(Event{Image: "app:1", Layer: "a1", Status: "Already exists", Total: -1})
		b.Handle(Event{Image: "app:1", Layer: "b2", Status: "Already exists", Total: -1})

		if got := b.byName["app:1"].shown().State().Max; got != -1 {
			t.Errorf("shown bar max = %d, want -1 for a total of 0", got)
		}
		checkMaxes(t, b)
	})

	t.Run("newBar", func(t *testing.T) {
		for _, max := range []int64{0, -1, -5} {
			if got := newBar(max, "app:1", 40).State().Max; got != -1 {
				t.Errorf("newBar(%d).State().Max = %d, want -1", max, got)
			}
		}
	})
}

// TestBarsSpinnerToBytes checks that the bar shown once the total is known
// starts from the bytes already counted.
func TestBarsSpinnerToBytes(t *testing.T) {
	var buf bytes.Buffer
	b := terminal(t, &buf)
	events := []Event{
		{Image: "app:1", Layer: "a1", Status: "Pulling fs layer", Total: -1},
		{Image: "app:1", Layer: "b2", Status: "Pulling fs layer", Total: -1},
		{Image: "app:1", Layer: "a1", Status: "Downloading", Current: 900, Total: 1000},
		{Image: "app:1", Layer: "b2", Status: "Downloading", Current: 300, Total: 2000},
	}
	var maxes []int64
	for _, e := range events {
		b.Handle(e)
		maxes = append(maxes, b.byName["app:1"].shown().State().Max)
	}

	if diff := cmp.Diff([]int64{-1, -1, -1, 3000}, maxes); diff != "" {
		t.Errorf("shown bar max mismatch (-want +got):\n%s", diff)
	}
	if got := b.byName["app:1"].shown().State().CurrentNum; got != 1200 {
		t.Errorf("shown bar position = %d, want 1200", got)
	}
	checkMaxes(t, b)
}

// TestBarsOneLine pulls two images at once: only the first one started is
// drawn until it finishes, then each outcome takes a line of its own.
func TestBarsOneLine(t *testing.T) {
	var buf bytes.Buffer
	r := NewRenderer(&buf, true)

	r.Handle(Event{Image: "app:1", Layer: "a1", Status: "Downloading", Current: 100, Total: 1000})
	r.Handle(Event{Image: "db:2", Layer: "b1", Status: "Downloading", Current: 50, Total: 500})
	r.Handle(Event{Image: "db:2", Layer: "b1", Status: "Pull complete", Total: -1})
	r.Finish("db:2", nil)

	if !strings.Contains(buf.String(), "app:1") {
		t.Errorf("NewRenderer(true) wrote %q, want the bar of app:1", buf.String())
	}
	if strings.Contains(buf.String(), "db:2") {
		t.Errorf("NewRenderer(true) wrote %q before app:1 finished, "+
			"want nothing of db:2", buf.String())
	}

	r.Finish("app:1", errors.New("pulling app:1: unauthorized"))
	r.Close()
	want := []string{
		"app:1: failed: pulling app:1: unauthorized",
		"db:2: pulled (500 B)",
	}
	if diff := cmp.Diff(want, screen(buf.String())); diff != "" {
		t.Errorf("screen mismatch (-want +got):\n%s", diff)
	}
}

func TestBarsMore(t *testing.T) {
	var buf bytes.Buffer
	r := NewRenderer(&buf, true)
	r.Handle(Event{Image: "db:2", Layer: "b1", Status: "Waiting", Total: -1})
	r.Handle(Event{Image: "app:1", Layer: "a1", Status: "Waiting", Total: -1})
	r.Finish("db:2", nil)

	got := screen(buf.String())
	if len(got) != 2 || got[0] != "db:2: pulled (0 B)" ||
		!strings.Contains(got[1], "app:1") || strings.Contains(got[1], "more") {
		t.Errorf("screen = %q, want the outcome of db:2, then the bar of "+
			"app:1 alone", got)
	}
	if !strings.Contains(buf.String(), "(+1 more)") {
		t.Errorf("NewRenderer(true) wrote %q, want (+1 more) while both pull",
			buf.String())
	}
}

func TestBars(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		close  bool // Close without Finish
		want   []string
	}{
		{
			name:   "success",
			stream: "influxdb-pull.jsonl",
			want:   []string{"influxdb:2.7.11: pulled (30.2 MB)"},
		},
		{
			name:   "pull-error-inside-200-stream",
			stream: "pull-error-inside-200-stream.jsonl",
			want: []string{
				"influxdb:2.7.11: failed: the registry's pull rate limit " +
					"was reached while pulling influxdb:2.7.11: " +
					rateLimitMessage,
			},
		},
		{
			name:   "closed before the end",
			stream: "influxdb-pull.jsonl",
			close:  true,
			want:   []string{"influxdb:2.7.11: stopped before the pull finished"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			b := terminal(t, &buf)
			if tt.close {
				_ = ReadPull(strings.NewReader(fixture(t, tt.stream)),
					"influxdb:2.7.11", b.Handle)
			} else {
				render(t, b, tt.stream, "influxdb:2.7.11")
			}
			checkMaxes(t, b)
			b.Close()
			b.Close()

			if diff := cmp.Diff(tt.want, screen(buf.String())); diff != "" {
				t.Errorf("screen mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(buf.String(), "\x1b") {
				t.Errorf("NewRenderer(true) wrote an escape sequence: %q",
					buf.String())
			}
		})
	}
}

// TestBarsConcurrent pulls several images at once; run it with -race.
func TestBarsConcurrent(t *testing.T) {
	const images = 5
	var buf safeBuffer
	r := NewRenderer(&buf, true)

	var wg sync.WaitGroup
	var want []string
	for i := range images {
		image := fmt.Sprintf("image%d:1.0", i)
		want = append(want, image+": pulled (30.2 MB)")
		wg.Add(1)
		go func() {
			defer wg.Done()
			render(t, r, "influxdb-pull.jsonl", image)
		}()
	}
	wg.Wait()
	r.Close()

	got := screen(buf.String())
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("screen mismatch (-want +got):\n%s", diff)
	}
}

// safeBuffer is a bytes.Buffer for several goroutines.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"influxdb", 4, "infl"},
		{"influxdb", 8, "influxdb"},
		{"⠋ app", 3, "⠋ a"},
		{"app", 0, "app"},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

// TestProgressbarMax pins how progressbar v3 treats a max of 0 and -1,
// and a spinner whose max becomes known.
func TestProgressbarMax(t *testing.T) {
	type result struct {
		Output   string
		Finished bool
		NaN      bool // whether the percentage is NaN
		Max      int64
	}
	run := func(max int64) result {
		var buf bytes.Buffer
		bar := progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(&buf),
			progressbar.OptionThrottle(0),
			progressbar.OptionSetSpinnerChangeInterval(0),
		)
		_ = bar.Add(1000)
		_ = bar.Finish()
		s := bar.State()
		return result{
			Output:   buf.String(),
			Finished: bar.IsFinished(),
			NaN:      math.IsNaN(s.CurrentPercent),
			Max:      s.Max,
		}
	}

	// pull-progress-unknown-total: a max of 0 draws nothing and never
	// finishes; -1 is a spinner that finishes.
	t.Run("pull-progress-unknown-total max 0", func(t *testing.T) {
		want := result{Output: "", Finished: false, NaN: true, Max: 0}
		if diff := cmp.Diff(want, run(0)); diff != "" {
			t.Errorf("progressbar with max 0 mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("pull-progress-unknown-total max -1", func(t *testing.T) {
		got := run(-1)
		if !got.Finished || got.NaN || got.Max != -1 {
			t.Errorf("progressbar with max -1 = %+v, want a finished spinner", got)
		}
		if !strings.HasPrefix(got.Output, "\r") || len(got.Output) < 2 {
			t.Errorf("progressbar with max -1 wrote %q, want a spinner frame",
				got.Output)
		}
	})

	// A spinner keeps its position modulo its width, so after ChangeMax64
	// it is far behind the bytes counted: the reason for two bars.
	t.Run("spinner to bar", func(t *testing.T) {
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(&bytes.Buffer{}),
			progressbar.OptionThrottle(0),
			progressbar.OptionSetSpinnerChangeInterval(0),
		)
		_ = bar.Add(1000)
		bar.ChangeMax64(3000)
		_ = bar.Set64(1500)
		if got := bar.State().CurrentNum; got == 1500 {
			t.Errorf("spinner turned bar at %d, want it behind 1500; "+
				"the two-bar design may no longer be needed", got)
		}
	})
}
