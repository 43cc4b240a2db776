package tags

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"setup/internal/problem"
)

// anonymous is a keychain without credentials, so that tests do not read
// the Docker configuration of the machine they run on.
var anonymous = authn.NewMultiKeychain()

// newRegistry serves h on 127.0.0.1 and returns the registry's host:port.
func newRegistry(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// memoryRegistry returns an in-memory registry that logs nothing.
func memoryRegistry() http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)))
}

// push writes a small random image under each of tags of repo and returns
// its digest.
func push(t *testing.T, repo string, tags ...string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		ref, err := name.ParseReference(repo + ":" + tag)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatalf("pushing %s: %v", ref, err)
		}
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// asProblem returns the *problem.Error in err or fails the test.
func asProblem(t *testing.T, err error) *problem.Error {
	t.Helper()
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Resolve() error = %T %v, want a *problem.Error", err, err)
	}
	return p
}

func TestResolve(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, memoryRegistry())
	repo := host + "/influxdb"
	digests := map[string]string{
		"1.8.10":        push(t, repo, "1.8.10", "1.8"),
		"2.7.11":        push(t, repo, "2.7.11", "2.7", "2"),
		"2.7.11-alpine": push(t, repo, "2.7.11-alpine", "2.7-alpine"),
		"2.8.0-rc.1":    push(t, repo, "2.8.0-rc.1"),
		"3.0.0":         push(t, repo, "3.0.0", "latest"),
	}

	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{
			name: "influx-latest-major-jump: caret two",
			rule: Rule{Constraint: "^2"},
			want: "2.7.11",
		},
		{
			name: "influx-latest-major-jump: open range held to major 2",
			rule: Rule{Constraint: ">= 1.0", Major: major(2)},
			want: "2.7.11",
		},
		{
			name: "open range",
			rule: Rule{Constraint: ">= 1.0"},
			want: "3.0.0",
		},
		{
			name: "variant-suffix-parsed-as-prerelease: alpine",
			rule: Rule{Constraint: "^2", Variant: "alpine"},
			want: "2.7.11-alpine",
		},
		{
			name: "semver-prerelease-excluded: prereleases allowed",
			rule: Rule{Constraint: "^2", Prerelease: true},
			want: "2.8.0-rc.1",
		},
		{
			name: "build-metadata-equality: exact pin",
			rule: Rule{Constraint: "1.8.10"},
			want: "1.8.10",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewResolver(WithKeychain(anonymous))
			got, err := r.Resolve(context.Background(), repo, tt.rule)
			if err != nil {
				t.Fatalf("Resolve(%q, %+v) error: %v", repo, tt.rule, err)
			}
			want := Resolved{Repository: repo, Tag: tt.want, Digest: digests[tt.want]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Resolve(%q, %+v) mismatch (-want +got):\n%s", repo, tt.rule, diff)
			}
		})
	}
}

func TestResolveIndexDigest(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, memoryRegistry())
	repo := host + "/multi"
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(repo + ":1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	want, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}

	got, err := NewResolver(WithKeychain(anonymous)).
		Resolve(context.Background(), repo, Rule{Constraint: "^1"})
	if err != nil {
		t.Fatalf("Resolve() error: %v", err)
	}
	if got.Digest != want.String() {
		t.Errorf("Resolve().Digest = %s, want the index digest %s", got.Digest, want)
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	r := Resolved{
		Repository: "docker.io/library/influxdb",
		Tag:        "2.7.11-alpine",
		Digest:     "sha256:" + strings.Repeat("ab", 32),
	}
	want := "docker.io/library/influxdb:2.7.11-alpine@sha256:" + strings.Repeat("ab", 32)
	if got := r.Reference(); got != want {
		t.Errorf("Reference() = %q, want %q", got, want)
	}
	if _, err := name.NewDigest(r.Reference()); err != nil {
		t.Errorf("Reference() = %q, not a valid reference: %v", r.Reference(), err)
	}
}

// pagedTags answers the tag list of one repository in fixed pages, in the
// order given rather than sorted, each page pointing to the next with a
// Link header. Every other request goes to next.
type pagedTags struct {
	repo  string
	pages [][]string
	next  http.Handler

	mu     sync.Mutex
	served int
	agents []string
}

func (p *pagedTags) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v2/"+p.repo+"/tags/list" {
		p.next.ServeHTTP(w, req)
		return
	}

	page := 0
	if last := req.URL.Query().Get("last"); last != "" {
		page = slices.IndexFunc(p.pages, func(tags []string) bool {
			return tags[len(tags)-1] == last
		}) + 1
		if page == 0 {
			http.Error(w, "unknown last tag", http.StatusBadRequest)
			return
		}
	}
	p.mu.Lock()
	p.served++
	p.agents = append(p.agents, req.UserAgent())
	p.mu.Unlock()

	tags := p.pages[page]
	if page+1 < len(p.pages) {
		next := fmt.Sprintf("/v2/%s/tags/list?n=%d&last=%s",
			p.repo, len(tags), url.QueryEscape(tags[len(tags)-1]))
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"name": p.repo, "tags": tags})
}

