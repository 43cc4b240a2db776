package checks_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/checks"
	"setup/internal/engine"
	"setup/internal/problem"
)

const gib = 1 << 30

func TestAmount(t *testing.T) {
	tests := []struct {
		name       string
		have, need uint64
		want       checks.Status
		// evidence is a phrase the evidence must hold.
		evidence string
		wantFix  bool
	}{
		{name: "enough", have: 8 * gib, need: 4 * gib, want: checks.OK,
			evidence: "8.0 GiB of memory, 4.0 GiB required"},
		{name: "exactly enough", have: 4 * gib, need: 4 * gib, want: checks.OK,
			evidence: "4.0 GiB of memory"},
		{name: "4 GiB machine reporting 3.8 GiB", have: 38 * gib / 10, need: 4 * gib, want: checks.Warn,
			evidence: "3.8 GiB of memory, a little under the 4.0 GiB required"},
		{name: "half of it", have: 2 * gib, need: 4 * gib, want: checks.Fail,
			evidence: "2.0 GiB of memory, 4.0 GiB required", wantFix: true},
		{name: "nothing required", have: 1 * gib, need: 0, want: checks.OK,
			evidence: "nothing required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Amount("memory", "of memory", tt.have, tt.need, "add memory")
			if got.Name != "memory" || got.Status != tt.want {
				t.Errorf("Amount() = %s %s, want memory %s", got.Name, got.Status, tt.want)
			}
			if !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("Amount().Evidence = %q, want it to say %q", got.Evidence, tt.evidence)
			}
			if (got.Fix != "") != tt.wantFix {
				t.Errorf("Amount().Fix = %q, want a fix %t", got.Fix, tt.wantFix)
			}
		})
	}
}

func TestCPUs(t *testing.T) {
	tests := []struct {
		name       string
		have, need int
		want       checks.Status
	}{
		{name: "more", have: 8, need: 2, want: checks.OK},
		{name: "exactly", have: 2, need: 2, want: checks.OK},
		{name: "fewer", have: 1, need: 2, want: checks.Fail},
		{name: "nothing required", have: 1, need: 0, want: checks.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.CPUs(tt.have, tt.need)
			if got.Status != tt.want {
				t.Errorf("CPUs(%d, %d) = %s (%s), want %s",
					tt.have, tt.need, got.Status, got.Evidence, tt.want)
			}
			if got.Status == checks.Fail && got.Fix == "" {
				t.Errorf("CPUs(%d, %d).Fix is empty, want a fix", tt.have, tt.need)
			}
		})
	}
}

func TestArchitecture(t *testing.T) {
	tests := []struct {
		goos, arch string
		want       checks.Status
	}{
		{goos: "linux", arch: "amd64", want: checks.OK},
		{goos: "linux", arch: "arm64", want: checks.OK},
		{goos: "darwin", arch: "arm64", want: checks.OK},
		{goos: "linux", arch: "386", want: checks.Fail},
		{goos: "linux", arch: "arm", want: checks.Fail},
		{goos: "linux", arch: "riscv64", want: checks.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.arch, func(t *testing.T) {
			if got := checks.Architecture(tt.goos, tt.arch).Status; got != tt.want {
				t.Errorf("Architecture(%q, %q) = %s, want %s", tt.goos, tt.arch, got, tt.want)
			}
		})
	}
}

func TestKernel(t *testing.T) {
	tests := []struct {
		release string
		want    checks.Status
	}{
		{release: "6.1.0-18-amd64", want: checks.OK},
		{release: "5.15.153.1-microsoft-standard-WSL2", want: checks.OK},
		{release: "4.0.0", want: checks.OK},
		{release: "3.16.0", want: checks.Warn},
		{release: "3.10.0-1160.el7.x86_64", want: checks.Warn},
		{release: "3.2.0", want: checks.Fail},
		{release: "2.6.32-754.el6.x86_64", want: checks.Fail},
		{release: "garbage", want: checks.Warn},
		{release: "", want: checks.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			got := checks.Kernel(tt.release)
			if got.Status != tt.want {
				t.Errorf("Kernel(%q) = %s (%s), want %s", tt.release, got.Status, got.Evidence, tt.want)
			}
			if got.Status == checks.Fail && got.Fix == "" {
				t.Errorf("Kernel(%q).Fix is empty, want a fix", tt.release)
			}
		})
	}
}

