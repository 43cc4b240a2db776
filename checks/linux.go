package checks

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Kernel judges a Linux kernel release such as "6.1.0-18-amd64". Docker
// Engine needs 3.10 or later; overlay2 storage wants 4.0.
func Kernel(release string) Result {
	const name = "kernel"
	major, minor, err := kernelVersion(release)
	if err != nil {
		return Result{Name: name, Status: Warn, Evidence: err.Error()}
	}
	switch {
	case major < 3 || (major == 3 && minor < 10):
		return Result{Name: name, Status: Fail,
			Evidence: fmt.Sprintf("Linux %s; Docker Engine needs 3.10 or later", release),
			Fix:      "upgrade the kernel (a current distribution release has one)"}
	case major < 4:
		return Result{Name: name, Status: Warn,
			Evidence: fmt.Sprintf("Linux %s; 4.0 or later is recommended for overlay2 storage", release)}
	}
	return ok(name, "Linux %s", release)
}

func kernelVersion(release string) (int, int, error) {
	fields := strings.FieldsFunc(release, func(r rune) bool { return r == '.' || r == '-' })
	if len(fields) < 2 {
		return 0, 0, fmt.Errorf("kernel release %q is not major.minor", release)
	}
	major, err1 := strconv.Atoi(fields[0])
	minor, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("kernel release %q is not major.minor", release)
	}
	return major, minor, nil
}

// Cgroups judges the control groups the engine needs. v2Controllers is the
// content of /sys/fs/cgroup/cgroup.controllers ("" when the unified
// hierarchy is not mounted); procCgroups is /proc/cgroups, for v1.
func Cgroups(v2Controllers, procCgroups string) Result {
	const name = "cgroups"
	needed := []string{"cpu", "memory", "pids"}
	if strings.TrimSpace(v2Controllers) != "" {
		have := map[string]bool{}
		for _, c := range strings.Fields(v2Controllers) {
			have[c] = true
		}
		if missing := missingOf(needed, have); len(missing) > 0 {
			return Result{Name: name, Status: Warn,
				Evidence: "cgroup v2 without the " + strings.Join(missing, ", ") + " controller(s); limits will not apply"}
		}
		return ok(name, "cgroup v2 with %s", strings.Join(needed, ", "))
	}

	have := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(procCgroups))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 4 && !strings.HasPrefix(f[0], "#") && f[3] == "1" {
			have[f[0]] = true
		}
	}
	if len(have) == 0 {
		return Result{Name: name, Status: Fail,
			Evidence: "no cgroup hierarchy is mounted",
			Fix:      "boot a kernel with cgroups enabled (every mainstream distribution does) or mount /sys/fs/cgroup"}
	}
	if missing := missingOf([]string{"memory", "cpu"}, have); len(missing) > 0 {
		return Result{Name: name, Status: Fail,
			Evidence: "cgroup v1 without the " + strings.Join(missing, ", ") + " controller(s)",
			Fix:      "enable them on the kernel command line (e.g. cgroup_enable=memory) and reboot"}
	}
	return ok(name, "cgroup v1 with memory and cpu")
}

func missingOf(needed []string, have map[string]bool) []string {
	var missing []string
	for _, n := range needed {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	return missing
}
