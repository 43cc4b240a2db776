package checks

import (
	"bufio"
	"debug/pe"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// This file judges Windows facts. The facts are read in facts_windows.go;
// everything here is plain functions so that every branch runs in tests
// on any machine.

// Optional Windows features Docker Desktop's WSL 2 back end needs, by the
// names DISM and "Turn Windows features on or off" know them by. Hyper-V
// is only needed by the older Hyper-V back end.
const (
	FeatureWSL    = "Microsoft-Windows-Subsystem-Linux"
	FeatureVMP    = "VirtualMachinePlatform"
	FeatureHyperV = "Microsoft-Hyper-V-All"
)

// WindowsFacts are what setup reads off a Windows machine.
type WindowsFacts struct {
	// Build and UBR are the build number and update revision, as in
	// 19045.3803; UBR is zero when unknown.
	Build, UBR int
	// EditionID is the EditionID registry value: Core (Home),
	// Professional, Enterprise, ServerStandard, ...
	EditionID string
	// NativeMachine is the machine type of the operating system, an
	// IMAGE_FILE_MACHINE_* value from IsWow64Process2.
	NativeMachine uint16
	// Elevated is true when the process token is elevated.
	Elevated bool
	Reboot   RebootFacts
	// FirmwareVirtualization is whether virtualization is enabled in the
	// firmware; nil when Windows does not say, as when a hypervisor runs.
	FirmwareVirtualization *bool
	HypervisorPresent      bool
	Features               FeatureStates
	// FeaturesErr is why Features could not be read.
	FeaturesErr error
	// Excluded are the TCP port ranges Windows keeps from programs.
	Excluded    []PortRange
	ExcludedErr error
}

// Windows judges the facts of a Windows machine. When in.EngineAnswers is
// true the prerequisites of installing an engine (virtualization and the
// optional features) are reported as not needed and never block.
func Windows(in Input, f WindowsFacts) []Result {
	installing := !in.EngineAnswers
	results := []Result{
		WindowsBuild(f.Build, f.UBR, in.WindowsBuild),
		Edition(f.EditionID),
		OS64(f.NativeMachine),
		Elevation(f.Elevated, installing),
		PendingReboot(f.Reboot.Signals(), installing),
	}

	if in.EngineAnswers {
		why := "an engine already answers"
		if in.Endpoint.Host != "" {
			why += " at " + in.Endpoint.Host
		}
		results = append(results,
			Result{Name: "virtualization", Status: NotNeeded, Evidence: why},
			Result{Name: "windows features", Status: NotNeeded, Evidence: why})
	} else {
		results = append(results, Virtualization(f.FirmwareVirtualization, f.HypervisorPresent))
		if f.FeaturesErr != nil {
			results = append(results, Result{Name: "windows features", Status: Warn,
				Evidence: fmt.Sprintf("could not read the state of %s and %s: %v",
					FeatureWSL, FeatureVMP, f.FeaturesErr)})
		} else {
			results = append(results, OptionalFeatures(f.Features, f.EditionID))
		}
	}

	if f.ExcludedErr != nil {
		results = append(results, Result{Name: "excluded ports", Status: Warn,
			Evidence: fmt.Sprintf("could not read the excluded port ranges: %v", f.ExcludedErr)})
	} else if in.Manifest != nil {
		results = append(results, ExcludedPorts(publishedTCP(in), f.Excluded))
	}
	return results
}

// publishedTCP lists the manifest's published TCP host ports.
func publishedTCP(in Input) []PortUse {
	var uses []PortUse
	for _, name := range in.Manifest.StartOrder() {
		for _, p := range in.Manifest.Services[name].PortsOf() {
			if p.Protocol == "tcp" {
				uses = append(uses, PortUse{Port: p.Host, Protocol: p.Protocol,
					Service: name, Owner: in.OwnPorts[p.Host]})
			}
		}
	}
	return uses
}

// WindowsBuild judges the Windows build against floor, the lowest build
// the product supports; zero requires nothing. ubr is the update revision
// shown after the dot, zero when unknown.
func WindowsBuild(build, ubr, floor int) Result {
	const name = "windows build"
	have := windowsName(build, ubr)
	switch {
	case build == 0:
		return Result{Name: name, Status: Warn, Evidence: "could not read the Windows build"}
	case floor == 0:
		return ok(name, "%s (nothing required)", have)
	case build >= floor:
		return ok(name, "%s, %d or later required", have, floor)
	}
	return Result{Name: name, Status: Fail,
		Evidence: fmt.Sprintf("%s; build %d or later is required", have, floor),
		Fix: fmt.Sprintf("install the Windows updates (Settings > Windows Update) "+
			"until the build is %d or later, then run setup again", floor)}
}

// windowsName names a build the way winver does: Windows 11 starts at
// build 22000, although the registry's ProductName still says Windows 10.
func windowsName(build, ubr int) string {
	product := "Windows 10"
	if build >= 22000 {
		product = "Windows 11"
	}
	if ubr > 0 {
		return fmt.Sprintf("%s build %d.%d", product, build, ubr)
	}
	return fmt.Sprintf("%s build %d", product, build)
}

// homeEditions are the EditionID values of Windows Home, which has no
// Hyper-V.
var homeEditions = map[string]bool{
	"Core": true, "CoreN": true, "CoreSingleLanguage": true,
	"CoreCountrySpecific": true,
}

// Edition judges the Windows edition named by its EditionID. Home has no
// Hyper-V, but WSL 2, which Docker Desktop uses, works on Home and Pro
// alike. Docker Desktop does not support Windows Server.
func Edition(editionID string) Result {
	const name = "windows edition"
	switch {
	case editionID == "":
		return Result{Name: name, Status: Warn, Evidence: "could not read the Windows edition"}
	case homeEditions[editionID]:
		return ok(name, "Windows Home (%s): no Hyper-V, but WSL 2, "+
			"which Docker Desktop uses, works on Home", editionID)
	case strings.HasPrefix(editionID, "Server"):
		return Result{Name: name, Status: Warn,
			Evidence: fmt.Sprintf("Windows Server (%s): "+
				"Docker Desktop does not support Windows Server", editionID)}
	}
	return ok(name, "%s: Hyper-V and WSL 2 are available", editionID)
}

// OS64 judges the operating system's native machine type, as
// IsWow64Process2 reports it: Docker Desktop needs 64-bit Windows, on x86
// (AMD64) or Arm (ARM64).
func OS64(nativeMachine uint16) Result {
	const name = "windows architecture"
	switch nativeMachine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return ok(name, "64-bit Windows on x86 (AMD64)")
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return ok(name, "64-bit Windows on Arm (ARM64)")
	case pe.IMAGE_FILE_MACHINE_UNKNOWN:
		return Result{Name: name, Status: Warn, Evidence: "could not read the machine type of Windows"}
	case pe.IMAGE_FILE_MACHINE_I386, pe.IMAGE_FILE_MACHINE_ARMNT:
		return Result{Name: name, Status: Fail,
			Evidence: fmt.Sprintf("32-bit Windows (machine type %#04x)", nativeMachine),
			Fix:      "install 64-bit Windows 10 or 11; Docker Desktop does not run on 32-bit Windows"}
	}
	return Result{Name: name, Status: Fail,
		Evidence: fmt.Sprintf("unsupported machine type %#04x", nativeMachine),
		Fix:      "use a 64-bit x86 or Arm PC"}
}

