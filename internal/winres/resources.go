package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	"setup/manifests"
)

// config is what the flags set.
type config struct {
	manifest string
	icon     string
	version  string
	out      string
}

// minIconSize is the smallest PNG accepted as the icon: go-winres scales
// it down to 256, 64, 48, 32 and 16 pixels, and scaling up blurs it.
const minIconSize = 256

// run reads the manifest and the icon and writes winres.json and the icon
// into cfg.out.
func run(cfg config) error {
	if cfg.version == "" {
		return errors.New("-version is required")
	}

	data, err := os.ReadFile(cfg.manifest)
	if err != nil {
		return fmt.Errorf("reading the manifest: %w", err)
	}
	m, err := manifests.Load(data, cfg.manifest)
	if err != nil {
		return err
	}

	icon, err := os.ReadFile(cfg.icon)
	if err != nil {
		return fmt.Errorf("reading the icon: %w", err)
	}
	iconName := "icon" + strings.ToLower(filepath.Ext(cfg.icon))
	if err := checkIcon(iconName, icon); err != nil {
		return fmt.Errorf("checking the icon %s: %w", cfg.icon, err)
	}

	res, err := definition(m.Product, cfg.version, iconName)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the resource definition: %w", err)
	}

	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", cfg.out, err)
	}
	// go-winres reads file names relative to the folder of winres.json.
	if err := os.WriteFile(filepath.Join(cfg.out, iconName), icon, 0o644); err != nil {
		return fmt.Errorf("copying the icon: %w", err)
	}
	err = os.WriteFile(filepath.Join(cfg.out, "winres.json"), append(out, '\n'), 0o644)
	if err != nil {
		return fmt.Errorf("writing winres.json: %w", err)
	}
	return nil
}

// checkIcon tells apart an icon go-winres can use from one it cannot, by
// name (icon.png or icon.ico) and content.
func checkIcon(name string, data []byte) error {
	switch filepath.Ext(name) {
	case ".ico":
		if !bytes.HasPrefix(data, []byte{0, 0, 1, 0}) {
			return errors.New("not an ICO file")
		}
		return nil
	case ".png":
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("decoding the PNG: %w", err)
		}
		if cfg.Width != cfg.Height {
			return fmt.Errorf("the image is %dx%d; it must be square",
				cfg.Width, cfg.Height)
		}
		if cfg.Width < minIconSize {
			return fmt.Errorf("the image is %dx%d; it must be at least %dx%d",
				cfg.Width, cfg.Height, minIconSize, minIconSize)
		}
		return nil
	}
	return errors.New("the icon must be a .png or an .ico file")
}

// resources is the go-winres JSON: resource type, then resource name,
// then language.
type resources struct {
	Icon     map[string]map[string]string      `json:"RT_GROUP_ICON"`
	Manifest map[string]map[string]appManifest `json:"RT_MANIFEST"`
	Version  map[string]map[string]versionInfo `json:"RT_VERSION"`
}

// appManifest is go-winres's short form of the application manifest.
type appManifest struct {
	ExecutionLevel string `json:"execution-level"`
	MinimumOS      string `json:"minimum-os"`
	LongPathAware  bool   `json:"long-path-aware"`
	DPIAwareness   string `json:"dpi-awareness"`
}

// versionInfo is the VERSIONINFO resource: the numeric versions Windows
// compares, and the strings Explorer shows, per language.
type versionInfo struct {
	Fixed fixedInfo              `json:"fixed"`
	Info  map[string]stringTable `json:"info"`
}

type fixedInfo struct {
	FileVersion    string `json:"file_version"`
	ProductVersion string `json:"product_version"`
	Flags          string `json:"flags,omitempty"`
}

type stringTable struct {
	CompanyName      string `json:"CompanyName,omitempty"`
	FileDescription  string `json:"FileDescription"`
	FileVersion      string `json:"FileVersion"`
	InternalName     string `json:"InternalName"`
	OriginalFilename string `json:"OriginalFilename"`
	ProductName      string `json:"ProductName"`
	ProductVersion   string `json:"ProductVersion"`
}

// Language keys of go-winres: neutral, and English (United States).
const (
	langNeutral = "0000"
	langEnUS    = "0409"
)

// definition returns the resources of setup.exe for product p, built as
// release version release. The file version is release; the product
// version is p.Version, or release when the manifest names none.
func definition(p manifests.Product, release, icon string) (resources, error) {
	fileVersion, err := parseVersion(release)
	if err != nil {
		return resources{}, fmt.Errorf("reading the release version: %w", err)
	}
	productText := p.Version
	if productText == "" {
		productText = release
	}
	productVersion, err := parseVersion(productText)
	if err != nil {
		return resources{}, fmt.Errorf("reading product.version: %w", err)
	}

	fixed := fixedInfo{
		FileVersion:    quad(fileVersion),
		ProductVersion: quad(productVersion),
	}
	if fileVersion.Prerelease() != "" {
		fixed.Flags = "Prerelease"
	}

	return resources{
		Icon: map[string]map[string]string{
			"APP": {langNeutral: icon},
		},
		Manifest: map[string]map[string]appManifest{
			"#1": {langEnUS: {
				ExecutionLevel: "as invoker",
				MinimumOS:      "win10",
				LongPathAware:  true,
				DPIAwareness:   "per monitor v2",
			}},
		},
		Version: map[string]map[string]versionInfo{
			"#1": {langNeutral: {
				Fixed: fixed,
				Info: map[string]stringTable{
					langEnUS: {
						CompanyName:      p.Publisher,
						FileDescription:  p.Name + " Setup",
						FileVersion:      strings.TrimPrefix(release, "v"),
						InternalName:     "setup",
						OriginalFilename: "setup.exe",
						ProductName:      p.Name,
						ProductVersion:   productText,
					},
				},
			}},
		},
	}, nil
}

// maxPart is the largest number a part of a Windows file version holds.
const maxPart = 65535

// parseVersion reads a semver version, as leniently as semver.NewVersion
// ("v1.2", "1.2.3-rc.1"), and checks that each part fits a Windows file
// version.
func parseVersion(s string) (*semver.Version, error) {
	v, err := semver.NewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a semver version", s)
	}
	for _, part := range []uint64{v.Major(), v.Minor(), v.Patch()} {
		if part > maxPart {
			return nil, fmt.Errorf("%q: each part must be at most %d", s, maxPart)
		}
	}
	return v, nil
}

// quad writes v as the four-part version Windows shows, "1.2.3.0".
func quad(v *semver.Version) string {
	return fmt.Sprintf("%d.%d.%d.0", v.Major(), v.Minor(), v.Patch())
}
