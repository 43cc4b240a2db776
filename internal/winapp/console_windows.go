package winapp

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                  = windows.NewLazySystemDLL("kernel32.dll")
	procGetConsoleProcessList = kernel32.NewProc("GetConsoleProcessList")
)

// ConsoleProcesses returns how many processes share this process's
// console, from kernel32!GetConsoleProcessList; an error when there is no
// console.
func ConsoleProcesses() (int, error) {
	var ids [8]uint32
	n, _, err := procGetConsoleProcessList.Call(
		uintptr(unsafe.Pointer(&ids[0])), uintptr(len(ids)))
	if n == 0 {
		return 0, fmt.Errorf("listing the console's processes: %w", err)
	}
	return int(n), nil
}

// StartedByDoubleClick reports whether the program owns its console
// window alone, as when Explorer started it: see ShouldPause.
func StartedByDoubleClick() bool {
	return ShouldPause(ConsoleProcesses())
}

// EnableVirtualTerminal turns on ANSI escape sequences for the console
// behind f and reports whether they are on: false when f is no console
// (a pipe, a file) or the console cannot do them.
func EnableVirtualTerminal(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	mode |= windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING
	return windows.SetConsoleMode(h, mode) == nil
}
