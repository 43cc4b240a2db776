package desktop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"setup/internal/problem"
	"setup/manifests"
)

// partSuffix marks a download in progress.
const partSuffix = ".part"

// defaultRetry waits 1 s, then longer up to 30 s, for eight retries in a
// row without progress.
func defaultRetry() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = time.Second
	b.MaxInterval = 30 * time.Second
	b.MaxElapsedTime = 0
	return backoff.WithMaxRetries(b, 8)
}

// newClient returns an HTTP client that honours HTTP_PROXY, HTTPS_PROXY
// and NO_PROXY. It has no overall timeout, which would cut a slow
// download; a stalled connection fails on the transport's own timeouts.
func newClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t}
}

// Fetch downloads opts.Installer into opts.Dir and returns the path of the
// file, whose SHA-256 it has checked. A file already there with the
// pinned checksum is used as it is.
//
// The download goes to a ".part" file that is renamed only once its
// checksum matches. A cut connection is resumed with an HTTP range
// request, from the start when the server ignores the range; failures are
// retried with backoff, and a retry that made progress resets it. A
// checksum mismatch removes the file and returns a *problem.Error
// (problem.Engine) that names both checksums.
func Fetch(ctx context.Context, opts Options) (string, error) {
	in := opts.Installer
	want := strings.ToLower(strings.TrimSpace(in.SHA256))
	if !isSHA256(want) {
		return "", problem.Usagef("runtime.docker_desktop for %s: sha256 %q is not 64 hexadecimal digits",
			in.Platform, in.SHA256)
	}
	name, err := fileName(in)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return "", fmt.Errorf("making the download folder: %w", err)
	}
	final := filepath.Join(opts.Dir, name)

	// A file kept from an earlier run is used when it is the pinned one.
	if got, err := fileSHA256(final); err == nil {
		if got == want {
			if opts.Progress != nil {
				if fi, err := os.Stat(final); err == nil {
					opts.Progress(fi.Size(), fi.Size())
				}
			}
			return final, nil
		}
		if err := os.Remove(final); err != nil {
			return "", fmt.Errorf("removing a stale installer: %w", err)
		}
	}

	d := &download{opts: opts, url: in.URL, part: final + partSuffix}
	if d.opts.Client == nil {
		d.opts.Client = newClient()
	}
	if err := d.run(ctx); err != nil {
		return "", err
	}

	got, err := fileSHA256(d.part)
	if err != nil {
		return "", fmt.Errorf("reading the downloaded installer: %w", err)
	}
	if got != want {
		os.Remove(d.part)
		return "", &problem.Error{
			Code: problem.Engine,
			What: "the downloaded Docker Desktop installer is not the file the manifest pins; " +
				"it was deleted and not run",
			Fix: "run setup again; if it fails the same way, a proxy or filter is altering downloads from " +
				hostOf(in.URL) + ", or the manifest's sha256 for " + in.Platform + " is wrong",
			Evidence: fmt.Sprintf("url:      %s\nexpected: sha256 %s\nactual:   sha256 %s",
				in.URL, want, got),
		}
	}
	if err := os.Rename(d.part, final); err != nil {
		return "", fmt.Errorf("keeping the downloaded installer: %w", err)
	}
	return final, nil
}

// download is one installer download in progress.
type download struct {
	opts Options
	url  string
	part string
}