// Elevation judges whether setup runs with administrator rights; needed
// says whether what setup will do (installing the engine, enabling
// Windows features) requires them.
func Elevation(elevated, needed bool) Result {
	const name = "elevation"
	switch {
	case elevated:
		return ok(name, "running as administrator")
	case !needed:
		return ok(name, "not running as administrator, and nothing to install needs it")
	}
	return Result{Name: name, Status: Fail,
		Evidence: "not running as administrator; installing the engine " +
			"and enabling Windows features need it",
		Fix: "run setup as administrator (right-click it, then Run as " +
			"administrator), or accept the prompt it shows"}
}

// RebootSignal is one sign that Windows waits for a restart.
type RebootSignal string

// The signs of a pending restart, named after where Windows keeps them.
const (
	// RebootServicing is Component Based Servicing\RebootPending: a
	// Windows feature or update is half installed.
	RebootServicing RebootSignal = `Component Based Servicing\RebootPending`
	// RebootUpdate is WindowsUpdate\Auto Update\RebootRequired.
	RebootUpdate RebootSignal = `WindowsUpdate\Auto Update\RebootRequired`
	// RebootFileRename is Session Manager\PendingFileRenameOperations:
	// files to replace at the next start.
	RebootFileRename RebootSignal = `Session Manager\PendingFileRenameOperations`
	// RebootRename is a new computer name not yet in effect.
	RebootRename RebootSignal = `ComputerName (renamed)`
	// RebootDomainJoin is Netlogon's JoinDomain or AvoidSpnSet.
	RebootDomainJoin RebootSignal = `Netlogon (domain join)`
)

