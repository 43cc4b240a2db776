package tags

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"setup/internal/problem"
)

// userAgent is the product name sent to registries.
const userAgent = "setup"

// Resolved is a tag chosen from a repository and the digest it pointed to
// when it was chosen.
type Resolved struct {
	// Repository is the repository as the caller named it, such as
	// "docker.io/library/influxdb" or "127.0.0.1:5000/app".
	Repository string
	// Tag is the chosen tag.
	Tag string
	// Digest is the "sha256:..." digest of the manifest the tag points to;
	// for a multi-platform image, the digest of its index.
	Digest string
}

// Reference returns the reference that pins the tag to its digest,
// "repository:tag@digest".
func (r Resolved) Reference() string {
	return r.Repository + ":" + r.Tag + "@" + r.Digest
}

// Resolver lists the tags of image repositories and resolves rules to
// digests. Its zero value is not usable; use NewResolver.
type Resolver struct {
	keychain  authn.Keychain
	transport http.RoundTripper
}

// Option configures a Resolver.
type Option func(*Resolver)

// WithTransport sets the HTTP transport used to reach registries. The
// default, remote.DefaultTransport, honours HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY.
func WithTransport(t http.RoundTripper) Option {
	return func(r *Resolver) { r.transport = t }
}

// WithKeychain sets where registry credentials come from. The default,
// authn.DefaultKeychain, reads the Docker configuration and its
// credential helpers, the same as 'docker login' writes.
func WithKeychain(k authn.Keychain) Option {
	return func(r *Resolver) { r.keychain = k }
}

// NewResolver returns a Resolver with the given options.
func NewResolver(opts ...Option) *Resolver {
	r := &Resolver{
		keychain:  authn.DefaultKeychain,
		transport: remote.DefaultTransport,
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Resolve lists every tag of the repository image, chooses one by rule
// and returns it with the digest it points to. Failures a person can act
// on, such as a rate limit, missing credentials, an unknown repository or
// an unreachable registry, are returned as a *problem.Error.
func (r *Resolver) Resolve(ctx context.Context, image string, rule Rule) (Resolved, error) {
	if err := rule.Validate(); err != nil {
		return Resolved{}, &problem.Error{
			Code: problem.Usage,
			What: fmt.Sprintf("the tag rule of %s is not valid", image),
			Fix:  "correct the tag constraint or variant of this image in the manifest",
			Err:  err,
		}
	}
	repo, err := name.NewRepository(image)
	if err != nil {
		return Resolved{}, &problem.Error{
			Code: problem.Usage,
			What: fmt.Sprintf("%q is not an image repository", image),
			Fix: "write the image field of the manifest as a repository " +
				`without a tag, such as "docker.io/library/influxdb"`,
			Err: err,
		}
	}

	limits := &rateLimitRecorder{inner: r.transport}
	puller, err := remote.NewPuller(
		remote.WithContext(ctx),
		remote.WithTransport(limits),
		remote.WithAuthFromKeychain(r.keychain),
		remote.WithUserAgent(userAgent),
		remote.WithRetryStatusCodes(retryStatusCodes...),
	)
	if err != nil {
		return Resolved{}, fmt.Errorf("configuring registry client: %w", err)
	}

	tags, err := puller.List(ctx, repo)
	if err != nil {
		return Resolved{}, classify(ctx, err, image, repo, limits,
			fmt.Sprintf("listing the tags of %s failed", image))
	}
	tag, ok := choose(tags, rule)
	if !ok {
		return Resolved{}, noMatch(image, tags, rule)
	}

	desc, err := digestOf(ctx, puller, repo.Tag(tag))
	if err != nil {
		return Resolved{}, classify(ctx, err, image, repo, limits,
			fmt.Sprintf("looking up the digest of %s:%s failed", image, tag))
	}
	return Resolved{Repository: image, Tag: tag, Digest: desc.Digest.String()}, nil
}

// retryStatusCodes are the statuses retried with a short backoff:
// go-containerregistry's defaults without 429. Retrying a rate limit
// within seconds only spends more of the quota.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// digestOf asks for the descriptor of ref with HEAD, which registries
// such as Docker Hub do not count as a pull, and falls back to GET when
// the HEAD answer is unusable.
func digestOf(ctx context.Context, p *remote.Puller, ref name.Tag) (*v1.Descriptor, error) {
	desc, err := p.Head(ctx, ref)
	if err == nil {
		return desc, nil
	}
	if decisive(err) || ctx.Err() != nil {
		return nil, err
	}
	got, gerr := p.Get(ctx, ref)
	if gerr != nil {
		return nil, errors.Join(err, gerr)
	}
	return &got.Descriptor, nil
}

// decisive reports whether a failed request says something that another
// request to the same registry would only repeat.
func decisive(err error) bool {
	if isNetwork(err) {
		return true
	}
	status, codes := statusOf(err)
	if slices.Contains([]int{
		http.StatusUnauthorized,
		http.StatusForbidden,
		http.StatusNotFound,
		http.StatusTooManyRequests,
	}, status) {
		return true
	}
	return slices.ContainsFunc(codes, func(c string) bool {
		return strings.EqualFold(c, "TOOMANYREQUESTS")
	})
}
