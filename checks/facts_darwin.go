package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// gather on macOS measures memory and the free space of the disk that
// holds the home folder, where Docker Desktop keeps its disk image. The
// checks particular to macOS are not written yet.
func gather(in Input) facts {
	f := facts{cpus: runtime.NumCPU()}
	f.memory, f.memErr = unix.SysctlUint64("hw.memsize")
	if f.memErr != nil {
		f.memErr = fmt.Errorf("reading memory size: %w", f.memErr)
	}

	// The engine's data directory is a path inside Docker Desktop's
	// virtual machine, not on this disk.
	f.diskPath, _ = os.UserHomeDir()
	if f.diskPath == "" {
		f.diskPath = "/"
	}
	f.diskFree, f.diskErr = diskFree(f.diskPath)
	return f
}

func diskFree(path string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Clean(path), &st); err != nil {
		return 0, fmt.Errorf("measuring free space at %s: %w", path, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}