// RebootFacts are the registry values that tell of a pending restart.
type RebootFacts struct {
	// ServicingPending: HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
	// Component Based Servicing\RebootPending exists.
	ServicingPending bool
	// UpdateRequired: HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
	// WindowsUpdate\Auto Update\RebootRequired exists.
	UpdateRequired bool
	// FileRenames is HKLM\SYSTEM\CurrentControlSet\Control\Session
	// Manager, PendingFileRenameOperations (and ...2).
	FileRenames []string
	// ActiveName and PendingName are ComputerName under
	// Control\ComputerName\ActiveComputerName and
	// Control\ComputerName\ComputerName.
	ActiveName, PendingName string
	// DomainJoin: Services\Netlogon has JoinDomain or AvoidSpnSet.
	DomainJoin bool
}

// Signals lists the signs of a pending restart the facts show.
func (r RebootFacts) Signals() []RebootSignal {
	var s []RebootSignal
	if r.ServicingPending {
		s = append(s, RebootServicing)
	}
	if r.UpdateRequired {
		s = append(s, RebootUpdate)
	}
	for _, f := range r.FileRenames {
		if strings.TrimSpace(f) != "" {
			s = append(s, RebootFileRename)
			break
		}
	}
	if r.ActiveName != "" && r.PendingName != "" && !strings.EqualFold(r.ActiveName, r.PendingName) {
		s = append(s, RebootRename)
	}
	if r.DomainJoin {
		s = append(s, RebootDomainJoin)
	}
	return s
}

// PendingReboot judges the signs of a pending restart. Half-installed
// servicing (a Windows feature or update) makes installing the engine
// fail, so it fails when installing is true; every other sign, and any
// sign when nothing is to be installed, only warns: pending file renames
// in particular are often left behind by other software.
func PendingReboot(signals []RebootSignal, installing bool) Result {
	const name = "pending restart"
	const fix = "restart Windows, then run setup again"
	if len(signals) == 0 {
		return ok(name, "no restart pending")
	}
	names := make([]string, len(signals))
	servicing := false
	for i, s := range signals {
		names[i] = string(s)
		servicing = servicing || s == RebootServicing
	}
	evidence := "Windows waits for a restart: " + strings.Join(names, ", ")
	if servicing && installing {
		return Result{Name: name, Status: Fail, Evidence: evidence, Fix: fix}
	}
	return Result{Name: name, Status: Warn, Evidence: evidence, Fix: fix}
}

// Virtualization judges hardware virtualization. firmwareEnabled is nil
// when Windows does not report it, which is the case while a hypervisor
// runs: a running hypervisor proves virtualization works, whatever the
// firmware flag says.
func Virtualization(firmwareEnabled *bool, hypervisorPresent bool) Result {
	const name = "virtualization"
	switch {
	case hypervisorPresent:
		return ok(name, "hypervisor present: virtualization is in use")
	case firmwareEnabled == nil:
		return Result{Name: name, Status: Warn,
			Evidence: "could not tell whether virtualization is enabled in the firmware"}
	case *firmwareEnabled:
		return ok(name, "enabled in the firmware")
	}
	return Result{Name: name, Status: Fail,
		Evidence: "virtualization is disabled in the firmware and no hypervisor runs",
		Fix: "enable virtualization (Intel VT-x or AMD-V/SVM) in the UEFI/BIOS settings, " +
			"then start Windows and run setup again"}
}

// FeatureState is the state of an optional Windows feature.
type FeatureState int

// The feature states.
const (
	FeatureUnknown FeatureState = iota
	FeatureDisabled
	FeatureEnabled
	// FeatureEnablePending is enabled but waiting for a restart.
	FeatureEnablePending
	// FeatureAbsent is not available on this Windows at all.
	FeatureAbsent
)

func (s FeatureState) String() string {
	switch s {
	case FeatureDisabled:
		return "disabled"
	case FeatureEnabled:
		return "enabled"
	case FeatureEnablePending:
		return "enabled after a restart"
	case FeatureAbsent:
		return "not available"
	}
	return "unknown"
}

// FeatureStates are the states of the optional features Docker Desktop
// may need.
type FeatureStates struct {
	WSL, VMP, HyperV FeatureState
}

