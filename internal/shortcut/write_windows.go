package shortcut

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"setup/internal/winapp"
	"syscall"
	"unsafe"

	"github.com/go-ole/go-ole"
	"golang.org/x/sys/windows"
)

// The COM class and interfaces of a shell link.
var (
	clsidShellLink  = ole.NewGUID("{00021401-0000-0000-C000-000000000046}")
	iidIShellLinkW  = ole.NewGUID("{000214F9-0000-0000-C000-000000000046}")
	iidIPersistFile = ole.NewGUID("{0000010B-0000-0000-C000-000000000046}")
)

// Method numbers in the vtables, counted from IUnknown's three.
const (
	shellLinkGetPath             = 3
	shellLinkGetDescription      = 6
	shellLinkSetDescription      = 7
	shellLinkGetWorkingDirectory = 8
	shellLinkSetWorkingDirectory = 9
	shellLinkGetArguments        = 10
	shellLinkSetArguments        = 11
	shellLinkGetIconLocation     = 16
	shellLinkSetIconLocation     = 17
	shellLinkSetPath             = 20

	persistFileLoad = 5
	persistFileSave = 6
)

const (
	slgpRawPath = 0x4 // SLGP_RAWPATH
	stgmRead    = 0x0 // STGM_READ
	maxText     = 32768
)

// writeTargets writes a shell link to each target.
func writeTargets(targets []target) ([]string, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	var paths []string
	err := withCOM(func() error {
		for _, t := range targets {
			if err := saveLink(t.path, t.l.Link()); err != nil {
				return err
			}
			paths = append(paths, t.path)
		}
		return nil
	})
	return paths, err
}

// withCOM runs fn with COM initialized, on one thread throughout: COM
// objects belong to the thread that made them.
func withCOM(fn func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	uninit, err := winapp.InitCOM()
	if err != nil {
		return err
	}
	if uninit {
		defer ole.CoUninitialize()
	}
	return fn()
}

// saveLink writes want to path unless path holds a link that runs the
// same already.
func saveLink(path string, want Link) error {
	if have, err := loadLink(path); err == nil && have.Equal(want) {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}

	link, file, err := newShellLink()
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer link.Release()
	defer file.Release()
	steps := []struct {
		method int
		args   []any
	}{
		{shellLinkSetPath, []any{want.Target}},
		{shellLinkSetArguments, []any{want.Arguments}},
		{shellLinkSetDescription, []any{want.Description}},
		{shellLinkSetWorkingDirectory, []any{want.WorkingDirectory}},
		{shellLinkSetIconLocation, []any{want.IconPath, uintptr(want.IconIndex)}},
	}
	for _, s := range steps {
		if err := call(link, s.method, s.args...); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := call(file, persistFileSave, path, uintptr(1)); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// loadLink reads the shell link at path.
func loadLink(path string) (Link, error) {
	if _, err := os.Stat(path); err != nil {
		return Link{}, err
	}
	link, file, err := newShellLink()
	if err != nil {
		return Link{}, err
	}
	defer link.Release()
	defer file.Release()
	if err := call(file, persistFileLoad, path, uintptr(stgmRead)); err != nil {
		return Link{}, fmt.Errorf("reading %s: %w", path, err)
	}

	var k Link
	var icon int32
	buf := make([]uint16, maxText)
	text := func(method int, extra ...any) (string, error) {
		clear(buf)
		args := append([]any{&buf[0], uintptr(len(buf))}, extra...)
		if err := call(link, method, args...); err != nil {
			return "", fmt.Errorf("reading %s: %w", path, err)
		}
		return windows.UTF16ToString(buf), nil
	}
	if k.Target, err = text(shellLinkGetPath, uintptr(0), uintptr(slgpRawPath)); err != nil {
		return Link{}, err
	}
	if k.Arguments, err = text(shellLinkGetArguments); err != nil {
		return Link{}, err
	}
	if k.Description, err = text(shellLinkGetDescription); err != nil {
		return Link{}, err
	}
	if k.WorkingDirectory, err = text(shellLinkGetWorkingDirectory); err != nil {
		return Link{}, err
	}
	if k.IconPath, err = text(shellLinkGetIconLocation, &icon); err != nil {
		return Link{}, err
	}
	k.IconIndex = int(icon)
	return k, nil
}

// newShellLink creates a shell link object and returns its IShellLinkW
// and IPersistFile interfaces; the caller releases both.
func newShellLink() (link, file *ole.IUnknown, err error) {
	link, err = ole.CreateInstance(clsidShellLink, iidIShellLinkW)
	if err != nil {
		return nil, nil, fmt.Errorf("creating a shell link: %w", err)
	}
	disp, err := link.QueryInterface(iidIPersistFile)
	if err != nil {
		link.Release()
		return nil, nil, fmt.Errorf("creating a shell link: %w", err)
	}
	return link, (*ole.IUnknown)(unsafe.Pointer(disp)), nil
}

// call calls method number method of the COM interface obj. Arguments are
// strings (passed as UTF-16), uintptrs, or pointers to uint16 or int32.
func call(obj *ole.IUnknown, method int, args ...any) error {
	raw := []uintptr{uintptr(unsafe.Pointer(obj))}
	var keep [][]uint16
	for _, a := range args {
		switch v := a.(type) {
		case string:
			s, err := windows.UTF16FromString(v)
			if err != nil {
				return fmt.Errorf("passing %q: %w", v, err)
			}
			keep = append(keep, s)
			raw = append(raw, uintptr(unsafe.Pointer(&s[0])))
		case uintptr:
			raw = append(raw, v)
		case *uint16:
			raw = append(raw, uintptr(unsafe.Pointer(v)))
		case *int32:
			raw = append(raw, uintptr(unsafe.Pointer(v)))
		default:
			panic(fmt.Sprintf("shortcut: unexpected COM argument %T", a))
		}
	}
	vtbl := (*[32]uintptr)(unsafe.Pointer(obj.RawVTable))
	hr, _, _ := syscall.SyscallN(vtbl[method], raw...)
	runtime.KeepAlive(keep)
	runtime.KeepAlive(args)
	if int32(hr) < 0 {
		return ole.NewError(hr)
	}
	return nil
}
