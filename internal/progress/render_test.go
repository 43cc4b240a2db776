package progress

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/schollz/progressbar/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites the file with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output mismatch with %s (-want +got):\n%s", path, diff)
	}
}

// render feeds the pull stream in testdata/stream to r as image and
// finishes with the stream's outcome.
func render(t *testing.T, r Renderer, stream, image string) {
	t.Helper()
	err := ReadPull(strings.NewReader(fixture(t, stream)), image, r.Handle)
	r.Finish(image, err)
}

func TestPlain(t *testing.T) {
	tests := []struct {
		name    string
		streams []string
		golden  string
	}{
		{
			name:    "progress-bar-non-tty",
			streams: []string{"influxdb-pull.jsonl"},
			golden:  "influxdb-pull.plain.golden",
		},
		{
			name:    "pull-error-inside-200-stream",
			streams: []string{"pull-error-inside-200-stream.jsonl"},
			golden:  "pull-error-inside-200-stream.plain.golden",
		},
		{
			name:    "pull-progress-unknown-total",
			streams: []string{"pull-progress-unknown-total.jsonl"},
			golden:  "pull-progress-unknown-total.plain.golden",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := NewRenderer(&buf, false)
			for _, s := range tt.streams {
				render(t, r, s, "influxdb:2.7.11")
			}
			r.Close()
			out := buf.String()

			if strings.ContainsAny(out, "\r\x1b") {
				t.Errorf("output has a carriage return or escape:\n%q", out)
			}
			golden(t, tt.golden, out)
		})
	}
}

// TestPlainLinePerStateChange counts the lines of a pull: one per state
// change of a layer and per message about the image, none per byte
// update, and one for the outcome.
func TestPlainLinePerStateChange(t *testing.T) {
	events := readEvents(t, "influxdb-pull.jsonl", "influxdb:2.7.11")
	tr := NewTracker()
	want := 1 // the outcome
	for _, e := range events {
		if tr.Observe(e) || e.Layer == "" {
			want++
		}
	}

	var buf bytes.Buffer
	r := NewRenderer(&buf, false)
	render(t, r, "influxdb-pull.jsonl", "influxdb:2.7.11")
	r.Close()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")

	if len(lines) != want {
		t.Errorf("NewRenderer(false) wrote %d lines, want %d:\n%s",
			len(lines), want, buf.String())
	}
	if n := strings.Count(buf.String(), ": Downloading"); n != 2 {
		t.Errorf("NewRenderer(false) wrote %d Downloading lines, want 2 "+
			"(one per layer)", n)
	}
	if len(events) <= want {
		t.Errorf("the fixture has %d events for %d lines; it should have "+
			"byte updates that write no line", len(events), want)
	}
}

func TestPlainCleansControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	r := NewRenderer(&buf, false)
	r.Handle(Event{Image: "app:1", Layer: "a1", Status: "Waiting\r\x1b[2K"})
	r.Finish("app:1", errors.New("bad\rthing \x1b[31mred"))
	r.Close()

	want := "app:1 layer a1: Waiting  [2K\n" +
		"app:1: failed: bad thing  [31mred\n"
	if got := buf.String(); got != want {
		t.Errorf("NewRenderer(false) wrote %q, want %q", got, want)
	}
}

func TestPlainClose(t *testing.T) {
	var buf bytes.Buffer
	r := NewRenderer(&buf, false)
	r.Handle(Event{Image: "app:1", Layer: "a1", Status: "Waiting"})
	r.Handle(Event{Image: "db:2", Layer: "b2", Status: "Waiting"})
	r.Finish("db:2", nil)
	r.Close()
	r.Close()
	r.Handle(Event{Image: "app:1", Layer: "a1", Status: "Downloading"})

	want := "app:1 layer a1: Waiting\n" +
		"db:2 layer b2: Waiting\n" +
		"db:2: pulled (0 B)\n" +
		"app:1: stopped before the pull finished\n"
	if got := buf.String(); got != want {
		t.Errorf("NewRenderer(false) wrote %q, want %q", got, want)
	}
}

// TestPlainConcurrent pulls several images at once into one writer; every
// line must come out whole.
func TestPlainConcurrent(t *testing.T) {
	const images = 6
	w := &lineWriter{}
	r := NewRenderer(w, false)

	var wg sync.WaitGroup
	for i := range images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			render(t, r, "influxdb-pull.jsonl", fmt.Sprintf("image%d:1.0", i))
		}()
	}
	wg.Wait()
	r.Close()

	line := regexp.MustCompile(`^image\d:1\.0( layer [0-9a-f]{12})?: \S.*\n$`)
	outcomes := 0
	for _, write := range w.writes {
		if !line.MatchString(write) {
			t.Errorf("NewRenderer(false) wrote %q, want one whole line", write)
		}
		if strings.HasSuffix(write, ": pulled (30.2 MB)\n") {
			outcomes++
		}
	}
	if outcomes != images {
		t.Errorf("NewRenderer(false) wrote %d outcomes, want %d",
			outcomes, images)
	}
}

// lineWriter records each Write.
type lineWriter struct {
	mu     sync.Mutex
	writes []string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if IsTerminal(f) {
		t.Errorf("IsTerminal(%s) = true, want false for a file", f.Name())
	}
	if IsTerminal(nil) {
		t.Errorf("IsTerminal(nil) = true, want false")
	}
}

func TestNewRenderer(t *testing.T) {
	var buf bytes.Buffer
	if _, ok := NewRenderer(&buf, false).(*lines); !ok {
		t.Errorf("NewRenderer(false) is no plain renderer")
	}
	if _, ok := NewRenderer(&buf, true).(*bars); !ok {
		t.Errorf("NewRenderer(true) is no terminal renderer")
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{12_345_678, "12.3 MB"},
		{999_990, "1.0 MB"},
		{30_175_060, "30.2 MB"},
		{2_500_000_000, "2.5 GB"},
		{3_000_000_000_000, "3.0 TB"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestProgressbarLibrary pins what progressbar v3 does on its own, which
// is why the renderers work the way they do.
func TestProgressbarLibrary(t *testing.T) {
	// progress-bar-non-tty: progressbar does not look for a terminal and
	// writes carriage returns into any writer, so a log needs plain lines.
	t.Run("progress-bar-non-tty", func(t *testing.T) {
		var buf bytes.Buffer
		bar := progressbar.NewOptions64(3000,
			progressbar.OptionSetWriter(&buf),
			progressbar.OptionThrottle(0),
		)
		for range 3 {
			if err := bar.Add(1000); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(buf.String(), "\r") {
			t.Errorf("progressbar wrote %q, want a carriage return", buf.String())
		}
	})
}
