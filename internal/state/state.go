// Package state keeps what setup has installed for a product: the resolved
// versions and digests, the shortcuts it wrote, and the generated secrets.
// It also holds the lock that lets one setup at a time work on a product.
package state

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"setup/internal/problem"
)

// State is what an install left behind.
type State struct {
	Product        string             `json:"product"`
	ManifestDigest string             `json:"manifest_digest"`
	InstalledAt    time.Time          `json:"installed_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	Services       map[string]Service `json:"services"`
	Shortcuts      []string           `json:"shortcuts,omitempty"`
}

// Service is one service's resolved image.
type Service struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	Digest     string `json:"digest"`
	// Major is the major version installed; upgrades stay inside it.
	Major uint64 `json:"major"`
}

// Reference returns "repository:tag@digest".
func (s Service) Reference() string {
	return s.Repository + ":" + s.Tag + "@" + s.Digest
}

// Dir returns the folder that keeps a product's state: system-wide when
// system is true, per user otherwise. SETUP_STATE_DIR overrides both.
func Dir(goos string, system bool, getenv func(string) string, home, product string) string {
	if dir := getenv("SETUP_STATE_DIR"); dir != "" {
		return filepath.Join(dir, product)
	}
	var base string
	switch {
	case goos == "windows" && system:
		base = filepath.Join(orDefault(getenv("ProgramData"), `C:\ProgramData`), "setup")
	case goos == "windows":
		base = filepath.Join(orDefault(getenv("LOCALAPPDATA"), filepath.Join(home, "AppData", "Local")), "setup")
	case goos == "darwin" && system:
		base = "/Library/Application Support/setup"
	case goos == "darwin":
		base = filepath.Join(home, "Library", "Application Support", "setup")
	case system:
		base = "/var/lib/setup"
	default:
		base = filepath.Join(orDefault(getenv("XDG_STATE_HOME"), filepath.Join(home, ".local", "state")), "setup")
	}
	return filepath.Join(base, product)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Store reads and writes the files of one product's state folder.
type Store struct {
	Dir string
}

func (s Store) statePath() string   { return filepath.Join(s.Dir, "state.json") }
func (s Store) secretsPath() string { return filepath.Join(s.Dir, "secrets.json") }

// Load returns the saved state, or nil when there is none.
func (s Store) Load() (*State, error) {
	data, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the state: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, problem.Wrap(problem.Failed, err,
			"the state file "+s.statePath()+" is damaged",
			"remove it and run setup again; volumes and data are not affected")
	}
	return &st, nil
}

// Save writes st atomically, readable by its owner only.
func (s Store) Save(st *State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.statePath(), append(data, '\n'))
}

// Remove deletes the saved state; the secrets stay.
func (s Store) Remove() error {
	if err := os.Remove(s.statePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the state: %w", err)
	}
	return nil
}

// RemoveAll deletes the state folder, secrets included.
func (s Store) RemoveAll() error {
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("removing %s: %w", s.Dir, err)
	}
	return nil
}

// Secrets returns a value for each key, generating the missing ones once
// from crypto/rand and keeping them for later runs.
func (s Store) Secrets(keys []string) (map[string]string, error) {
	values := map[string]string{}
	data, err := os.ReadFile(s.secretsPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading the secrets: %w", err)
	default:
		if err := json.Unmarshal(data, &values); err != nil {
			return nil, problem.Wrap(problem.Failed, err,
				"the secrets file "+s.secretsPath()+" is damaged",
				"restore it from a backup; without it the services cannot read their data")
		}
	}

	added := false
	for _, key := range keys {
		if values[key] != "" {
			continue
		}
		values[key] = newSecret()
		added = true
	}
	if added {
		data, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := writeFile(s.secretsPath(), append(data, '\n')); err != nil {
			return nil, err
		}
	}
	out := make(map[string]string, len(keys))
	for _, key := range keys {
		out[key] = values[key]
	}
	return out, nil
}

// PeekSecrets returns the values already kept for keys, and the keys that
// have none yet, without generating or writing anything.
func (s Store) PeekSecrets(keys []string) (map[string]string, []string) {
	values := map[string]string{}
	if data, err := os.ReadFile(s.secretsPath()); err == nil {
		_ = json.Unmarshal(data, &values)
	}
	out := map[string]string{}
	var missing []string
	for _, key := range keys {
		if v, ok := values[key]; ok && v != "" {
			out[key] = v
		} else {
			missing = append(missing, key)
		}
	}
	return out, missing
}

// secretAlphabet avoids characters that shells, URLs and YAML treat
// specially, so a secret can be pasted anywhere.
const secretAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

func newSecret() string {
	const n = 32
	b := make([]byte, n)
	out := make([]byte, 0, n)
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(secretAlphabet))
	for len(out) < n {
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand.Read does not fail on supported systems.
		}
		for _, c := range b {
			if c < limit && len(out) < n {
				out = append(out, secretAlphabet[int(c)%len(secretAlphabet)])
			}
		}
	}
	return string(out)
}

// writeFile replaces path atomically with data, owner-only.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Lock takes the product's lock, or fails with problem.Busy when another
// setup holds it. The returned function releases it.
func (s Store) Lock() (func(), error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", s.Dir, err)
	}
	path := filepath.Join(s.Dir, "lock")
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		holder := "another process"
		if pid, err := os.ReadFile(path + ".pid"); err == nil {
			holder = "process " + strings.TrimSpace(string(pid))
		}
		return nil, problem.New(problem.Busy,
			fmt.Sprintf("another setup for this product is running (%s holds %s)", holder, path),
			"wait for it to finish, then run setup again")
	}
	_ = os.WriteFile(path+".pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return func() {
		_ = os.Remove(path + ".pid")
		_ = l.Unlock()
	}, nil
}
