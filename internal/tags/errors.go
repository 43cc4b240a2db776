package tags

import (
	"net/url"
	"os"

	"context"
	"errors"
	"fmt"
	"golang.org/x/net/http/httpproxy"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"setup/internal/problem"
)

// classify turns a failed registry request into an error a person can act
// on. what says which request failed.
func classify(ctx context.Context, err error, image string, repo name.Repository,
	limits *rateLimitRecorder, what string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("resolving %s: %w", image, ctx.Err())
	}
	registry := loginName(repo.Registry)

	status, codes := statusOf(err)
	switch {
	case status == http.StatusTooManyRequests ||
		hasCode(codes, transport.TooManyRequestsErrorCode):
		return rateLimited(err, repo, limits)

	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		hasCode(codes, transport.UnauthorizedErrorCode, transport.DeniedErrorCode):
		return &problem.Error{
			Code: problem.Image,
			What: fmt.Sprintf("%s refused access to %s", registry, image),
			Fix: fmt.Sprintf("log in to %s with 'docker login %s' (setup "+
				"uses the same credentials), and check that the image "+
				"field of the manifest names %q correctly", registry, registry, image),
			Err: err,
		}

	case hasCode(codes, transport.ManifestUnknownErrorCode):
		return &problem.Error{
			Code: problem.Image,
			What: what + ": the tag was listed but its manifest is gone",
			Fix:  "try again; the tag may have moved while setup was reading it",
			Err:  err,
		}

	case status == http.StatusNotFound || hasCode(codes, transport.NameUnknownErrorCode):
		return &problem.Error{
			Code: problem.Image,
			What: fmt.Sprintf("repository %s was not found on %s", image, registry),
			Fix: fmt.Sprintf("check the image field of the manifest: %q "+
				"does not name a repository the registry knows", image),
			Err: err,
		}

	case status != 0:
		return &problem.Error{
			Code: problem.Image,
			What: what,
			Fix: fmt.Sprintf("try again later; if it keeps failing, %s "+
				"may be having trouble", registry),
			Err: err,
		}
	}

	if isNetwork(err) {
		return &problem.Error{
			Code:     problem.Image,
			What:     fmt.Sprintf("could not reach %s", registry),
			Evidence: ProxyNote(repo.Registry.RegistryStr(), os.Getenv),
			Fix: "check the network connection and the HTTPS_PROXY and " +
				"HTTP_PROXY settings; behind a proxy that inspects HTTPS, " +
				"its certificate must be trusted by the system",
			Err: err,
		}
	}
	return &problem.Error{Code: problem.Image, What: what, Err: err}
}

// ProxyNote says how setup's own requests reach host: through which proxy,
// named by the environment variable that set it, or directly.
func ProxyNote(host string, getenv func(string) string) string {
	scheme := "https"
	if strings.HasPrefix(host, "localhost") || strings.HasPrefix(host, "127.") {
		scheme = "http"
	}
	cfg := httpproxy.Config{
		HTTPProxy:  firstEnv(getenv, "HTTP_PROXY", "http_proxy"),
		HTTPSProxy: firstEnv(getenv, "HTTPS_PROXY", "https_proxy"),
		NoProxy:    firstEnv(getenv, "NO_PROXY", "no_proxy"),
	}
	u := &url.URL{Scheme: scheme, Host: host}
	proxy, err := cfg.ProxyFunc()(u)
	switch {
	case err != nil:
		return fmt.Sprintf("setup's proxy setting is not usable: %v", err)
	case proxy == nil:
		return fmt.Sprintf("setup connected to %s directly (no HTTPS_PROXY or HTTP_PROXY applies)", host)
	}
	variable := "HTTPS_PROXY"
	if scheme == "http" {
		variable = "HTTP_PROXY"
	}
	return fmt.Sprintf("setup connected to %s through the proxy %s, from its own %s setting",
		host, proxy.Redacted(), variable)
}

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// rateLimited explains a 429. Docker Hub answers 429 for two different
// limits: a bare "Too Many Requests" body is its infrastructure-wide
// protection, which logging in does not lift; a "toomanyrequests" error
// that mentions the pull rate limit is the per-account or per-address
// pull quota, which logging in raises. An answer to HEAD has no body; there
// rate limit headers that show nothing remaining mean the quota, and
// without them the two cannot be told apart.
func rateLimited(err error, repo name.Repository, limits *rateLimitRecorder) error {
	registry := loginName(repo.Registry)
	_, codes := statusOf(err)
	text := strings.ToLower(err.Error())
	var terr *transport.Error
	headOnly := errors.As(err, &terr) && terr.Request != nil &&
		terr.Request.Method == http.MethodHead
	quota := hasCode(codes, transport.TooManyRequestsErrorCode) ||
		strings.Contains(text, "pull rate limit") ||
		headOnly && limits.exhausted()

	p := &problem.Error{
		Code:     problem.RateLimited,
		Evidence: limits.evidence(),
		Err:      err,
	}
	login := fmt.Sprintf("log in with 'docker login %s', which raises "+
		"the limit, or use a registry mirror", registry)
	switch {
	case quota:
		p.What = fmt.Sprintf("the pull rate limit of %s is used up", registry)
		p.Fix = login
	case headOnly:
		p.What = fmt.Sprintf("%s answered 'too many requests'", registry)
		p.Fix = "wait and try again later; if it keeps happening, " + login
	default:
		p.What = fmt.Sprintf("%s is turning away requests for now "+
			"(too many requests)", registry)
		p.Fix = "wait and try again later; this limit protects the " +
			"registry as a whole and logging in does not lift it"
	}
	return p
}

