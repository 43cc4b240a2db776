package desktop

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"setup/internal/winapp"
	"strings"

	"github.com/Masterminds/semver/v3"

	"setup/manifests"
)

// Installation is an installed Docker Desktop.
type Installation struct {
	// Path is Docker Desktop's program on Windows, its app bundle on
	// macOS; empty when it is not installed.
	Path string
	// Version is Docker Desktop's own version, e.g. "4.41.2"; empty when
	// it cannot be read.
	Version string
}

// Installed reports whether Docker Desktop is installed.
func (i Installation) Installed() bool { return i.Path != "" }

// UninstallKey is the registry key, under HKLM, where Docker Desktop's
// installer records itself on Windows.
const UninstallKey = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Docker Desktop`

// WindowsProgram is Docker Desktop's program below its install folder.
const WindowsProgram = "Docker Desktop.exe"

// UninstallEntry is what the Uninstall key says, empty values where it
// has none.
type UninstallEntry struct {
	DisplayVersion  string
	InstallLocation string
}

// WindowsInstallation decides from the Uninstall entry (nil when the key
// is missing) and the files present where Docker Desktop is. The program
// decides: a present program is an installation even without the key
// (its version is then unknown), and a key without its program is a
// broken installation, treated as none so that installing repairs it.
func WindowsInstallation(entry *UninstallEntry, programFiles string,
	exists func(path string) bool) Installation {
	var dirs []string
	if entry != nil && entry.InstallLocation != "" {
		dirs = append(dirs, entry.InstallLocation)
	}
	if programFiles != "" {
		dirs = append(dirs, winapp.JoinPath(programFiles, `Docker\Docker`))
	}
	for _, dir := range dirs {
		exe := winapp.JoinPath(dir, WindowsProgram)
		if !exists(exe) {
			continue
		}
		inst := Installation{Path: exe}
		if entry != nil {
			inst.Version = strings.TrimSpace(entry.DisplayVersion)
		}
		return inst
	}
	return Installation{}
}

// MacApp is where Docker Desktop is installed on macOS.
const MacApp = "/Applications/Docker.app"

// MacInstallation decides from the app bundle's Info.plist (nil when
// there is none) whether Docker Desktop is installed and its version. A
// property list that cannot be read leaves the version unknown.
func MacInstallation(plist []byte) Installation {
	if plist == nil {
		return Installation{}
	}
	values, err := ParseInfoPlist(plist)
	if err != nil {
		return Installation{Path: MacApp}
	}
	return Installation{Path: MacApp, Version: strings.TrimSpace(values["CFBundleShortVersionString"])}
}

// ParseInfoPlist reads the string values at the top level of an XML
// property list, such as an app bundle's Info.plist. Values that are not
// strings (numbers, arrays, dictionaries) are skipped.
func ParseInfoPlist(data []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	// Property lists declare themselves UTF-8; nothing else is expected.
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") {
			return r, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}

	// Find the top-level <dict> of <plist>.
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, errors.New("no <dict> in the property list")
		}
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			depth--
			continue
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		depth++
		if start.Name.Local == "dict" && depth == 2 {
			break
		}
		if depth == 1 && start.Name.Local != "plist" {
			return nil, fmt.Errorf("the root element is <%s>, not <plist>", start.Name.Local)
		}
	}

	values := map[string]string{}
	key := ""
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("reading the top-level dictionary: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return values, nil // the end of the top-level <dict>
		case xml.StartElement:
			var text string
			switch t.Name.Local {
			case "key", "string":
				if err := d.DecodeElement(&text, &t); err != nil {
					return nil, err
				}
			default:
				if err := d.Skip(); err != nil {
					return nil, err
				}
			}
			if t.Name.Local == "key" {
				key = text
				continue
			}
			if t.Name.Local == "string" && key != "" {
				values[key] = text
			}
			key = ""
		}
	}
}

// Action is what Ensure does about Docker Desktop.
type Action int

// The actions Plan chooses.
const (
	Keep Action = iota
	Install
	Upgrade
)

// Plan chooses what to do about the installation inst given the pinned
// installer, and returns a note for the person when there is something to
// say. Docker Desktop is installed when missing; an older one than pinned
// is upgraded only when upgrade is set, and is otherwise kept with a note:
// the engine's version, checked once it runs, decides whether it will do.
func Plan(inst Installation, pinned manifests.Installer, upgrade bool) (Action, string) {
	if !inst.Installed() {
		return Install, ""
	}
	if inst.Version == "" {
		return Keep, "Docker Desktop is installed at " + inst.Path + "; its version cannot be read"
	}
	have, err1 := semver.NewVersion(inst.Version)
	want, err2 := semver.NewVersion(pinned.Version)
	if err1 != nil || err2 != nil || !have.LessThan(want) {
		return Keep, ""
	}
	if upgrade {
		return Upgrade, fmt.Sprintf("Docker Desktop %s will be upgraded to %s",
			inst.Version, pinned.Version)
	}
	return Keep, fmt.Sprintf(
		"Docker Desktop %s is older than %s, the version this product is tested with; keeping it",
		inst.Version, pinned.Version)
}