// TestResolvePaged lists tags that arrive in several unsorted pages, the
// newest versions last.
func TestResolvePaged(t *testing.T) {
	t.Parallel()
	pages := [][]string{
		{"v1.9.0", "v2.4.9", "v2.4.10", "v2.9.233"},
		{"latest", "v2.10.0", "1.2.3-alpine", "v1.3.0-alpine"},
		{"v2.20.1", "2.20", "v1.2.3-alpine", "1.3.0-alpine", "v1.4.0-rc.1-alpine"},
	}
	mem := memoryRegistry()
	paged := &pagedTags{repo: "caddy", pages: pages, next: mem}
	host := newRegistry(t, paged)
	repo := host + "/caddy"
	digests := map[string]string{}
	for _, page := range pages {
		for _, tag := range page {
			digests[tag] = push(t, repo, tag)
		}
	}

	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{
			name: "dockerhub-hub-api-first-page-only: open range",
			rule: Rule{Constraint: ">= 1.0.0"},
			want: "v2.20.1",
		},
		{
			name: "dockerhub-hub-api-first-page-only: caret",
			rule: Rule{Constraint: "^2"},
			want: "v2.20.1",
		},
		{
			name: "variant on a later page, plain spelling preferred",
			rule: Rule{Constraint: "~1.2", Variant: "alpine"},
			want: "1.2.3-alpine",
		},
		{
			name: "variant across pages, v and plain mixed",
			rule: Rule{Constraint: "^1", Variant: "alpine"},
			want: "1.3.0-alpine",
		},
		{
			name: "prerelease with variant on the last page",
			rule: Rule{Constraint: "^1", Variant: "alpine", Prerelease: true},
			want: "v1.4.0-rc.1-alpine",
		},
		{
			name: "pin on the first page",
			rule: Rule{Constraint: "v2.4.10"},
			want: "v2.4.10",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paged.mu.Lock()
			before := paged.served
			paged.mu.Unlock()

			got, err := NewResolver(WithKeychain(anonymous)).
				Resolve(context.Background(), repo, tt.rule)
			if err != nil {
				t.Fatalf("Resolve(%+v) error: %v", tt.rule, err)
			}
			want := Resolved{Repository: repo, Tag: tt.want, Digest: digests[tt.want]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Resolve(%+v) mismatch (-want +got):\n%s", tt.rule, diff)
			}

			paged.mu.Lock()
			served := paged.served - before
			paged.mu.Unlock()
			if served != len(pages) {
				t.Errorf("Resolve() read %d pages of tags, want %d", served, len(pages))
			}
		})
	}

	shortcuts := "dockerhub-hub-api-first-page-only: not first page, not lexical"
	t.Run(shortcuts, func(t *testing.T) {
		rule := Rule{Constraint: ">= 1.0.0"}
		firstPage, err := Select(pages[0], rule)
		if err != nil {
			t.Fatal(err)
		}
		all := slices.Concat(pages...)
		lexical := slices.Max(all)
		got, err := Select(all, rule)
		if err != nil {
			t.Fatal(err)
		}
		// Both shortcuts give v2.9.233; the answer is v2.20.1.
		for _, wrong := range []string{firstPage, lexical} {
			if got == wrong {
				t.Errorf("Select(all pages) = %q, the same as a shortcut", got)
			}
		}
		if firstPage != "v2.9.233" || lexical != "v2.9.233" {
			t.Errorf("shortcuts = %q, %q, want v2.9.233 from both", firstPage, lexical)
		}
	})

	t.Run("user agent", func(t *testing.T) {
		paged.mu.Lock()
		agents := slices.Clone(paged.agents)
		paged.mu.Unlock()
		if len(agents) == 0 {
			t.Fatal("no tag list request was seen")
		}
		for _, ua := range agents {
			if !strings.HasPrefix(ua, "setup ") {
				t.Errorf("User-Agent = %q, want it to start with %q", ua, "setup ")
			}
		}
	})
}

