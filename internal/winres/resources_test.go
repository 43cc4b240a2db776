package main

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/manifests"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "plain", in: "1.4.2", want: "1.4.2.0"},
		{name: "leading v", in: "v2.0.1", want: "2.0.1.0"},
		{name: "short", in: "3.1", want: "3.1.0.0"},
		{name: "snapshot", in: "0.0.0-SNAPSHOT-1a2b3c4", want: "0.0.0.0"},
		{name: "largest part", in: "65535.0.1", want: "65535.0.1.0"},
		{name: "part too large", in: "1.65536.0", wantErr: "at most 65535"},
		{name: "not semver", in: "dev", wantErr: "not a semver version"},
		{name: "empty", in: "", wantErr: "not a semver version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseVersion(%q) error = %v, want one containing %q",
						tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseVersion(%q) error = %v", tt.in, err)
			}
			if got := quad(v); got != tt.want {
				t.Errorf("quad(parseVersion(%q)) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDefinitionVersions(t *testing.T) {
	tests := []struct {
		name        string
		product     manifests.Product
		release     string
		wantFixed   fixedInfo
		wantStrings stringTable
	}{
		{
			name: "product version from the manifest",
			product: manifests.Product{
				Name: "Sensor Suite", Publisher: "Example Ltd", Version: "2.3.0",
			},
			release:   "v1.4.0",
			wantFixed: fixedInfo{FileVersion: "1.4.0.0", ProductVersion: "2.3.0.0"},
			wantStrings: stringTable{
				CompanyName:      "Example Ltd",
				FileDescription:  "Sensor Suite Setup",
				FileVersion:      "1.4.0",
				InternalName:     "setup",
				OriginalFilename: "setup.exe",
				ProductName:      "Sensor Suite",
				ProductVersion:   "2.3.0",
			},
		},
		{
			name:    "no product version, no publisher",
			product: manifests.Product{Name: "Plant Monitor"},
			release: "0.0.0-SNAPSHOT-1a2b3c4",
			wantFixed: fixedInfo{
				FileVersion:    "0.0.0.0",
				ProductVersion: "0.0.0.0",
				Flags:          "Prerelease",
			},
			wantStrings: stringTable{
				FileDescription:  "Plant Monitor Setup",
				FileVersion:      "0.0.0-SNAPSHOT-1a2b3c4",
				InternalName:     "setup",
				OriginalFilename: "setup.exe",
				ProductName:      "Plant Monitor",
				ProductVersion:   "0.0.0-SNAPSHOT-1a2b3c4",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := definition(tt.product, tt.release, "icon.png")
			if err != nil {
				t.Fatalf("definition() error = %v", err)
			}
			vi := res.Version["#1"][langNeutral]
			if diff := cmp.Diff(tt.wantFixed, vi.Fixed); diff != "" {
				t.Errorf("definition() fixed versions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStrings, vi.Info[langEnUS]); diff != "" {
				t.Errorf("definition() strings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefinitionRefusesBadVersions(t *testing.T) {
	tests := []struct {
		name    string
		product string
		release string
		wantErr string
	}{
		{name: "release", product: "1.0.0", release: "dev", wantErr: "release version"},
		{name: "product", product: "spring edition", release: "1.0.0", wantErr: "product.version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := manifests.Product{Name: "Sensor Suite", Version: tt.product}
			_, err := definition(p, tt.release, "icon.png")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("definition() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRun writes the definition for testdata/manifest.yaml and compares
// it with testdata/winres.json; -update rewrites that file.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	cfg := config{
		manifest: filepath.Join("testdata", "manifest.yaml"),
		icon:     filepath.Join(dir, "logo.png"),
		version:  "1.4.0-rc.1",
		out:      out,
	}
	if err := os.WriteFile(cfg.icon, pngOf(t, 512, 512), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(cfg); err != nil {
		t.Fatalf("run() error = %v", err)
	}

	got, err := os.ReadFile(filepath.Join(out, "winres.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "winres.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("winres.json (-want +got):\n%s", diff)
	}

	icon, err := os.ReadFile(filepath.Join(out, "icon.png"))
	if err != nil {
		t.Fatalf("the icon was not copied beside winres.json: %v", err)
	}
	orig, err := os.ReadFile(cfg.icon)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(icon, orig) {
		t.Errorf("the copied icon differs from %s", cfg.icon)
	}
}

func TestRunRefusesBadIcons(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		file    string
		data    []byte
		wantErr string
	}{
		{name: "not square", file: "icon.png", data: pngOf(t, 256, 128), wantErr: "must be square"},
		{name: "too small", file: "icon.png", data: pngOf(t, 64, 64), wantErr: "at least 256x256"},
		{name: "not a png", file: "icon.png", data: []byte("GIF89a"), wantErr: "decoding the PNG"},
		{name: "not an ico", file: "icon.ico", data: pngOf(t, 256, 256), wantErr: "not an ICO file"},
		{name: "other format", file: "icon.svg", data: []byte("<svg/>"), wantErr: ".png or an .ico"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			icon := filepath.Join(dir, tt.name+"-"+tt.file)
			if err := os.WriteFile(icon, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, tt.name)
			err := run(config{
				manifest: filepath.Join("testdata", "manifest.yaml"),
				icon:     icon,
				version:  "1.0.0",
				out:      out,
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run() error = %v, want one containing %q", err, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(out, "winres.json")); err == nil {
				t.Errorf("run() wrote winres.json although the icon was refused")
			}
		})
	}
}

// TestDefaultIcon checks the icon the release build uses, which a vendor
// replaces with their own.
func TestDefaultIcon(t *testing.T) {
	name := filepath.Join("..", "..", "embed", "icon.png")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkIcon(name, data); err != nil {
		t.Errorf("checkIcon(%s) = %v, want nil", name, err)
	}
}

func TestRunNeedsVersion(t *testing.T) {
	err := run(config{
		manifest: filepath.Join("testdata", "manifest.yaml"),
		icon:     filepath.Join("..", "..", "embed", "icon.png"),
		out:      t.TempDir(),
	})
	if err == nil || !strings.Contains(err.Error(), "-version") {
		t.Errorf("run() without a version: error = %v, want one naming -version", err)
	}
}

// pngOf encodes a blank w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
