package winapp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ExeName is the file name of the stable copy.
const ExeName = "setup.exe"

// StablePath returns where the stable copy of setup lives, so that
// shortcuts, launch, upgrade and uninstall keep working after the
// downloaded file is gone: %ProgramFiles%\<Publisher>\<Name>\setup.exe for
// all users, %LOCALAPPDATA%\Programs\<Name>\setup.exe for one user. The
// publisher folder is left out when the publisher is empty.
func StablePath(getenv func(string) string, p Product, perUser bool) (string, error) {
	if p.Name == "" {
		return "", errors.New("finding the program folder: the product has no name")
	}
	if perUser {
		base := getenv("LOCALAPPDATA")
		if base == "" {
			return "", errors.New("finding the program folder: LOCALAPPDATA is not set")
		}
		return JoinPath(base, "Programs", SafeName(p.Name), ExeName), nil
	}

	base := getenv("ProgramFiles")
	if base == "" {
		return "", errors.New("finding the program folder: ProgramFiles is not set")
	}
	if p.Publisher == "" {
		return JoinPath(base, SafeName(p.Name), ExeName), nil
	}
	return JoinPath(base, SafeName(p.Publisher), SafeName(p.Name), ExeName), nil
}

// SameFile reports whether dst exists with the same content as src.
func SameFile(src, dst string) (bool, error) {
	return sameContent(src, dst)
}

// oldSuffix marks a copy moved aside because it was running.
const oldSuffix = ".old"

// InstallCopy copies the executable src to dst when dst is missing or its
// content differs (size, then SHA-256), and reports whether it wrote. A
// running program cannot be overwritten on Windows but can be renamed, so
// when dst cannot be replaced it is moved aside to dst.old-N first; those
// leftovers are deleted by the next InstallCopy that can. src and dst
// being the same file is not an error: nothing is written.
func InstallCopy(src, dst string) (bool, error) {
	removeOld(dst)

	same, err := sameContent(src, dst)
	if err != nil {
		return false, err
	}
	if same {
		return false, nil
	}

	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(dst)+".new-*")
	if err != nil {
		return false, fmt.Errorf("copying setup to %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if err := copyTo(tmp, src); err != nil {
		tmp.Close()
		return false, fmt.Errorf("copying setup to %s: %w", dst, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("copying setup to %s: %w", dst, err)
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return false, fmt.Errorf("copying setup to %s: %w", dst, err)
	}

	if err := replace(tmp.Name(), dst); err != nil {
		return false, fmt.Errorf("replacing %s: %w", dst, err)
	}
	return true, nil
}

// replace renames tmp to dst; when that fails and dst exists, it moves
// dst aside and tries again.
func replace(tmp, dst string) error {
	err := os.Rename(tmp, dst)
	if err == nil {
		return nil
	}
	if _, statErr := os.Lstat(dst); statErr != nil {
		return err
	}
	aside, asideErr := moveAside(dst)
	if asideErr != nil {
		return errors.Join(err, asideErr)
	}
	if err := os.Rename(tmp, dst); err != nil {
		// Put the old copy back so the installation keeps a program.
		return errors.Join(err, os.Rename(aside, dst))
	}
	return nil
}

// moveAside renames path to the first free path.old-N.
func moveAside(path string) (string, error) {
	var last error
	for i := 1; i <= 100; i++ {
		aside := fmt.Sprintf("%s%s-%d", path, oldSuffix, i)
		if _, err := os.Lstat(aside); err == nil {
			continue
		}
		if last = os.Rename(path, aside); last == nil {
			return aside, nil
		}
	}
	return "", fmt.Errorf("moving %s aside: %w", path, last)
}

// removeOld deletes the copies moved aside earlier; those still running
// stay until a later run.
func removeOld(dst string) {
	old, _ := filepath.Glob(globEscape(dst) + oldSuffix + "-*")
	for _, p := range old {
		os.RemoveAll(p)
	}
}

// globEscape escapes the pattern characters of filepath.Match in path.
func globEscape(path string) string {
	if filepath.Separator == '\\' {
		// Backslash is the separator there; brackets escape instead.
		r := strings.NewReplacer("[", "[[]", "*", "[*]", "?", "[?]")
		return r.Replace(path)
	}
	r := strings.NewReplacer(`\`, `\\`, "[", `\[`, "*", `\*`, "?", `\?`)
	return r.Replace(path)
}

// sameContent reports whether dst exists with the content of src.
func sameContent(src, dst string) (bool, error) {
	si, err := os.Stat(src)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", src, err)
	}
	di, err := os.Stat(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", dst, err)
	}
	if os.SameFile(si, di) {
		return true, nil
	}
	if !di.Mode().IsRegular() || si.Size() != di.Size() {
		return false, nil
	}

	sh, err := hashFile(src)
	if err != nil {
		return false, err
	}
	dh, err := hashFile(dst)
	if err != nil {
		return false, err
	}
	return bytes.Equal(sh, dh), nil
}

func hashFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

func copyTo(w io.Writer, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