// limited answers the registry ping, and answers 429 on the tag list or on
// the manifest.
type limited struct {
	on      string // "tags" or "manifests"
	body    string
	json    bool
	headers map[string]string

	mu       sync.Mutex
	requests map[string]int // by the last-but-one path element
}

func (l *limited) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	elems := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	kind := "ping"
	if len(elems) >= 3 {
		kind = elems[len(elems)-2]
	}
	l.mu.Lock()
	l.requests[kind]++
	l.mu.Unlock()

	switch {
	case kind == "ping":
		w.WriteHeader(http.StatusOK)
	case kind == l.on:
		for k, v := range l.headers {
			w.Header().Set(k, v)
		}
		if l.json {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain")
		}
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, l.body)
	case kind == "tags":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"app","tags":["1.0.0","latest"]}`)
	default:
		http.NotFound(w, req)
	}
}

func TestResolveRateLimit(t *testing.T) {
	t.Parallel()
	hubHeaders := map[string]string{
		"ratelimit-limit":     "100;w=21600",
		"ratelimit-remaining": "0;w=21600",
	}
	quotaBody := `{"errors":[{"code":"TOOMANYREQUESTS","message":` +
		`"anonymous pulls from this address have hit the pull rate limit"}]}`
	const (
		wait  = "wait and try again later"
		login = "docker login"
	)

	tests := []struct {
		name     string
		server   *limited
		fix      string
		notFix   string
		evidence string
	}{
		{
			name: "dockerhub-429-two-limits: infrastructure limit",
			server: &limited{
				on:      "tags",
				body:    "Too Many Requests (HAP429)",
				headers: hubHeaders,
			},
			fix:      wait,
			notFix:   login,
			evidence: "rate limit: 0 of 100 left in a 21600 s window (6h0m0s)",
		},
		{
			name: "dockerhub-429-two-limits: pull quota",
			server: &limited{
				on:      "tags",
				body:    quotaBody,
				json:    true,
				headers: hubHeaders,
			},
			fix:      login + " 127.0.0.1",
			notFix:   wait,
			evidence: "rate limit: 0 of 100 left in a 21600 s window (6h0m0s)",
		},
		{
			name: "dockerhub-429-two-limits: pull quota on the manifest",
			server: &limited{
				on:      "manifests",
				headers: hubHeaders,
			},
			fix:      "or use a registry mirror",
			notFix:   wait,
			evidence: "rate limit: 0 of 100 left in a 21600 s window (6h0m0s)",
		},
		{
			name: "dockerhub-429-two-limits: manifest without headers",
			server: &limited{
				on: "manifests",
			},
			fix:      "if it keeps happening, log in with 'docker login",
			notFix:   "logging in does not lift it",
			evidence: "",
		},
		{
			name: "dockerhub-429-two-limits: infrastructure limit without headers",
			server: &limited{
				on:   "tags",
				body: "Too Many Requests (HAP429)",
			},
			fix:      wait,
			notFix:   login,
			evidence: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.server.requests = map[string]int{}
			repo := newRegistry(t, tt.server) + "/app"

			_, err := NewResolver(WithKeychain(anonymous)).
				Resolve(context.Background(), repo, Rule{Constraint: "^1"})
			p := asProblem(t, err)
			if p.Code != problem.RateLimited {
				t.Errorf("Resolve() code = %v, want %v", p.Code, problem.RateLimited)
			}
			if !strings.Contains(p.Fix, tt.fix) || strings.Contains(p.Fix, tt.notFix) {
				t.Errorf("Resolve() fix = %q, want it to hold %q and not %q",
					p.Fix, tt.fix, tt.notFix)
			}
			if p.Evidence != tt.evidence {
				t.Errorf("Resolve() evidence = %q, want %q", p.Evidence, tt.evidence)
			}

			tt.server.mu.Lock()
			defer tt.server.mu.Unlock()
			if got := tt.server.requests[tt.server.on]; got != 1 {
				t.Errorf("server saw %d %s requests, want 1 (no retry)", got, tt.server.on)
			}
		})
	}
}

// basicAuth lets requests through to next only with the given user and
// password, as a registry with basic authentication does.
func basicAuth(user, password string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		if !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED",`+
				`"message":"authentication required"}]}`)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// staticKeychain holds one login for one registry.
