package winapp

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// uninstallRoot is the key, below HKLM or HKCU, that holds one subkey for
// each program listed in Add/Remove Programs.
const uninstallRoot = `Software\Microsoft\Windows\CurrentVersion\Uninstall`

// Entry is the content of a registry key: its path below HKLM or HKCU and
// its string and DWORD values.
type Entry struct {
	Key     string
	Strings map[string]string
	DWords  map[string]uint32
}

// UninstallKey returns the key of the product's Add/Remove Programs entry.
func UninstallKey(productID string) (string, error) {
	if productID == "" || strings.ContainsAny(productID, `\/`) {
		return "", fmt.Errorf("naming the uninstall entry: bad product id %q", productID)
	}
	return uninstallRoot + `\` + productID, nil
}

// UninstallEntry returns the Add/Remove Programs entry for p installed as
// the stable copy exe, taking size bytes on disk: the name, version and
// publisher shown, the program's icon, the commands that remove it with
// and without questions, its folder, and its size in KiB. Modify and
// Repair are hidden: running setup again repairs.
func UninstallEntry(p Product, exe string, size int64) (Entry, error) {
	key, err := UninstallKey(p.ID)
	if err != nil {
		return Entry{}, err
	}
	if p.Name == "" {
		return Entry{}, errors.New("naming the uninstall entry: the product has no name")
	}

	e := Entry{
		Key: key,
		Strings: map[string]string{
			"DisplayName":          p.Name,
			"DisplayVersion":       p.Version,
			"Publisher":            p.Publisher,
			"DisplayIcon":          exe + ",0",
			"UninstallString":      CommandLine(exe, []string{"uninstall"}),
			"QuietUninstallString": CommandLine(exe, []string{"uninstall", "--unattended"}),
			"InstallLocation":      DirOf(exe),
		},
		DWords: map[string]uint32{
			"NoModify":      1,
			"NoRepair":      1,
			"EstimatedSize": sizeKiB(size),
		},
	}
	for name, v := range e.Strings {
		if v == "" {
			delete(e.Strings, name)
		}
	}
	return e, nil
}

// sizeKiB rounds size up to whole KiB, within a DWORD.
func sizeKiB(size int64) uint32 {
	if size <= 0 {
		return 0
	}
	kib := (size + 1023) / 1024
	if kib > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(kib)
}