// run fetches the whole file into d.part, retrying failures.
func (d *download) run(ctx context.Context) error {
	retry := defaultRetry
	if d.opts.retry != nil {
		retry = d.opts.retry
	}
	b := backoff.WithContext(retry(), ctx)
	b.Reset()
	for {
		grew, err := d.once(ctx)
		if err == nil {
			return nil
		}
		var permanent *backoff.PermanentError
		if errors.As(err, &permanent) {
			return permanent.Err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if grew {
			b.Reset()
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return problem.Wrap(problem.Engine, err,
				"downloading Docker Desktop from "+hostOf(d.url),
				"check the network connection and the proxy settings (HTTPS_PROXY), "+
					"then run setup again; the download resumes where it stopped")
		}
		d.opts.printf("downloading Docker Desktop: %v; retrying in %s", err, wait.Round(time.Second))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// once makes one request, continuing from what d.part holds. It reports
// whether d.part grew; a nil error means the file is complete.
func (d *download) once(ctx context.Context) (grew bool, err error) {
	f, err := os.OpenFile(d.part, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return false, backoff.Permanent(fmt.Errorf("opening %s: %w", d.part, err))
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = backoff.Permanent(fmt.Errorf("writing %s: %w", d.part, cerr))
		}
	}()
	offset, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return false, backoff.Permanent(fmt.Errorf("reading %s: %w", d.part, err))
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return false, backoff.Permanent(problem.Wrap(problem.Usage, err,
			"reading the Docker Desktop installer's url", ""))
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()

	total := int64(-1)
	switch {
	case resp.StatusCode == http.StatusPartialContent:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			// Not the part asked for: start again from the beginning.
			if err := restart(f); err != nil {
				return false, err
			}
			return false, fmt.Errorf("the server sent bytes from %q instead of %d",
				resp.Header.Get("Content-Range"), offset)
		}
		total = size
	case resp.StatusCode == http.StatusOK:
		// A server that ignores ranges sends the whole file again.
		if err := restart(f); err != nil {
			return false, err
		}
		offset = 0
		total = resp.ContentLength
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0:
		// The part holds the whole file already, or more than it: the
		// checksum tells. Start over only when it is not the whole file.
		size, ok := rangeSize(resp.Header.Get("Content-Range"))
		if ok && size == offset {
			return false, nil
		}
		if err := restart(f); err != nil {
			return false, err
		}
		return false, fmt.Errorf("the server refused the range from byte %d", offset)
	case retryable(resp.StatusCode):
		return false, fmt.Errorf("the server answered %s", resp.Status)
	default:
		return false, backoff.Permanent(&problem.Error{
			Code: problem.Engine,
			What: "downloading Docker Desktop: " + d.url + " answered " + resp.Status,
			Fix: "check that the manifest's runtime.docker_desktop url is reachable " +
				"from this network, and that no proxy refuses it",
		})
	}

	if d.opts.Progress != nil {
		d.opts.Progress(offset, total)
	}
	done := offset
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return grew, backoff.Permanent(fmt.Errorf("writing %s: %w", d.part, werr))
			}
			grew = true
			done += int64(n)
			if d.opts.Progress != nil {
				d.opts.Progress(done, total)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return grew, fmt.Errorf("reading the download after %d bytes: %w", done, rerr)
		}
	}
	if total >= 0 && done != total {
		return grew, fmt.Errorf("the download ended after %d of %d bytes", done, total)
	}
	return grew, nil
}

// restart empties the part file.
func restart(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return backoff.Permanent(fmt.Errorf("emptying %s: %w", f.Name(), err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return backoff.Permanent(fmt.Errorf("emptying %s: %w", f.Name(), err))
	}
	return nil
}

// retryable tells the statuses worth asking again.
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+|\*)$`)

// parseContentRange reads "bytes START-END/SIZE"; size is -1 for "*".
func parseContentRange(s string) (start, size int64, ok bool) {
	m := contentRange.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if m[3] == "*" {
		return start, -1, true
	}
	size, err = strconv.ParseInt(m[3], 10, 64)
	return start, size, err == nil
}

// rangeSize reads the "bytes */SIZE" of a 416 answer.
func rangeSize(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "bytes */")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]*$`)

// fileName names the downloaded file after the last element of the URL's
// path when that is a plain file name of the platform's installer type
// (.exe on Windows, .dmg on macOS), otherwise after the usual installer.
func fileName(in manifests.Installer) (string, error) {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", problem.Usagef("runtime.docker_desktop for %s: %q is not an http(s) URL",
			in.Platform, in.URL)
	}
	usual, ext := "Docker Desktop Installer.exe", ".exe"
	if strings.HasPrefix(in.Platform, "darwin/") {
		usual, ext = "Docker.dmg", ".dmg"
	}
	name := path.Base(u.Path)
	if safeName.MatchString(name) && strings.EqualFold(path.Ext(name), ext) {
		return name, nil
	}
	return usual, nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