const (
	procCgroupsHeader = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	procCgroupsV1     = procCgroupsHeader + `cpuset	2	1	1
cpu	3	64	1
cpuacct	3	64	1
blkio	4	64	1
memory	5	97	1
devices	6	64	1
freezer	7	1	1
net_cls	8	1	1
perf_event	9	1	1
net_prio	8	1	1
pids	10	70	1
`
	procCgroupsNoMemory = procCgroupsHeader + `cpuset	2	1	1
cpu	3	64	1
cpuacct	3	64	1
blkio	4	64	1
memory	0	1	0
devices	6	64	1
freezer	7	1	1
pids	10	70	1
`
	// procCgroupsV2Only is /proc/cgroups on a unified-hierarchy system,
	// where every controller sits at hierarchy 0.
	procCgroupsV2Only = procCgroupsHeader + `cpuset	0	121	1
cpu	0	121	1
memory	0	121	1
pids	0	121	1
`
)

func TestCgroups(t *testing.T) {
	tests := []struct {
		name   string
		v2, v1 string
		want   checks.Status
		// evidence is a phrase the evidence must hold.
		evidence string
	}{{
		name:     "v2 with every controller",
		v2:       "cpuset cpu io memory hugetlb pids rdma misc\n",
		v1:       procCgroupsV2Only,
		want:     checks.OK,
		evidence: "cgroup v2",
	}, {
		name:     "v2 without memory and cpu",
		v2:       "cpuset io pids\n",
		want:     checks.Warn,
		evidence: "cpu, memory",
	}, {
		name:     "v1 with memory and cpu",
		v1:       procCgroupsV1,
		want:     checks.OK,
		evidence: "cgroup v1",
	}, {
		name:     "v1 with memory disabled",
		v1:       procCgroupsNoMemory,
		want:     checks.Fail,
		evidence: "memory",
	}, {
		name:     "none",
		want:     checks.Fail,
		evidence: "no cgroup hierarchy",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Cgroups(tt.v2, tt.v1)
			if got.Status != tt.want {
				t.Errorf("Cgroups() = %s (%s), want %s", got.Status, got.Evidence, tt.want)
			}
			if !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("Cgroups().Evidence = %q, want it to say %q", got.Evidence, tt.evidence)
			}
			if got.Status == checks.Fail && got.Fix == "" {
				t.Error("Cgroups().Fix is empty, want a fix")
			}
		})
	}
}