// Missing lists the features the WSL 2 back end needs that are not
// enabled yet, neither now nor after a restart.
func (s FeatureStates) Missing() []string {
	var missing []string
	if s.WSL != FeatureEnabled && s.WSL != FeatureEnablePending {
		missing = append(missing, FeatureWSL)
	}
	if s.VMP != FeatureEnabled && s.VMP != FeatureEnablePending {
		missing = append(missing, FeatureVMP)
	}
	return missing
}

// OptionalFeatures judges the optional features of Windows. Docker
// Desktop's WSL 2 back end needs WSL and VirtualMachinePlatform, which
// setup can enable (Windows then restarts); Hyper-V is optional and absent
// from Home.
func OptionalFeatures(s FeatureStates, editionID string) Result {
	const name = "windows features"
	hyperV := "Hyper-V " + s.HyperV.String()
	if homeEditions[editionID] {
		hyperV = "Hyper-V not part of Windows Home, and not needed"
	}
	evidence := fmt.Sprintf("%s %s, %s %s, %s", FeatureWSL, s.WSL, FeatureVMP, s.VMP, hyperV)

	var absent []string
	if s.WSL == FeatureAbsent {
		absent = append(absent, FeatureWSL)
	}
	if s.VMP == FeatureAbsent {
		absent = append(absent, FeatureVMP)
	}
	if len(absent) > 0 {
		return Result{Name: name, Status: Fail, Evidence: evidence,
			Fix: "this Windows cannot provide " + strings.Join(absent, " and ") +
				"; update to Windows 10 22H2 or Windows 11"}
	}

	missing := s.Missing()
	if len(missing) > 0 {
		return Result{Name: name, Status: Warn, Evidence: evidence,
			Fix: "setup enables " + strings.Join(missing, " and ") +
				" when run as administrator; Windows must restart after that"}
	}
	if s.WSL == FeatureEnablePending || s.VMP == FeatureEnablePending {
		return Result{Name: name, Status: Warn, Evidence: evidence,
			Fix: "restart Windows, then run setup again"}
	}
	return ok(name, "%s", evidence)
}

// PortRange is a range of ports, both ends included.
type PortRange struct {
	Start, End int
	// Administered is true for ranges an administrator added (marked
	// with * by netsh), as opposed to those Windows reserves by itself
	// for Hyper-V, WinNAT and the like.
	Administered bool
}

func (r PortRange) String() string {
	if r.Start == r.End {
		return strconv.Itoa(r.Start)
	}
	return fmt.Sprintf("%d-%d", r.Start, r.End)
}

// ParseExcludedPorts reads the output of
//
//	netsh interface ipv4 show excludedportrange protocol=tcp
//
// Windows translates the headings, so any line whose first two fields are
// port numbers is a range; a third field "*" marks an administered one.
func ParseExcludedPorts(out string) []PortRange {
	var ranges []PortRange
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		start, err1 := strconv.Atoi(f[0])
		end, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || start < 1 || end > 65535 || start > end {
			continue
		}
		ranges = append(ranges, PortRange{Start: start, End: end,
			Administered: len(f) > 2 && f[2] == "*"})
	}
	return ranges
}

// ExcludedPorts judges the published host ports against the ranges Windows
// excludes: such a port cannot be bound by any program, which is a
// different problem from a port another program holds, with a different
// fix. Ports held by this product's containers are fine.
func ExcludedPorts(uses []PortUse, ranges []PortRange) Result {
	const name = "excluded ports"
	var hit []string
	administered := false
	sort.Slice(uses, func(i, j int) bool { return uses[i].Port < uses[j].Port })
	for _, u := range uses {
		if u.Owner != "" {
			continue
		}
		for _, r := range ranges {
			if u.Port >= r.Start && u.Port <= r.End {
				hit = append(hit, fmt.Sprintf("%d/%s for %s (in %s)", u.Port, u.Protocol, u.Service, r))
				administered = administered || r.Administered
				break
			}
		}
	}
	if len(hit) == 0 {
		return ok(name, "no published port lies in the %d range(s) Windows excludes", len(ranges))
	}
	fix := "change the port in the manifest; Windows reserves these ranges " +
		"(for Hyper-V, WSL and WinNAT) at each start, so restarting may move them"
	if administered {
		fix = "change the port in the manifest, or have an administrator remove the exclusion " +
			"(netsh interface ipv4 delete excludedportrange protocol=tcp ...)"
	}
	return Result{Name: name, Status: Fail,
		Evidence: "reserved by Windows, not held by a program: " + strings.Join(hit, "; "),
		Fix:      fix}
}
