package testenv

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// InfluxdEnv names the environment variable that points at the influxd
// binary InfluxImage packs. Without it, InfluxImage looks in
// .cache/influxdb/usr/bin/influxd under the repository root.
const InfluxdEnv = "SETUP_TEST_INFLUXD"

// VersionLabel is the image label that carries an image's version.
const VersionLabel = "org.opencontainers.image.version"

// Each layer is built once per process; images differ only in their
// configuration, so they share it.
var (
	influxLayer = sync.OnceValues(buildInfluxLayer)
	appLayer    = sync.OnceValues(buildAppLayer)
)

// InfluxImage returns a runnable InfluxDB 1.x image labelled as version.
// Its one layer holds this machine's influxd (see InfluxdEnv) with the
// glibc files it loads, taken from the host; its data lives under
// /var/lib/influxdb. Images of different versions have different digests
// and the same layer.
func InfluxImage(version string) (v1.Image, error) {
	layer, err := influxLayer()
	if err != nil {
		return nil, err
	}

	return newImage(layer, v1.Config{
		Entrypoint: []string{"/usr/bin/influxd"},
		Env: []string{
			"INFLUXDB_META_DIR=/var/lib/influxdb/meta",
			"INFLUXDB_DATA_DIR=/var/lib/influxdb/data",
			"INFLUXDB_DATA_WAL_DIR=/var/lib/influxdb/wal",
			"INFLUXDB_REPORTING_DISABLED=true",
			"HOME=/var/lib/influxdb",
		},
		ExposedPorts: map[string]struct{}{"8086/tcp": {}},
		Labels:       map[string]string{VersionLabel: version},
	})
}

// AppImage returns an image of the test app (package testapp) that
// reports version and whose /health answers 200 only when healthy is
// true. The app is built once per process with the go command, from the
// repository that holds the working directory. Images that differ in
// version or health have different digests and the same layer.
func AppImage(version string, healthy bool) (v1.Image, error) {
	layer, err := appLayer()
	if err != nil {
		return nil, err
	}

	return newImage(layer, v1.Config{
		Entrypoint: []string{"/app"},
		Env: []string{
			"APP_VERSION=" + version,
			"APP_HEALTHY=" + strconv.FormatBool(healthy),
		},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels:       map[string]string{VersionLabel: version},
	})
}

// newImage returns a linux image of the host's architecture holding layer.
func newImage(layer v1.Layer, cfg v1.Config) (v1.Image, error) {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Config:       cfg,
	})
	if err != nil {
		return nil, fmt.Errorf("setting the image configuration: %w", err)
	}

	img, err = mutate.AppendLayers(img, layer)
	if err != nil {
		return nil, fmt.Errorf("appending the layer: %w", err)
	}
	return img, nil
}

// buildInfluxLayer packs influxd, its ELF interpreter and the shared
// libraries it names, at the paths the binary expects.
func buildInfluxLayer() (v1.Layer, error) {
	bin, err := influxdPath()
	if err != nil {
		return nil, err
	}

	files := []file{
		{name: "usr/bin/influxd", host: bin, mode: 0o755},
		{name: "tmp/", mode: 0o1777},
		{name: "var/lib/influxdb/", mode: 0o755},
	}
	deps, err := glibcFiles(bin, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return nil, fmt.Errorf("building the InfluxDB image: %w", err)
	}
	files = append(files, deps...)

	layer, err := tarLayer(files)
	if err != nil {
		return nil, fmt.Errorf("building the InfluxDB image: %w", err)
	}
	return layer, nil
}

// influxdPath finds the influxd binary InfluxImage packs.
func influxdPath() (string, error) {
	bin := os.Getenv(InfluxdEnv)
	if bin == "" {
		root, err := repoRoot()
		if err != nil {
			return "", fmt.Errorf(
				"finding influxd: %w; set %s or run `bash .ci/run`, which fetches it",
				err,
				InfluxdEnv,
			)
		}
		bin = filepath.Join(root, ".cache", "influxdb", "usr", "bin", "influxd")
	}

	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf(
			"finding influxd: %w; run `bash .ci/run`, which fetches it",
			err,
		)
	}
	return bin, nil
}

// multiarch maps a Go architecture to its ELF machine and Debian's
// multiarch library directory.
var multiarch = map[string]struct {
	machine elf.Machine
	dir     string
}{
	"amd64": {elf.EM_X86_64, "x86_64-linux-gnu"},
	"arm64": {elf.EM_AARCH64, "aarch64-linux-gnu"},
}

