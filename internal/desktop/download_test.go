package desktop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
	"setup/manifests"
)

// installerBytes returns n bytes of a made-up installer.
func installerBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// installerServer serves content with HTTP range support, unless hook
// answers request n (counted from 0) itself by returning true. It records
// each request's Range header and counts the body bytes it sends.
type installerServer struct {
	*httptest.Server
	content []byte
	hook    func(w http.ResponseWriter, r *http.Request, n int) bool

	mu     sync.Mutex
	ranges []string
	sent   int64
}

func newInstallerServer(t *testing.T, content []byte,
	hook func(w http.ResponseWriter, r *http.Request, n int) bool) *installerServer {
	t.Helper()
	s := &installerServer{content: content, hook: hook}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.ranges)
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		cw := &countingWriter{ResponseWriter: w, s: s}
		if s.hook != nil && s.hook(cw, r, n) {
			return
		}
		http.ServeContent(cw, r, "installer", time.Time{}, bytes.NewReader(s.content))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *installerServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

type countingWriter struct {
	http.ResponseWriter
	s *installerServer
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.s.mu.Lock()
	w.s.sent += int64(n)
	w.s.mu.Unlock()
	return n, err
}

func (w *countingWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// cut sends the first half of content as a whole-file answer, then
// drops the connection.
func cut(content []byte, at int) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 0 {
			return false
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.WriteHeader(http.StatusOK)
		w.Write(content[:at])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
}

// progressLog records progress callbacks.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progressLog) record(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int64{done, total})
}

func (p *progressLog) last() [2]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return [2]int64{-2, -2}
	}
	return p.calls[len(p.calls)-1]
}

// fetchOptions returns Options that download from url into a new folder,
// retrying at once up to retries times.
func fetchOptions(t *testing.T, url, sha string, retries uint64) (Options, *progressLog) {
	t.Helper()
	p := &progressLog{}
	return Options{
		Installer: manifests.Installer{
			Platform: "windows/amd64",
			Version:  "4.41.2",
			URL:      url + "/win/Docker%20Desktop%20Installer.exe",
			SHA256:   sha,
		},
		Dir:      t.TempDir(),
		Progress: p.record,
		Printf:   func(string, ...any) {},
		retry: func() backoff.BackOff {
			return backoff.WithMaxRetries(&backoff.ZeroBackOff{}, retries)
		},
	}, p
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFetch(t *testing.T) {
	content := installerBytes(300_000)
	s := newInstallerServer(t, content, nil)
	opts, progress := fetchOptions(t, s.URL, sum(content), 3)

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if want := filepath.Join(opts.Dir, "Docker Desktop Installer.exe"); got != want {
		t.Errorf("Fetch() = %q, want %q", got, want)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() wrote other bytes than served")
	}
	if last, want := progress.last(), [2]int64{300_000, 300_000}; last != want {
		t.Errorf("last progress = %v, want %v", last, want)
	}
	if diff := cmp.Diff([]string{"Docker Desktop Installer.exe"}, dirNames(t, opts.Dir)); diff != "" {
		t.Errorf("download folder (-want +got):\n%s", diff)
	}

	// The verified file is used again without asking the server.
	if _, err := Fetch(context.Background(), opts); err != nil {
		t.Fatalf("second Fetch() error = %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("the server got %d requests, want 1", n)
	}
}

func TestFetchResumesAfterCut(t *testing.T) {
	content := installerBytes(300_000)
	const at = 120_000
	s := newInstallerServer(t, content, cut(content, at))
	opts, progress := fetchOptions(t, s.URL, sum(content), 3)

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() wrote other bytes than served")
	}
	if diff := cmp.Diff([]string{"", fmt.Sprintf("bytes=%d-", at)}, s.requests()); diff != "" {
		t.Errorf("Range headers (-want +got):\n%s", diff)
	}
	if s.sent != int64(len(content)) {
		t.Errorf("the server sent %d bytes, want %d: the resumed part was sent again", s.sent, len(content))
	}
	// Progress goes on from where the cut left it, never backwards.
	prev := int64(0)
	for _, c := range progress.calls {
		if c[0] < prev {
			t.Fatalf("progress went back from %d to %d", prev, c[0])
		}
		prev = c[0]
	}
	if last := progress.last(); last != [2]int64{300_000, 300_000} {
		t.Errorf("last progress = %v, want the whole file", last)
	}
}

func TestFetchRetriesUnavailable(t *testing.T) {
	content := installerBytes(10_000)
	s := newInstallerServer(t, content, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n < 2 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	opts, _ := fetchOptions(t, s.URL, sum(content), 3)
	var said []string
	opts.Printf = func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) }

	if _, err := Fetch(context.Background(), opts); err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("the server got %d requests, want 3", n)
	}
	if len(said) != 2 || !strings.Contains(said[0], "503") {
		t.Errorf("Fetch() said %q, want two retries naming 503", said)
	}
}

