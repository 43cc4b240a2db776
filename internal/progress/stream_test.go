package progress

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
)

const rateLimitMessage = "toomanyrequests: You have reached your pull rate limit."

// fixture returns the content of testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadPull(t *testing.T) {
	tests := []struct {
		name    string
		stream  string // a file in testdata, or with inline the stream
		inline  bool   // whether stream is the stream itself
		events  int    // how many events are reported
		code    problem.Code
		message string // the daemon's message, "" when not a daemon error
		cause   error  // checked with errors.Is when not nil
	}{
		{
			name:   "success",
			stream: "influxdb-pull.jsonl",
			events: 22,
			code:   problem.OK,
		},
		{
			name:    "pull-error-inside-200-stream",
			stream:  "pull-error-inside-200-stream.jsonl",
			events:  1,
			code:    problem.RateLimited,
			message: rateLimitMessage,
		},
		{
			name:    "error after many progress messages",
			stream:  "error-after-progress.jsonl",
			events:  10,
			code:    problem.Image,
			message: "unauthorized: authentication required",
		},
		{
			name:    "error detail only",
			stream:  `{"errorDetail":{"message":"manifest unknown"}}`,
			inline:  true,
			code:    problem.Image,
			message: "manifest unknown",
		},
		{
			name:   "truncated stream",
			stream: "truncated.jsonl",
			events: 8,
			code:   problem.Image,
			cause:  io.ErrUnexpectedEOF,
		},
		{
			name:   "not JSON",
			stream: "garbage.txt",
			code:   problem.Image,
		},
		{
			name:   "garbage after progress",
			stream: `{"status":"Waiting","id":"a1"}` + "\r\nBad Gateway\r\n",
			inline: true,
			events: 1,
			code:   problem.Image,
		},
		{
			name:   "not an object",
			stream: `{"status":"Waiting","id":"a1"} 42`,
			inline: true,
			events: 1,
			code:   problem.Image,
		},
		{
			name:   "empty stream",
			stream: "",
			inline: true,
			code:   problem.OK,
		},
		{
			name:   "messages without status are skipped",
			stream: `{} {"id":"a1","progressDetail":{}}`,
			inline: true,
			code:   problem.OK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := tt.stream
			if !tt.inline {
				stream = fixture(t, tt.stream)
			}

			var events []Event
			err := ReadPull(strings.NewReader(stream), "influxdb:2.7.11",
				func(e Event) { events = append(events, e) })

			if got := problem.ExitCode(err); got != tt.code {
				t.Errorf("ReadPull() = %v, exit code %v, want %v",
					err, got, tt.code)
			}
			if len(events) != tt.events {
				t.Errorf("ReadPull() reported %d events, want %d",
					len(events), tt.events)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("ReadPull() = %v, want it to wrap %v", err, tt.cause)
			}
			if tt.message != "" {
				checkDaemonError(t, err, tt.message)
			}
		})
	}
}

// checkDaemonError fails unless err is a *problem.Error whose evidence
// and cause are message and whose text includes it.
func checkDaemonError(t *testing.T, err error, message string) {
	t.Helper()

	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("ReadPull() = %#v, want a *problem.Error", err)
	}
	if p.Evidence != message {
		t.Errorf("ReadPull() evidence = %q, want %q", p.Evidence, message)
	}
	if p.Err == nil || p.Err.Error() != message {
		t.Errorf("ReadPull() cause = %v, want %q", p.Err, message)
	}
	if !strings.Contains(err.Error(), message) {
		t.Errorf("ReadPull() = %q, want it to include %q", err, message)
	}
}