// statusOf returns the HTTP status and error codes of a registry error,
// or zero and nil when err did not come from a registry response.
func statusOf(err error) (int, []string) {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return 0, nil
	}
	var codes []string
	for _, d := range terr.Errors {
		codes = append(codes, string(d.Code))
	}
	return terr.StatusCode, codes
}

func hasCode(codes []string, want ...transport.ErrorCode) bool {
	for _, c := range codes {
		for _, w := range want {
			if strings.EqualFold(c, string(w)) {
				return true
			}
		}
	}
	return false
}

// isNetwork reports whether err means the registry could not be reached
// or spoken to: refused connections, name lookups, proxies, TLS.
func isNetwork(err error) bool {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return false
	}
	// Every failure of an HTTP client call is a *url.Error, which is a
	// net.Error; so are refused connections, failed lookups, proxy and TLS
	// failures beneath it.
	var netErr net.Error
	return errors.As(err, &netErr)
}

// loginName is the registry name a person passes to 'docker login'.
func loginName(reg name.Registry) string {
	if reg.RegistryStr() == name.DefaultRegistry {
		return "docker.io"
	}
	return reg.RegistryStr()
}

// rateLimitRecorder passes requests on and remembers the rate limit
// headers of the last response that carried them, such as Docker Hub's
// "ratelimit-limit: 100;w=21600" and "ratelimit-remaining: 0;w=21600".
type rateLimitRecorder struct {
	inner http.RoundTripper

	mu        sync.Mutex
	limit     string
	remaining string
}

// RoundTrip implements http.RoundTripper.
func (r *rateLimitRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.inner.RoundTrip(req)
	if resp == nil {
		return resp, err
	}
	limit := resp.Header.Get("RateLimit-Limit")
	remaining := resp.Header.Get("RateLimit-Remaining")
	if limit != "" || remaining != "" {
		r.mu.Lock()
		r.limit, r.remaining = limit, remaining
		r.mu.Unlock()
	}
	return resp, err
}

// evidence describes the recorded limit, such as "rate limit: 0 of 100
// left in a 21600 s window (6h0m0s)", or returns "" when none was seen.
func (r *rateLimitRecorder) evidence() string {
	r.mu.Lock()
	limit, remaining := r.limit, r.remaining
	r.mu.Unlock()

	n, w := parseQuota(limit)
	left, lw := parseQuota(remaining)
	if w == "" {
		w = lw
	}
	var window string
	if w != "" {
		window = " in a " + w + " s window"
		if s, err := strconv.Atoi(w); err == nil {
			window += fmt.Sprintf(" (%s)", time.Duration(s)*time.Second)
		}
	}

	switch {
	case n != "" && left != "":
		return fmt.Sprintf("rate limit: %s of %s left%s", left, n, window)
	case n != "":
		return fmt.Sprintf("rate limit: %s%s", n, window)
	case left != "":
		return fmt.Sprintf("rate limit: %s left%s", left, window)
	}
	return ""
}

// exhausted reports whether the recorded headers show nothing remaining.
func (r *rateLimitRecorder) exhausted() bool {
	r.mu.Lock()
	remaining := r.remaining
	r.mu.Unlock()
	left, _ := parseQuota(remaining)
	return left == "0"
}

// parseQuota splits a rate limit header value such as "100;w=21600" into
// the count and the window in seconds.
func parseQuota(v string) (count, window string) {
	parts := strings.Split(v, ";")
	count = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "w" {
			window = strings.TrimSpace(val)
		}
	}
	return count, window
}
