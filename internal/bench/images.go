package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"setup/internal/testenv"
)

// benchImage is one image pushed to the registry, with the names the
// engine knows it by once pulled.
type benchImage struct {
	repo   string // host/name
	tag    string
	digest string // the manifest's digest
	id     string // the config's digest, the engine's image id
}

func (i benchImage) ref() string       { return i.repo + ":" + i.tag }
func (i benchImage) digestRef() string { return i.repo + "@" + i.digest }

// pushImages pushes the InfluxDB and app images of package testenv to reg
// as influxdb:1.6.7 and app:1.4.0.
//
// Earlier test runs leave images with the very same layers in the engine
// under other registry addresses, and a pull skips layers the engine
// already holds. To keep every pull cold without touching images that are
// not ours, the last layer of each image gets one more file, holding mark,
// so that its content is found nowhere else.
func pushImages(reg *testenv.Registry, mark string) ([]benchImage, error) {
	influx, err := testenv.InfluxImage("1.6.7")
	if err != nil {
		return nil, err
	}
	app, err := testenv.AppImage("1.4.0", true)
	if err != nil {
		return nil, err
	}

	var out []benchImage
	for _, x := range []struct {
		name, tag string
		img       v1.Image
	}{
		{"influxdb", "1.6.7", influx},
		{"app", "1.4.0", app},
	} {
		img, err := markImage(x.img, mark)
		if err != nil {
			return nil, fmt.Errorf("marking the %s image: %w", x.name, err)
		}
		bi := benchImage{repo: reg.Host() + "/" + x.name, tag: x.tag}
		if err := reg.Push(bi.ref(), img); err != nil {
			return nil, err
		}

		digest, err := img.Digest()
		if err != nil {
			return nil, fmt.Errorf("computing the digest of %s: %w", bi.ref(), err)
		}
		id, err := img.ConfigName()
		if err != nil {
			return nil, fmt.Errorf("computing the id of %s: %w", bi.ref(), err)
		}
		bi.digest, bi.id = digest.String(), id.String()
		out = append(out, bi)
	}
	return out, nil
}

// markImage returns img with the file /setup-bench-mark, holding mark,
// added to its last layer. Its configuration is otherwise unchanged.
func markImage(img v1.Image, mark string) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the layers: %w", err)
	}
	if len(layers) == 0 {
		return nil, errors.New("reading the layers: there are none")
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}

	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = nil
	cf.History = nil
	base, err := mutate.ConfigFile(empty.Image, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the configuration: %w", err)
	}

	last, err := markLayer(layers[len(layers)-1], mark)
	if err != nil {
		return nil, err
	}
	layers = append(layers[:len(layers)-1:len(layers)-1], last)
	return mutate.AppendLayers(base, layers...)
}

// markLayer copies layer into memory with the file setup-bench-mark added.
func markLayer(layer v1.Layer, mark string) (v1.Layer, error) {
	rc, err := layer.Uncompressed()
	if err != nil {
		return nil, fmt.Errorf("opening the layer: %w", err)
	}
	defer rc.Close()

	var buf bytes.Buffer
	tr := tar.NewReader(rc)
	tw := tar.NewWriter(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the layer: %w", err)
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("copying %s: %w", h.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, fmt.Errorf("copying %s: %w", h.Name, err)
		}
	}

	err = tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     "setup-bench-mark",
		Mode:     0o644,
		Size:     int64(len(mark)),
		ModTime:  time.Unix(0, 0).UTC(),
	})
	if err == nil {
		_, err = io.WriteString(tw, mark)
	}
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("writing the mark: %w", err)
	}

	data := buf.Bytes()
	return tarball.LayerFromOpener(
		func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
		tarball.WithCompressedCaching,
	)
}