func TestFetchGivesUp(t *testing.T) {
	s := newInstallerServer(t, nil, func(w http.ResponseWriter, r *http.Request, n int) bool {
		http.Error(w, "down", http.StatusBadGateway)
		return true
	})
	opts, _ := fetchOptions(t, s.URL, sum([]byte("x")), 2)

	_, err := Fetch(context.Background(), opts)
	if problem.ExitCode(err) != problem.Engine || !strings.Contains(err.Error(), "502") {
		t.Errorf("Fetch() = %v, want a problem.Engine error naming 502", err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("the server got %d requests, want 3 (one and two retries)", n)
	}
}

func TestFetchNotFound(t *testing.T) {
	s := newInstallerServer(t, nil, func(w http.ResponseWriter, r *http.Request, n int) bool {
		http.NotFound(w, r)
		return true
	})
	opts, _ := fetchOptions(t, s.URL, sum([]byte("x")), 3)

	_, err := Fetch(context.Background(), opts)
	if problem.ExitCode(err) != problem.Engine || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch() = %v, want a problem.Engine error naming 404", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("the server got %d requests, want 1: a 404 is not retried", n)
	}
}

func TestFetchChecksumMismatch(t *testing.T) {
	content := installerBytes(50_000)
	pinned := sum([]byte("the installer the manifest pins"))
	s := newInstallerServer(t, content, nil)
	opts, _ := fetchOptions(t, s.URL, strings.ToUpper(pinned), 3)

	got, err := Fetch(context.Background(), opts)
	var p *problem.Error
	if !errors.As(err, &p) || p.Code != problem.Engine {
		t.Fatalf("Fetch() = %q, %v; want a problem.Engine error", got, err)
	}
	for _, want := range []string{pinned, sum(content)} {
		if !strings.Contains(p.Evidence, want) {
			t.Errorf("evidence %q does not name %s", p.Evidence, want)
		}
	}
	if names := dirNames(t, opts.Dir); len(names) != 0 {
		t.Errorf("Fetch() left %q in the download folder, want nothing", names)
	}
}

func TestFetchRangeIgnored(t *testing.T) {
	content := installerBytes(200_000)
	first := cut(content, 70_000)
	s := newInstallerServer(t, content, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if first(w, r, n) {
			return true
		}
		// A server without range support: the whole file, every time.
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.Write(content)
		return true
	})
	opts, progress := fetchOptions(t, s.URL, sum(content), 3)

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() wrote other bytes than served")
	}
	if diff := cmp.Diff([]string{"", "bytes=70000-"}, s.requests()); diff != "" {
		t.Errorf("Range headers (-want +got):\n%s", diff)
	}
	if last := progress.last(); last != [2]int64{200_000, 200_000} {
		t.Errorf("last progress = %v, want the whole file", last)
	}
}

func TestFetchWrongRange(t *testing.T) {
	content := installerBytes(100_000)
	first := cut(content, 40_000)
	s := newInstallerServer(t, content, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n != 1 {
			return first(w, r, n)
		}
		// Claims a range, but not the one asked for.
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(content)-1, len(content)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(content)
		return true
	})
	opts, _ := fetchOptions(t, s.URL, sum(content), 3)

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() wrote other bytes than served")
	}
	if diff := cmp.Diff([]string{"", "bytes=40000-", ""}, s.requests()); diff != "" {
		t.Errorf("Range headers (-want +got):\n%s", diff)
	}
}

func TestFetchCompletePart(t *testing.T) {
	content := installerBytes(20_000)
	s := newInstallerServer(t, content, nil)
	opts, _ := fetchOptions(t, s.URL, sum(content), 3)
	part := filepath.Join(opts.Dir, "Docker Desktop Installer.exe"+partSuffix)
	if err := os.WriteFile(part, content, 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() kept other bytes than the part held")
	}
	// The server answers 416 with a short message, never the file.
	if diff := cmp.Diff([]string{"bytes=20000-"}, s.requests()); diff != "" {
		t.Errorf("Range headers (-want +got):\n%s", diff)
	}
	if s.sent >= int64(len(content)) {
		t.Errorf("the server sent %d body bytes: the file again", s.sent)
	}
}