// glibcFiles lists the host files the dynamically linked binary bin needs
// to run in an otherwise empty image: its interpreter, at the path written
// in the binary, and each library it names, in the multiarch directory
// under /lib. A static binary needs none.
func glibcFiles(bin, goos, goarch string) ([]file, error) {
	if goos != "linux" {
		return nil, fmt.Errorf("taking glibc from a %s host: only linux hosts have it", goos)
	}
	arch, ok := multiarch[goarch]
	if !ok {
		return nil, fmt.Errorf("taking glibc from a %s host: architecture not supported", goarch)
	}

	f, err := elf.Open(bin)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", bin, err)
	}
	defer f.Close()

	if f.Machine != arch.machine {
		return nil, fmt.Errorf("reading %s: built for %s, this host is %s", bin, f.Machine, goarch)
	}

	var files []file
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			return nil, fmt.Errorf("reading the interpreter of %s: %w", bin, err)
		}
		interp := strings.TrimRight(string(b), "\x00")
		files = append(files, file{
			name: strings.TrimPrefix(interp, "/"),
			host: interp,
			mode: 0o755,
		})
	}

	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("reading the libraries of %s: %w", bin, err)
	}
	dir := path.Join("lib", arch.dir)
	for _, lib := range libs {
		host, err := findLibrary(lib, arch.dir)
		if err != nil {
			return nil, err
		}
		files = append(files, file{name: path.Join(dir, lib), host: host, mode: 0o755})
	}
	return files, nil
}

// findLibrary returns the host path of the shared library lib.
func findLibrary(lib, archDir string) (string, error) {
	dirs := []string{
		filepath.Join("/lib", archDir),
		filepath.Join("/usr/lib", archDir),
		"/lib",
		"/usr/lib",
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, lib)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("finding %s: not in %s", lib, strings.Join(dirs, ", "))
}

// buildAppLayer builds package testapp into a static binary and packs it
// as /app.
func buildAppLayer() (v1.Layer, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, fmt.Errorf("building the test app: %w", err)
	}
	dir, err := os.MkdirTemp("", "testapp-")
	if err != nil {
		return nil, fmt.Errorf("building the test app: %w", err)
	}
	defer os.RemoveAll(dir)

	bin := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./internal/testenv/testapp")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the test app: %w: %s", err, bytes.TrimSpace(out))
	}

	layer, err := tarLayer([]file{{name: "app", host: bin, mode: 0o755}})
	if err != nil {
		return nil, fmt.Errorf("building the test app image: %w", err)
	}
	return layer, nil
}

// repoRoot returns the nearest directory at or above the working
// directory that holds a go.mod.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("finding the repository root: no go.mod at or above %s", wd)
		}
	}
}

// file is one entry of a layer. A name ending in "/" is a directory;
// otherwise the content is read from host, following symbolic links.
type file struct {
	name string
	host string
	mode int64
}

// epoch is the modification time of every layer entry, so that a layer's
// digest depends only on its content.
var epoch = time.Unix(0, 0).UTC()

// tarLayer returns a layer holding files, each parent directory included,
// read into memory once.
func tarLayer(files []file) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}

	dir := func(name string, mode int64) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		return tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir,
			Name:     name,
			Mode:     mode,
			ModTime:  epoch,
		})
	}

	for _, f := range files {
		name := strings.TrimSuffix(f.name, "/")
		for _, parent := range parents(name) {
			if err := dir(parent+"/", 0o755); err != nil {
				return nil, fmt.Errorf("writing %s: %w", parent, err)
			}
		}
		if strings.HasSuffix(f.name, "/") {
			if err := dir(name+"/", f.mode); err != nil {
				return nil, fmt.Errorf("writing %s: %w", name, err)
			}
			continue
		}

		data, err := os.ReadFile(f.host)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.host, err)
		}
		err = tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeReg,
			Name:     name,
			Mode:     f.mode,
			Size:     int64(len(data)),
			ModTime:  epoch,
		})
		if err == nil {
			_, err = tw.Write(data)
		}
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer: %w", err)
	}

	data := buf.Bytes()
	return tarball.LayerFromOpener(
		func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
		tarball.WithCompressedCaching,
	)
}

// parents returns the directories above name, outermost first:
// "a/b/c" gives "a", "a/b".
func parents(name string) []string {
	var dirs []string
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	return dirs
}