type staticKeychain struct {
	registry, user, password string
}

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() != k.registry {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: k.user, Password: k.password}), nil
}

func TestResolveAuth(t *testing.T) {
	t.Parallel()
	mem := memoryRegistry()
	open := newRegistry(t, mem)
	digest := push(t, open+"/private", "1.0.0")
	host := newRegistry(t, basicAuth("alice", "s3cret", mem))
	repo := host + "/private"

	t.Run("with credentials", func(t *testing.T) {
		t.Parallel()
		r := NewResolver(WithKeychain(staticKeychain{host, "alice", "s3cret"}))
		got, err := r.Resolve(context.Background(), repo, Rule{Constraint: "^1"})
		if err != nil {
			t.Fatalf("Resolve() error: %v", err)
		}
		want := Resolved{Repository: repo, Tag: "1.0.0", Digest: digest}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Resolve() mismatch (-want +got):\n%s", diff)
		}
	})

	for _, kc := range []struct {
		name     string
		keychain authn.Keychain
	}{
		{"without credentials", anonymous},
		{"with wrong credentials", staticKeychain{host, "alice", "guess"}},
	} {
		t.Run(kc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewResolver(WithKeychain(kc.keychain)).
				Resolve(context.Background(), repo, Rule{Constraint: "^1"})
			p := asProblem(t, err)
			if p.Code != problem.Image {
				t.Errorf("Resolve() code = %v, want %v", p.Code, problem.Image)
			}
			want := fmt.Sprintf("log in to %s with 'docker login %s'", host, host)
			if !strings.Contains(p.Fix, want) {
				t.Errorf("Resolve() fix = %q, want it to hold %q", p.Fix, want)
			}
		})
	}
}