func TestFetchReplacesStaleFile(t *testing.T) {
	content := installerBytes(20_000)
	s := newInstallerServer(t, content, nil)
	opts, _ := fetchOptions(t, s.URL, sum(content), 3)
	stale := filepath.Join(opts.Dir, "Docker Desktop Installer.exe")
	if err := os.WriteFile(stale, []byte("an older installer"), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if !bytes.Equal(readFile(t, got), content) {
		t.Error("Fetch() kept the stale file")
	}
}

func TestFetchUnknownLength(t *testing.T) {
	content := installerBytes(100_000)
	s := newInstallerServer(t, content, func(w http.ResponseWriter, r *http.Request, n int) bool {
		// Flushing before the end makes the answer chunked, without length.
		w.Write(content[:10])
		w.(http.Flusher).Flush()
		w.Write(content[10:])
		return true
	})
	opts, progress := fetchOptions(t, s.URL, sum(content), 3)

	if _, err := Fetch(context.Background(), opts); err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if last := progress.last(); last != [2]int64{100_000, -1} {
		t.Errorf("last progress = %v, want [100000 -1]", last)
	}
}

func TestFetchRefusesBadEntry(t *testing.T) {
	for _, tc := range []struct {
		name, url, sha string
	}{
		{"short checksum", "https://example.com/x.exe", "abc"},
		{"not hexadecimal", "https://example.com/x.exe", strings.Repeat("z", 64)},
		{"not http", "ftp://example.com/x.exe", strings.Repeat("a", 64)},
		{"no host", "https:///x.exe", strings.Repeat("a", 64)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{
				Installer: manifests.Installer{Platform: "windows/amd64", URL: tc.url, SHA256: tc.sha},
				Dir:       t.TempDir(),
			}
			_, err := Fetch(context.Background(), opts)
			if problem.ExitCode(err) != problem.Usage {
				t.Errorf("Fetch() = %v, want a problem.Usage error", err)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct {
		platform, url, want string
	}{
		{"windows/amd64", "https://desktop.docker.com/win/main/amd64/191736/Docker%20Desktop%20Installer.exe",
			"Docker Desktop Installer.exe"},
		{"darwin/arm64", "https://desktop.docker.com/mac/main/arm64/191736/Docker.dmg", "Docker.dmg"},
		{"darwin/arm64", "https://example.com/download?id=7", "Docker.dmg"},
		{"windows/arm64", "https://example.com/", "Docker Desktop Installer.exe"},
		{"windows/amd64", "https://example.com/..%2F..%2Fother.exe", "other.exe"},
		{"windows/amd64", "https://example.com/Docker.dmg", "Docker Desktop Installer.exe"},
		{"windows/amd64", "https://example.com/x.exe.part", "Docker Desktop Installer.exe"},
	} {
		got, err := fileName(manifests.Installer{Platform: tc.platform, URL: tc.url})
		if err != nil || got != tc.want {
			t.Errorf("fileName(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}

// TestFetchProxy downloads through HTTP_PROXY. The proxy settings are read
// once per process, so the download runs in a child process of the test.
func TestFetchProxy(t *testing.T) {
	content := installerBytes(30_000)
	if os.Getenv("DESKTOP_TEST_PROXY_CHILD") == "1" {
		opts := Options{
			Installer: manifests.Installer{
				Platform: "windows/amd64",
				// A reserved name that no resolver answers: only the
				// proxy can fetch it.
				URL:    "http://installer.invalid/Docker.exe",
				SHA256: sum(content),
			},
			Dir: t.TempDir(),
			retry: func() backoff.BackOff {
				return backoff.WithMaxRetries(&backoff.ZeroBackOff{}, 0)
			},
		}
		if _, err := Fetch(context.Background(), opts); err != nil {
			t.Fatalf("Fetch() through the proxy: %v", err)
		}
		return
	}

	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.String())
		mu.Unlock()
		w.Write(content)
	}))
	defer proxy.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestFetchProxy$", "-test.v")
	cmd.Env = append(os.Environ(),
		"DESKTOP_TEST_PROXY_CHILD=1",
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL,
		"NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child test failed: %v\n%s", err, out)
	}
	if diff := cmp.Diff([]string{"http://installer.invalid/Docker.exe"}, seen); diff != "" {
		t.Errorf("requests through the proxy (-want +got):\n%s", diff)
	}
}