func TestPorts(t *testing.T) {
	inUse := errors.New("address already in use")
	tests := []struct {
		name string
		uses []checks.PortUse
		want checks.Result
	}{{
		name: "none published",
		want: checks.Result{Name: "ports", Status: checks.OK, Evidence: "no published ports"},
	}, {
		name: "free",
		uses: []checks.PortUse{
			{Port: 8086, Protocol: "tcp", Service: "influxdb"},
			{Port: 3000, Protocol: "tcp", Service: "grafana"},
		},
		want: checks.Result{Name: "ports", Status: checks.OK,
			Evidence: "free: 3000/tcp, 8086/tcp"},
	}, {
		name: "ours",
		uses: []checks.PortUse{
			{Port: 8086, Protocol: "tcp", Service: "influxdb", Owner: "demo-influxdb"},
			{Port: 3000, Protocol: "tcp", Service: "grafana"},
		},
		want: checks.Result{Name: "ports", Status: checks.OK,
			Evidence: "free: 3000/tcp; held by this product: 8086/tcp (demo-influxdb)"},
	}, {
		name: "taken",
		uses: []checks.PortUse{
			{Port: 8086, Protocol: "tcp", Service: "influxdb", Err: inUse},
			{Port: 3000, Protocol: "tcp", Service: "grafana"},
		},
		want: checks.Result{Name: "ports", Status: checks.Fail,
			Evidence: "in use by another program: 8086/tcp for influxdb: address already in use",
			Fix:      "stop the program that holds the port, or change the port in the manifest"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Ports(tt.uses)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ports() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEngineAccess(t *testing.T) {
	ep := engine.Endpoint{Host: "unix:///var/run/docker.sock", Source: "the platform default"}
	denied := &net.OpError{Op: "dial", Net: "unix",
		Err: os.NewSyscallError("connect", syscall.EACCES)}
	missing := &fs.PathError{Op: "stat", Path: "/var/run/docker.sock", Err: syscall.ENOENT}
	refused := &net.OpError{Op: "dial", Net: "unix",
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

	tests := []struct {
		name    string
		system  bool
		err     error
		want    checks.Status
		wantFix string
	}{
		{name: "reachable", err: nil, want: checks.OK},
		{name: "permission denied as user", err: denied, want: checks.Fail, wantFix: "docker group"},
		{name: "permission denied as root", system: true, err: denied, want: checks.Fail,
			wantFix: "docker group"},
		{name: "missing socket as root", system: true, err: missing, want: checks.Warn},
		{name: "missing socket as user", err: missing, want: checks.Fail, wantFix: "run setup as root"},
		{name: "refused as user", err: refused, want: checks.Fail, wantFix: "start the container engine"},
		{name: "something else", err: errors.New("i/o timeout"), want: checks.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.EngineAccess(ep, tt.system, tt.err)
			if got.Status != tt.want {
				t.Errorf("EngineAccess() = %s (%s), want %s", got.Status, got.Evidence, tt.want)
			}
			if !strings.Contains(got.Fix, tt.wantFix) {
				t.Errorf("EngineAccess().Fix = %q, want it to say %q", got.Fix, tt.wantFix)
			}
			if !strings.Contains(got.Evidence, ep.Host) {
				t.Errorf("EngineAccess().Evidence = %q, want it to name %s", got.Evidence, ep.Host)
			}
		})
	}
}

func TestFailed(t *testing.T) {
	results := []checks.Result{
		{Name: "architecture", Status: checks.OK, Evidence: "linux/amd64"},
		{Name: "memory", Status: checks.Warn, Evidence: "3.8 GiB of memory"},
		{Name: "cpus", Status: checks.Fail, Evidence: "1 logical processors, 2 required",
			Fix: "run on a machine with at least 2 processors"},
		{Name: "docker", Status: checks.NotNeeded, Evidence: "an engine answers"},
		{Name: "ports", Status: checks.Fail, Evidence: "in use: 8086/tcp",
			Fix: "stop the program that holds the port"},
	}

	err := checks.Failed(results)
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Failed() = %v, want a *problem.Error", err)
	}
	want := &problem.Error{
		Code:     problem.Prerequisites,
		What:     "2 prerequisite(s) not met",
		Evidence: "cpus: 1 logical processors, 2 required\nports: in use: 8086/tcp",
		Fix:      "run on a machine with at least 2 processors; stop the program that holds the port",
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("Failed() mismatch (-want +got):\n%s", diff)
	}

	if err := checks.Failed(results[:2]); err != nil {
		t.Errorf("Failed(no failures) = %v, want nil", err)
	}
}

func ExampleFailed() {
	err := checks.Failed([]checks.Result{
		{Name: "kernel", Status: checks.Fail, Evidence: "Linux 3.2.0", Fix: "upgrade the kernel"},
	})
	fmt.Print(problem.Format(err))
	// Output:
	// error: 1 prerequisite(s) not met
	//   | kernel: Linux 3.2.0
	// fix: upgrade the kernel
}

func TestEngineVersion(t *testing.T) {
	v := engine.Version{Version: "20.10.24+dfsg1", OS: "linux", Arch: "amd64"}
	tooOld := engine.CheckVersion(v, ">= 99")
	tests := []struct {
		name       string
		err        error
		wantStatus checks.Status
		want       string
	}{
		{"satisfied", nil, checks.OK, "satisfies >= 20.10"},
		{"too old", tooOld, checks.Fail, "too old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.EngineVersion(v, ">= 20.10", tt.err)
			if got.Status != tt.wantStatus || !strings.Contains(got.Evidence, tt.want) {
				t.Errorf("EngineVersion() = %+v, want %s with %q", got, tt.wantStatus, tt.want)
			}
			if tt.wantStatus == checks.Fail && got.Fix == "" {
				t.Errorf("EngineVersion() = %+v, want a fix", got)
			}
		})
	}
}