func TestResolveForbidden(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"errors":[{"code":"DENIED",`+
			`"message":"access to this repository is denied"}]}`)
	}))

	_, err := NewResolver(WithKeychain(anonymous)).
		Resolve(context.Background(), host+"/app", Rule{Constraint: "^1"})
	p := asProblem(t, err)
	want := fmt.Sprintf("'docker login %s'", host)
	if p.Code != problem.Image || !strings.Contains(p.Fix, want) {
		t.Errorf("Resolve() = code %v, fix %q; want code %v and a fix holding %q",
			p.Code, p.Fix, problem.Image, want)
	}
}

func TestResolveNotFound(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, memoryRegistry())
	push(t, host+"/present", "1.0.0")
	repo := host + "/absent"

	_, err := NewResolver(WithKeychain(anonymous)).
		Resolve(context.Background(), repo, Rule{Constraint: "^1"})
	p := asProblem(t, err)
	if p.Code != problem.Image {
		t.Errorf("Resolve() code = %v, want %v", p.Code, problem.Image)
	}
	for _, want := range []string{"image field of the manifest", repo} {
		if !strings.Contains(p.Fix, want) {
			t.Errorf("Resolve() fix = %q, want it to hold %q", p.Fix, want)
		}
	}
}

func TestResolveNoMatch(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, memoryRegistry())
	repo := host + "/influxdb"
	push(t, repo, "1.8.10", "2.7.11", "2.7", "latest")
	push(t, repo, "2.7.11-alpine", "alpine")

	_, err := NewResolver(WithKeychain(anonymous)).
		Resolve(context.Background(), repo, Rule{Constraint: "^3", Variant: "alpine"})
	p := asProblem(t, err)
	want := &problem.Error{
		Code: problem.Image,
		What: fmt.Sprintf(`no tag of %s matches "^3" with variant "alpine"`, repo),
		Fix: "change the tag constraint of the image in the manifest " +
			"to one the registry publishes",
		Evidence: "listed 6 tags, 3 of them full versions " +
			"(3 floating or other tags skipped)\n" +
			`highest versions with variant "alpine": 2.7.11-alpine` + "\n" +
			"highest versions of any variant: 2.7.11, 2.7.11-alpine, 1.8.10",
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("Resolve() error mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveUnreachable(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()

	_, err = NewResolver(WithKeychain(anonymous)).
		Resolve(context.Background(), host+"/app", Rule{Constraint: "^1"})
	p := asProblem(t, err)
	if p.Code != problem.Image {
		t.Errorf("Resolve() code = %v, want %v", p.Code, problem.Image)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Resolve() error = %v, want it to carry the refused connection", err)
	}
	for _, want := range []string{"network", "HTTPS_PROXY", "HTTP_PROXY"} {
		if !strings.Contains(p.Fix, want) {
			t.Errorf("Resolve() fix = %q, want it to hold %q", p.Fix, want)
		}
	}
}

func TestResolveBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		image string
		rule  Rule
		want  string // a substring of the error
	}{
		{
			name:  "build-metadata-equality: pin with build metadata",
			image: "127.0.0.1:1/app",
			rule:  Rule{Constraint: "2.7.11+build.5"},
			want:  "build metadata",
		},
		{
			name:  "image with a tag",
			image: "influxdb:2",
			rule:  Rule{Constraint: "^2"},
			want:  `"influxdb:2" is not an image repository`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewResolver(WithKeychain(anonymous)).
				Resolve(context.Background(), tt.image, tt.rule)
			if err == nil {
				t.Fatalf("Resolve(%q, %+v) = nil error, want one", tt.image, tt.rule)
			}
			p := asProblem(t, err)
			if p.Code != problem.Usage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolve() = code %v, %q; want code %v and %q",
					p.Code, err, problem.Usage, tt.want)
			}
		})
	}
}

func TestResolveCancelled(t *testing.T) {
	t.Parallel()
	host := newRegistry(t, memoryRegistry())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := NewResolver(WithKeychain(anonymous)).
		Resolve(ctx, host+"/app", Rule{Constraint: "^1"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve() error = %v, want context.Canceled", err)
	}
	var p *problem.Error
	if errors.As(err, &p) {
		t.Errorf("Resolve() error = %v, a *problem.Error; want the bare cancellation", err)
	}
}

func TestRateLimitEvidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit, remaining string
		want             string
	}{
		{"100;w=21600", "0;w=21600", "rate limit: 0 of 100 left in a " +
			"21600 s window (6h0m0s)"},
		{"200;w=21600", "57;w=21600", "rate limit: 57 of 200 left in a " +
			"21600 s window (6h0m0s)"},
		{"100", "3", "rate limit: 3 of 100 left"},
		{"100;w=60", "", "rate limit: 100 in a 60 s window (1m0s)"},
		{"", "0;w=3600", "rate limit: 0 left in a 3600 s window (1h0m0s)"},
		{"", "", ""},
	}
	for _, tt := range tests {
		rec := &rateLimitRecorder{limit: tt.limit, remaining: tt.remaining}
		if got := rec.evidence(); got != tt.want {
			t.Errorf("evidence(%q, %q) = %q, want %q", tt.limit, tt.remaining, got, tt.want)
		}
	}
}
