package checks

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func gather(in Input) facts {
	f := facts{cpus: runtime.NumCPU()}
	f.memory, f.memErr = memTotal()

	f.diskPath = in.DataDir
	if f.diskPath == "" {
		f.diskPath = "/var/lib/docker"
	}
	f.diskFree, f.diskErr = diskFree(f.diskPath)

	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		f.platform = append(f.platform, Kernel(unix.ByteSliceToString(uts.Release[:])))
	}
	v2, _ := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
	v1, _ := os.ReadFile("/proc/cgroups")
	f.platform = append(f.platform, Cgroups(string(v2), string(v1)))
	return f
}

func memTotal() (uint64, error) {
	file, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("reading memory size: %w", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				break
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("reading memory size: no MemTotal in /proc/meminfo")
}

// diskFree measures free space at path, or at its nearest existing parent
// when the engine has not created it yet.
func diskFree(path string) (uint64, error) {
	p := path
	for {
		var st unix.Statfs_t
		err := unix.Statfs(p, &st)
		if err == nil {
			return st.Bavail * uint64(st.Bsize), nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, unix.ENOENT) || parent == p {
			return 0, fmt.Errorf("measuring free space at %s: %w", path, err)
		}
		p = parent
	}
}
