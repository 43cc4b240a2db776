package checks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// gatherTimeout bounds the slow probes: a DISM session and netsh.
const gatherTimeout = 30 * time.Second

func gather(in Input) facts {
	f := facts{cpus: runtime.NumCPU()}
	f.memory, f.memErr = memTotal()

	// The engine's own data directory is a Linux path inside its virtual
	// machine; what fills up on the host is the disk its disk image is on,
	// the system drive unless the user moved it.
	f.diskPath = in.DataDir
	if filepath.VolumeName(f.diskPath) == "" {
		f.diskPath = systemDrive()
	}
	f.diskFree, f.diskErr = diskFree(f.diskPath)

	ctx, cancel := context.WithTimeout(context.Background(), gatherTimeout)
	defer cancel()
	wf := readWindowsFacts(ctx, systemProbe{}, !in.EngineAnswers)
	f.platform = Windows(in, wf)
	f.excluded = wf.Excluded
	return f
}

// virtualizationProbe reads what cannot be read the same way everywhere
// and what Wine does not model: firmware virtualization, a running
// hypervisor and the optional features' states. Tests use a fake.
type virtualizationProbe interface {
	// Virtualization reports whether the firmware enables virtualization,
	// nil when Windows does not say, and whether a hypervisor runs.
	Virtualization() (firmware *bool, hypervisor bool)
	// Features reads the states of the optional features.
	Features(ctx context.Context) (FeatureStates, error)
}

// readWindowsFacts reads the Windows facts, and asks the probe only when
// installing is true, that is when an engine may have to be installed.
func readWindowsFacts(ctx context.Context, probe virtualizationProbe, installing bool) WindowsFacts {
	var f WindowsFacts
	f.Build = int(windows.RtlGetVersion().BuildNumber)
	f.UBR, f.EditionID = currentVersion()
	f.NativeMachine = nativeMachine()
	f.Elevated = windows.GetCurrentProcessToken().IsElevated()
	f.Reboot = readRebootFacts()
	if installing {
		f.FirmwareVirtualization, f.HypervisorPresent = probe.Virtualization()
		f.Features, f.FeaturesErr = probe.Features(ctx)
	}
	f.Excluded, f.ExcludedErr = excludedPorts(ctx)
	return f
}

const currentVersionKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`

// currentVersion reads the update revision and the edition; zero and ""
// when missing.
func currentVersion() (ubr int, edition string) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, currentVersionKey, registry.QUERY_VALUE)
	if err != nil {
		return 0, ""
	}
	defer k.Close()
	if v, _, err := k.GetIntegerValue("UBR"); err == nil {
		ubr = int(v)
	}
	edition, _, _ = k.GetStringValue("EditionID")
	return ubr, edition
}

// nativeMachine is the operating system's machine type; zero when unknown.
func nativeMachine() uint16 {
	var process, native uint16
	if err := windows.IsWow64Process2(windows.CurrentProcess(), &process, &native); err != nil {
		return 0
	}
	return native
}

// memoryStatusEx is MEMORYSTATUSEX.
type memoryStatusEx struct {
	length               uint32
	memoryLoad           uint32
	totalPhys            uint64
	availPhys            uint64
	totalPageFile        uint64
	availPageFile        uint64
	totalVirtual         uint64
	availVirtual         uint64
	availExtendedVirtual uint64
}

var (
	kernel32                 = windows.NewLazySystemDLL("kernel32.dll")
	procGlobalMemoryStatusEx = kernel32.NewProc("GlobalMemoryStatusEx")
)

func memTotal() (uint64, error) {
	st := memoryStatusEx{length: uint32(unsafe.Sizeof(memoryStatusEx{}))}
	if err := procGlobalMemoryStatusEx.Find(); err != nil {
		return 0, fmt.Errorf("reading memory size: %w", err)
	}
	r, _, err := procGlobalMemoryStatusEx.Call(uintptr(unsafe.Pointer(&st)))
	if r == 0 {
		return 0, fmt.Errorf("reading memory size: %w", err)
	}
	return st.totalPhys, nil
}

// systemDrive is the root of the drive Windows is on, such as `C:\`.
func systemDrive() string {
	dir, err := windows.GetSystemWindowsDirectory()
	if err != nil || filepath.VolumeName(dir) == "" {
		return `C:\`
	}
	return filepath.VolumeName(dir) + `\`
}

// diskFree measures the free space at path, or at its nearest existing
// parent when the folder does not exist yet.
func diskFree(path string) (uint64, error) {
	p := path
	for {
		u, err := windows.UTF16PtrFromString(p)
		if err != nil {
			return 0, fmt.Errorf("measuring free space at %s: %w", path, err)
		}
		var free, total, totalFree uint64
		err = windows.GetDiskFreeSpaceEx(u, &free, &total, &totalFree)
		if err == nil {
			return free, nil
		}
		parent := filepath.Dir(p)
		notFound := errors.Is(err, windows.ERROR_PATH_NOT_FOUND) ||
			errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
		if !notFound || parent == p {
			return 0, fmt.Errorf("measuring free space at %s: %w", path, err)
		}
		p = parent
	}
}

// readRebootFacts reads the registry values that tell of a pending
// restart. A value that cannot be read counts as absent.
func readRebootFacts() RebootFacts {
	const (
		cbs      = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`
		wu       = `SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`
		session  = `SYSTEM\CurrentControlSet\Control\Session Manager`
		active   = `SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName`
		pending  = `SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
		netlogon = `SYSTEM\CurrentControlSet\Services\Netlogon`
	)
	var r RebootFacts
	r.ServicingPending = keyExists(cbs)
	r.UpdateRequired = keyExists(wu)
	for _, name := range []string{"PendingFileRenameOperations", "PendingFileRenameOperations2"} {
		v, _ := readStrings(session, name)
		r.FileRenames = append(r.FileRenames, v...)
	}
	r.ActiveName, _ = readString(active, "ComputerName")
	r.PendingName, _ = readString(pending, "ComputerName")
	r.DomainJoin = valueExists(netlogon, "JoinDomain") || valueExists(netlogon, "AvoidSpnSet")
	return r
}

func keyExists(path string) bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	k.Close()
	return true
}

func valueExists(path, name string) bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	_, _, err = k.GetValue(name, nil)
	return err == nil
}

func readString(path, name string) (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
	if err != nil {
		return "", err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	return v, err
}

func readStrings(path, name string) ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	v, _, err := k.GetStringsValue(name)
	return v, err
}

// excludedPorts asks netsh for the TCP port ranges Windows excludes.
func excludedPorts(ctx context.Context) ([]PortRange, error) {
	netsh := filepath.Join(systemRoot(), "System32", "netsh.exe")
	cmd := exec.CommandContext(ctx, netsh,
		"interface", "ipv4", "show", "excludedportrange", "protocol=tcp")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("running netsh: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return ParseExcludedPorts(string(out)), nil
}

func systemRoot() string {
	dir, err := windows.GetSystemWindowsDirectory()
	if err != nil {
		return `C:\Windows`
	}
	return dir
}

// systemProbe is the real virtualizationProbe.
type systemProbe struct{}

// Virtualization asks IsProcessorFeaturePresent for
// PF_VIRT_FIRMWARE_ENABLED, and NtQuerySystemInformation for
// SystemHypervisorInformation. A running hypervisor hides the firmware
// flag, so the flag is then unknown rather than false. Like the CPUID
// hypervisor bit, HypervisorPresent is also true inside a virtual machine,
// where nested virtualization may still be missing.
func (systemProbe) Virtualization() (*bool, bool) {
	// SYSTEM_HYPERVISOR_QUERY_INFORMATION
	var info struct {
		connected, debugging, present bool
		_                             [5]byte
		enlightenments                uint64
	}
	err := windows.NtQuerySystemInformation(windows.SystemHypervisorInformation,
		unsafe.Pointer(&info), uint32(unsafe.Sizeof(info)), nil)
	hypervisor := err == nil && info.present

	if windows.IsProcessorFeaturePresent(windows.PF_VIRT_FIRMWARE_ENABLED) {
		enabled := true
		return &enabled, hypervisor
	}
	if hypervisor {
		return nil, true
	}
	disabled := false
	return &disabled, false
}

// Features reads the optional features through the DISM API; see
// WindowsFeatures.
func (systemProbe) Features(ctx context.Context) (FeatureStates, error) {
	return readFeatures(ctx)
}