func TestReadPullEvents(t *testing.T) {
	var events []Event
	err := ReadPull(
		strings.NewReader(fixture(t, "influxdb-pull.jsonl")),
		"influxdb:2.7.11",
		func(e Event) { events = append(events, e) },
	)
	if err != nil {
		t.Fatalf("ReadPull() = %v, want nil", err)
	}

	// The first, one with numbers, one with an empty progressDetail and
	// the last.
	got := []Event{events[0], events[5], events[1], events[len(events)-1]}
	want := []Event{
		{
			Image:  "influxdb:2.7.11",
			Status: "Pulling from library/influxdb",
			Total:  -1,
		},
		{
			Image:   "influxdb:2.7.11",
			Layer:   "379cc190f32e",
			Status:  "Downloading",
			Current: 540672,
			Total:   29126484,
		},
		{
			Image:  "influxdb:2.7.11",
			Layer:  "aa11bb22cc33",
			Status: "Already exists",
			Total:  -1,
		},
		{
			Image:  "influxdb:2.7.11",
			Status: "Status: Downloaded newer image for influxdb:2.7.11",
			Total:  -1,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPull() events mismatch (-want +got):\n%s", diff)
	}
}

func TestReadPullCancelled(t *testing.T) {
	r := io.MultiReader(
		strings.NewReader(`{"status":"Waiting","id":"a1"}`+"\n"),
		errReader{context.Canceled},
	)
	err := ReadPull(r, "influxdb:2.7.11", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ReadPull() = %v, want context.Canceled", err)
	}
	if got := problem.ExitCode(err); got != problem.Failed {
		t.Errorf("ReadPull() exit code = %v, want %v", got, problem.Failed)
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestReadPullThroughDockerClient serves a pull stream over the engine API
// and reads it through the Docker client, as the engine package does.
func TestReadPullThroughDockerClient(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		code    problem.Code
		message string
	}{
		{
			name:    "pull-error-inside-200-stream",
			stream:  "pull-error-inside-200-stream.jsonl",
			code:    problem.RateLimited,
			message: rateLimitMessage,
		},
		{
			name:   "success",
			stream: "influxdb-pull.jsonl",
			code:   problem.OK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fixture(t, tt.stream)
			var query string
			mux := http.NewServeMux()
			mux.HandleFunc("/_ping", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Api-Version", "1.41")
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = io.WriteString(w, "OK")
			})
			mux.HandleFunc("POST /v1.41/images/create", func(w http.ResponseWriter, r *http.Request) {
				query = r.URL.RawQuery
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, body)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()

			cli, err := client.NewClientWithOpts(
				client.WithHost(srv.URL),
				client.WithAPIVersionNegotiation(),
				client.WithHTTPClient(srv.Client()),
			)
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()

			rc, err := cli.ImagePull(context.Background(), "influxdb:2.7.11",
				image.PullOptions{})
			if err != nil {
				t.Fatalf("ImagePull() = %v, want the stream (HTTP 200)", err)
			}
			defer rc.Close()
			err = ReadPull(rc, "influxdb:2.7.11", nil)

			if want := "fromImage=docker.io%2Flibrary%2Finfluxdb&tag=2.7.11"; query != want {
				t.Errorf("images/create query = %q, want %q", query, want)
			}
			if got := problem.ExitCode(err); got != tt.code {
				t.Errorf("ReadPull() = %v, exit code %v, want %v",
					err, got, tt.code)
			}
			if tt.message != "" {
				checkDaemonError(t, err, tt.message)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		message string
		code    problem.Code
		fix     string // a part of the fix
	}{
		{
			name:    "pull-error-inside-200-stream",
			message: rateLimitMessage,
			code:    problem.RateLimited,
			fix: "log in with 'docker login' or use a registry mirror, " +
				"then run setup again",
		},
		{
			name:    "rate limit in other words",
			message: "Error response from daemon: rate limit exceeded",
			code:    problem.RateLimited,
			fix:     "registry mirror",
		},
		{
			name:    "unauthorized",
			message: "unauthorized: authentication required",
			code:    problem.Image,
			fix:     "docker login",
		},
		{
			name: "access denied",
			message: "pull access denied for nosuch/app, repository does " +
				"not exist or may require 'docker login': denied: " +
				"requested access to the resource is denied",
			code: problem.Image,
			fix:  "docker login",
		},
		{
			name:    "manifest unknown",
			message: "manifest for influxdb:9.9.9 not found: manifest unknown: manifest unknown",
			code:    problem.Image,
			fix:     "check the image and version in the manifest",
		},
		{
			name:    "no-matching-manifest-windows-containers",
			message: "no matching manifest for windows/amd64 in the manifest list entries",
			code:    problem.Engine,
			fix:     "Docker is in Windows-containers mode; switch to Linux containers",
		},
		{
			name:    "no matching manifest for another platform",
			message: "no matching manifest for linux/s390x in the manifest list entries",
			code:    problem.Image,
		},
		{
			name:    "other",
			message: "failed to register layer: no space left on device",
			code:    problem.Image,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Classify(tt.message)

			if p.Code != tt.code {
				t.Errorf("Classify(%q) code = %v, want %v",
					tt.message, p.Code, tt.code)
			}
			if !strings.Contains(p.Fix, tt.fix) {
				t.Errorf("Classify(%q) fix = %q, want it to include %q",
					tt.message, p.Fix, tt.fix)
			}
			if p.Evidence != tt.message {
				t.Errorf("Classify(%q) evidence = %q, want the message",
					tt.message, p.Evidence)
			}
			if !strings.Contains(p.Error(), tt.message) {
				t.Errorf("Classify(%q) = %q, want it to include the message",
					tt.message, p.Error())
			}
		})
	}
}
