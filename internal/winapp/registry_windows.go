package winapp

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/windows/registry"
)

// root returns HKCU for one user, HKLM for all.
func root(perUser bool) registry.Key {
	if perUser {
		return registry.CURRENT_USER
	}
	return registry.LOCAL_MACHINE
}

// rootName names root(perUser) in messages.
func rootName(perUser bool) string {
	if perUser {
		return "HKCU"
	}
	return "HKLM"
}

// Register writes e below HKCU (perUser) or HKLM, replacing what its key
// held before.
func Register(e Entry, perUser bool) error {
	where := rootName(perUser) + `\` + e.Key
	err := registry.DeleteKey(root(perUser), e.Key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clearing %s: %w", where, err)
	}
	k, _, err := registry.CreateKey(root(perUser), e.Key, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("creating %s: %w", where, err)
	}
	defer k.Close()

	for name, v := range e.Strings {
		if err := k.SetStringValue(name, v); err != nil {
			return fmt.Errorf("writing %s\\%s: %w", where, name, err)
		}
	}
	for name, v := range e.DWords {
		if err := k.SetDWordValue(name, v); err != nil {
			return fmt.Errorf("writing %s\\%s: %w", where, name, err)
		}
	}
	return nil
}

// ReadEntry reads the string and DWORD values of key below HKCU (perUser)
// or HKLM. A missing key gives an error that matches fs.ErrNotExist.
func ReadEntry(key string, perUser bool) (Entry, error) {
	where := rootName(perUser) + `\` + key
	k, err := registry.OpenKey(root(perUser), key, registry.QUERY_VALUE)
	if err != nil {
		return Entry{}, fmt.Errorf("opening %s: %w", where, err)
	}
	defer k.Close()

	names, err := k.ReadValueNames(-1)
	if err != nil {
		return Entry{}, fmt.Errorf("reading %s: %w", where, err)
	}
	e := Entry{Key: key, Strings: map[string]string{}, DWords: map[string]uint32{}}
	for _, name := range names {
		_, typ, err := k.GetValue(name, nil)
		if err != nil {
			return Entry{}, fmt.Errorf("reading %s\\%s: %w", where, name, err)
		}
		switch typ {
		case registry.SZ, registry.EXPAND_SZ:
			v, _, err := k.GetStringValue(name)
			if err != nil {
				return Entry{}, fmt.Errorf("reading %s\\%s: %w", where, name, err)
			}
			e.Strings[name] = v
		case registry.DWORD:
			v, _, err := k.GetIntegerValue(name)
			if err != nil {
				return Entry{}, fmt.Errorf("reading %s\\%s: %w", where, name, err)
			}
			e.DWords[name] = uint32(v)
		}
	}
	return e, nil
}

// Unregister deletes the product's Add/Remove Programs entry below HKCU
// (perUser) or HKLM; a missing entry is not an error.
func Unregister(productID string, perUser bool) error {
	key, err := UninstallKey(productID)
	if err != nil {
		return err
	}
	err = registry.DeleteKey(root(perUser), key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s\\%s: %w", rootName(perUser), key, err)
	}
	return nil
}

// RegisterResume makes Windows run exe with args and ResumedFlag once,
// at the next sign-in: of the same user when perUser, else of the next
// administrator (HKLM, which needs an elevated process).
func RegisterResume(productID, exe string, args []string, perUser bool) error {
	name, command, err := ResumeCommand(productID, exe, args)
	if err != nil {
		return err
	}
	where := rootName(perUser) + `\` + runOnceKey
	k, _, err := registry.CreateKey(root(perUser), runOnceKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("opening %s: %w", where, err)
	}
	defer k.Close()
	if err := k.SetStringValue(name, command); err != nil {
		return fmt.Errorf("writing %s\\%s: %w", where, name, err)
	}
	return nil
}

// ReadResume returns the registered resume command line. A missing one
// gives an error that matches fs.ErrNotExist.
func ReadResume(productID string, perUser bool) (string, error) {
	where := rootName(perUser) + `\` + runOnceKey
	k, err := registry.OpenKey(root(perUser), runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", where, err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue(ResumeName(productID))
	if err != nil {
		return "", fmt.Errorf("reading %s\\%s: %w", where, ResumeName(productID), err)
	}
	return v, nil
}

// UnregisterResume deletes the resume command; a missing one is not an
// error.
func UnregisterResume(productID string, perUser bool) error {
	where := rootName(perUser) + `\` + runOnceKey
	k, err := registry.OpenKey(root(perUser), runOnceKey, registry.SET_VALUE)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", where, err)
	}
	defer k.Close()
	err = k.DeleteValue(ResumeName(productID))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s\\%s: %w", where, ResumeName(productID), err)
	}
	return nil
}
