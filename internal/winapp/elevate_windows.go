package winapp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"

	"setup/internal/problem"
)

var (
	shell32             = windows.NewLazySystemDLL("shell32.dll")
	procShellExecuteExW = shell32.NewProc("ShellExecuteExW")
)

// shellExecuteInfo is SHELLEXECUTEINFOW.
type shellExecuteInfo struct {
	size       uint32
	mask       uint32
	hwnd       windows.HWND
	verb       *uint16
	file       *uint16
	parameters *uint16
	directory  *uint16
	show       int32
	instApp    windows.Handle
	idList     uintptr
	class      *uint16
	keyClass   windows.Handle
	hotKey     uint32
	icon       windows.Handle
	process    windows.Handle
}

const (
	seeMaskNoCloseProcess = 0x00000040
	seeMaskNoAsync        = 0x00000100
	swShowNormal          = 1
)

// Elevated reports whether the process runs with an elevated token.
func Elevated() bool {
	return windows.GetCurrentProcessToken().IsElevated()
}

// Elevate runs this executable again with args and administrator rights
// (the "runas" verb, which shows the UAC prompt), in a console window of
// its own, waits for it and returns its exit code. A declined prompt is a
// *problem.Error with code Cancelled. When ctx ends first, Elevate stops
// waiting and returns ctx.Err(); the elevated process runs on. Paths in
// args should be absolute: the elevated process may not start in the
// current folder.
func Elevate(ctx context.Context, args []string) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return -1, fmt.Errorf("finding setup's executable: %w", err)
	}
	dir, err := os.Getwd()
	if err != nil {
		return -1, fmt.Errorf("finding the current folder: %w", err)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = QuoteArg(a)
	}

	// ShellExecuteEx may reach shell extensions through COM, so it wants
	// COM initialized on the calling thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	initialized, err := InitCOM()
	if err != nil {
		return -1, err
	}
	if initialized {
		defer windows.CoUninitialize()
	}

	process, err := shellExecute("runas", exe, strings.Join(quoted, " "), dir)
	if err != nil {
		return -1, err
	}
	defer windows.CloseHandle(process)
	return waitExit(ctx, process)
}

// InitCOM initializes COM, single-threaded, on the current thread, which
// the caller keeps locked, and reports whether CoUninitialize must follow.
// A thread initialized already in the other model is usable as it is.
func InitCOM() (bool, error) {
	err := windows.CoInitializeEx(0,
		windows.COINIT_APARTMENTTHREADED|windows.COINIT_DISABLE_OLE1DDE)
	var errno syscall.Errno
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &errno) && uint32(errno) == uint32(windows.S_FALSE):
		return true, nil
	case errors.As(err, &errno) && uint32(errno) == uint32(windows.RPC_E_CHANGED_MODE):
		return false, nil
	}
	return false, fmt.Errorf("initializing COM: %w", err)
}

// shellExecute starts file with verb through ShellExecuteExW and returns
// the new process's handle.
func shellExecute(verb, file, parameters, dir string) (windows.Handle, error) {
	info := shellExecuteInfo{
		mask:       seeMaskNoCloseProcess | seeMaskNoAsync,
		verb:       windows.StringToUTF16Ptr(verb),
		file:       windows.StringToUTF16Ptr(file),
		parameters: windows.StringToUTF16Ptr(parameters),
		directory:  windows.StringToUTF16Ptr(dir),
		show:       swShowNormal,
	}
	info.size = uint32(unsafe.Sizeof(info))
	ok, _, err := procShellExecuteExW.Call(uintptr(unsafe.Pointer(&info)))
	if ok == 0 {
		if errors.Is(err, windows.ERROR_CANCELLED) {
			return 0, problem.Wrap(problem.Cancelled, err,
				"the administrator prompt was declined",
				"run setup again and answer Yes, or install for this user only")
		}
		return 0, fmt.Errorf("starting %s as administrator: %w", file, err)
	}
	if info.process == 0 {
		return 0, fmt.Errorf("starting %s as administrator: no process handle", file)
	}
	return info.process, nil
}

// waitExit waits for process to end and returns its exit code.
func waitExit(ctx context.Context, process windows.Handle) (int, error) {
	for {
		ev, err := windows.WaitForSingleObject(process, 100)
		switch ev {
		case windows.WAIT_OBJECT_0:
			var code uint32
			if err := windows.GetExitCodeProcess(process, &code); err != nil {
				return -1, fmt.Errorf("reading the exit code: %w", err)
			}
			return int(code), nil
		case uint32(windows.WAIT_TIMEOUT):
			if ctx.Err() != nil {
				return -1, ctx.Err()
			}
		default:
			return -1, fmt.Errorf("waiting for the elevated setup: %w", err)
		}
	}
}
