// Package shortcut writes the launchers that open a product's pages: XDG
// desktop entries on Linux and other Unix systems, shell links (.lnk) on
// Windows. Each launcher runs "setup launch", which starts the stack when
// it is stopped and then opens the page.
//
// What a launcher holds and where it goes are plain functions of their
// inputs, tested on every platform; only writing a shell link, through
// COM, and asking Windows for its known folders are Windows code.
package shortcut

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"setup/internal/winapp"
)

// Launcher is one shortcut to write.
type Launcher struct {
	// Product is the product id; file names start with it.
	Product string
	// Name is what the user sees.
	Name string
	// Comment is a one-line description.
	Comment string
	// Exec is the program and its arguments.
	Exec []string
}

// Places are the folders launchers go to.
type Places struct {
	// Applications is the menu folder of Linux and other Unix systems;
	// always written.
	Applications string
	// Desktop is written only when it exists; empty for none.
	Desktop string
	// StartMenu is the Programs folder of the Windows Start Menu; always
	// written.
	StartMenu string
}

// XDGPlaces returns the folders of the XDG base-directory and user-dirs
// specifications for a user with the given home folder.
func XDGPlaces(getenv func(string) string, home string) Places {
	data := getenv("XDG_DATA_HOME")
	if data == "" {
		data = filepath.Join(home, ".local", "share")
	}
	return Places{
		Applications: filepath.Join(data, "applications"),
		Desktop:      desktopDir(getenv, home),
	}
}

// desktopDir reads XDG_DESKTOP_DIR from the environment, then from
// user-dirs.dirs, defaulting to ~/Desktop.
func desktopDir(getenv func(string) string, home string) string {
	if dir := getenv("XDG_DESKTOP_DIR"); dir != "" {
		return dir
	}
	config := getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	f, err := os.Open(filepath.Join(config, "user-dirs.dirs"))
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			value, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "XDG_DESKTOP_DIR=")
			if ok {
				value = strings.Trim(value, `"`)
				return strings.Replace(value, "$HOME", home, 1)
			}
		}
	}
	return filepath.Join(home, "Desktop")
}

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// FileName returns the desktop file's name for l: the product id and the
// name in lower case, with anything but letters, digits, '.', '_' and '-'
// folded to '-'.
func (l Launcher) FileName() string {
	slug := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(l.Name), "-"), "-")
	if slug == "" {
		sum := sha256.Sum256([]byte(l.Name))
		slug = hex.EncodeToString(sum[:4])
	}
	return l.Product + "-" + slug + ".desktop"
}

// Render returns the desktop entry for l.
func (l Launcher) Render() []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Version=1.4\n")
	b.WriteString("Name=" + escapeValue(l.Name) + "\n")
	if l.Comment != "" {
		b.WriteString("Comment=" + escapeValue(l.Comment) + "\n")
	}
	b.WriteString("Exec=" + escapeValue(execLine(l.Exec)) + "\n")
	b.WriteString("Icon=applications-internet\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("Categories=Network;\n")
	b.WriteString("X-Setup-Product=" + escapeValue(l.Product) + "\n")
	return b.Bytes()
}

// execLine quotes each argument per the desktop entry specification:
// arguments with reserved characters go in double quotes, where '"', '`',
// '$' and '\' take a backslash, and a literal '%' is written '%%'.
func execLine(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "%", "%%")
		if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`=") {
			quoted[i] = a
			continue
		}
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
		quoted[i] = `"` + r.Replace(a) + `"`
	}
	return strings.Join(quoted, " ")
}

// escapeValue applies the string escapes of desktop entry values.
func escapeValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return r.Replace(s)
}

// Write writes each launcher to the places, replacing a file only when its
// content differs, and returns the paths that hold a launcher now: desktop
// entries, or shell links on Windows.
func Write(places Places, launchers []Launcher) ([]string, error) {
	var targets []target
	for _, l := range launchers {
		menu, desktop := paths(runtime.GOOS, places, l)
		if menu != "" {
			targets = append(targets, target{path: menu, l: l})
		}
		if desktop != "" {
			if info, err := os.Stat(places.Desktop); err == nil && info.IsDir() {
				targets = append(targets, target{path: desktop, l: l})
			}
		}
	}
	return writeTargets(targets)
}

// target is one launcher file to write.
type target struct {
	path string
	l    Launcher
}

// Paths returns every path a launcher may have on the operating system
// goos (a runtime.GOOS value), menu first and Desktop second, whether
// they exist or not: what Write writes and what uninstalling removes.
func Paths(goos string, places Places, l Launcher) []string {
	var out []string
	menu, desktop := paths(goos, places, l)
	for _, p := range []string{menu, desktop} {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// paths returns the menu and Desktop paths of l on goos; "" for a folder
// the places do not name.
func paths(goos string, places Places, l Launcher) (menu, desktop string) {
	if goos == "windows" {
		if places.StartMenu != "" {
			menu = winapp.JoinPath(places.StartMenu, l.LinkName())
		}
		if places.Desktop != "" {
			desktop = winapp.JoinPath(places.Desktop, l.LinkName())
		}
		return menu, desktop
	}
	if places.Applications != "" {
		menu = filepath.Join(places.Applications, l.FileName())
	}
	if places.Desktop != "" {
		desktop = filepath.Join(places.Desktop, l.FileName())
	}
	return menu, desktop
}

// writeIfChanged writes data to path unless path holds it already.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp := path + ".tmp"
	// Desktop files on the Desktop must be executable to be launched.
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Remove deletes the given launcher files, ignoring those already gone.
func Remove(paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
