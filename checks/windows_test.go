package checks_test

import (
	"debug/pe"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/checks"
	"setup/internal/engine"
	"setup/manifests"
)

func TestWindowsBuild(t *testing.T) {
	tests := []struct {
		name              string
		build, ubr, floor int
		want              checks.Status
		// evidence is a phrase the evidence must hold.
		evidence string
	}{
		{name: "22H2 with floor 19045", build: 19045, ubr: 3803, floor: 19045, want: checks.OK,
			evidence: "Windows 10 build 19045.3803"},
		{name: "Windows 11", build: 22631, floor: 19045, want: checks.OK,
			evidence: "Windows 11 build 22631"},
		{name: "21H2 below the floor", build: 19044, ubr: 1288, floor: 19045, want: checks.Fail,
			evidence: "build 19045 or later is required"},
		{name: "nothing required", build: 17763, want: checks.OK,
			evidence: "nothing required"},
		{name: "build unknown", build: 0, floor: 19045, want: checks.Warn,
			evidence: "could not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.WindowsBuild(tt.build, tt.ubr, tt.floor)
			if got.Status != tt.want {
				t.Errorf("WindowsBuild(%d, %d, %d) = %s (%s), want %s",
					tt.build, tt.ubr, tt.floor, got.Status, got.Evidence, tt.want)
			}
			if !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("WindowsBuild().Evidence = %q, want it to say %q", got.Evidence, tt.evidence)
			}
			if (got.Status == checks.Fail) != strings.Contains(got.Fix, "Windows Update") {
				t.Errorf("WindowsBuild().Fix = %q, want Windows Update named only on failure", got.Fix)
			}
		})
	}
}

func TestEdition(t *testing.T) {
	tests := []struct {
		edition string
		want    checks.Status
		// evidence holds phrases the evidence must hold.
		evidence []string
	}{
		{edition: "Core", want: checks.OK, evidence: []string{"Home", "no Hyper-V", "WSL 2"}},
		{edition: "CoreSingleLanguage", want: checks.OK, evidence: []string{"Home", "no Hyper-V"}},
		{edition: "Professional", want: checks.OK, evidence: []string{"Hyper-V and WSL 2"}},
		{edition: "Enterprise", want: checks.OK, evidence: []string{"Hyper-V and WSL 2"}},
		{edition: "ServerStandard", want: checks.Warn,
			evidence: []string{"does not support Windows Server"}},
		{edition: "", want: checks.Warn, evidence: []string{"could not read"}},
	}
	for _, tt := range tests {
		t.Run(tt.edition, func(t *testing.T) {
			got := checks.Edition(tt.edition)
			if got.Status != tt.want {
				t.Errorf("Edition(%q) = %s (%s), want %s", tt.edition, got.Status, got.Evidence, tt.want)
			}
			for _, phrase := range tt.evidence {
				if !strings.Contains(got.Evidence, phrase) {
					t.Errorf("Edition(%q).Evidence = %q, want it to say %q",
						tt.edition, got.Evidence, phrase)
				}
			}
		})
	}
}

func TestOS64(t *testing.T) {
	tests := []struct {
		name     string
		machine  uint16
		want     checks.Status
		evidence string
	}{
		{name: "x64", machine: pe.IMAGE_FILE_MACHINE_AMD64, want: checks.OK, evidence: "AMD64"},
		{name: "Windows on Arm", machine: pe.IMAGE_FILE_MACHINE_ARM64, want: checks.OK, evidence: "ARM64"},
		{name: "32-bit x86", machine: pe.IMAGE_FILE_MACHINE_I386, want: checks.Fail, evidence: "32-bit"},
		{name: "32-bit Arm", machine: pe.IMAGE_FILE_MACHINE_ARMNT, want: checks.Fail, evidence: "32-bit"},
		{name: "unknown", machine: 0, want: checks.Warn, evidence: "could not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.OS64(tt.machine)
			if got.Status != tt.want || !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("OS64(%#x) = %s (%s), want %s saying %q",
					tt.machine, got.Status, got.Evidence, tt.want, tt.evidence)
			}
			if got.Status == checks.Fail && got.Fix == "" {
				t.Errorf("OS64(%#x).Fix is empty, want a fix", tt.machine)
			}
		})
	}
}

func TestElevation(t *testing.T) {
	tests := []struct {
		name             string
		elevated, needed bool
		want             checks.Status
	}{
		{name: "elevated and needed", elevated: true, needed: true, want: checks.OK},
		{name: "limited and needed", needed: true, want: checks.Fail},
		{name: "limited, nothing to install", want: checks.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Elevation(tt.elevated, tt.needed)
			if got.Status != tt.want {
				t.Errorf("Elevation(%t, %t) = %s (%s), want %s",
					tt.elevated, tt.needed, got.Status, got.Evidence, tt.want)
			}
			if got.Status == checks.Fail && !strings.Contains(got.Fix, "administrator") {
				t.Errorf("Elevation().Fix = %q, want it to say administrator", got.Fix)
			}
		})
	}
}

func TestRebootSignals(t *testing.T) {
	tests := []struct {
		name  string
		facts checks.RebootFacts
		want  []checks.RebootSignal
	}{
		{name: "nothing pending"},
		{name: "same computer name in another case",
			facts: checks.RebootFacts{ActiveName: "PC-1", PendingName: "pc-1"}},
		{name: "empty file rename list",
			facts: checks.RebootFacts{FileRenames: []string{"", ""}}},
		{name: "everything",
			facts: checks.RebootFacts{
				ServicingPending: true,
				UpdateRequired:   true,
				FileRenames:      []string{`\??\C:\Windows\old.dll`, ""},
				ActiveName:       "PC-1",
				PendingName:      "OFFICE-7",
				DomainJoin:       true,
			},
			want: []checks.RebootSignal{checks.RebootServicing, checks.RebootUpdate,
				checks.RebootFileRename, checks.RebootRename, checks.RebootDomainJoin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.facts.Signals()); diff != "" {
				t.Errorf("Signals() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPendingReboot(t *testing.T) {
	tests := []struct {
		name       string
		signals    []checks.RebootSignal
		installing bool
		want       checks.Status
	}{
		{name: "nothing pending", installing: true, want: checks.OK},
		{name: "servicing, installing", signals: []checks.RebootSignal{checks.RebootServicing},
			installing: true, want: checks.Fail},
		{name: "servicing, engine answers", signals: []checks.RebootSignal{checks.RebootServicing},
			want: checks.Warn},
		{name: "file renames only", signals: []checks.RebootSignal{checks.RebootFileRename},
			installing: true, want: checks.Warn},
		{name: "update and rename", signals: []checks.RebootSignal{checks.RebootUpdate, checks.RebootRename},
			installing: true, want: checks.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.PendingReboot(tt.signals, tt.installing)
			if got.Status != tt.want {
				t.Errorf("PendingReboot(%v, %t) = %s (%s), want %s",
					tt.signals, tt.installing, got.Status, got.Evidence, tt.want)
			}
			for _, s := range tt.signals {
				if !strings.Contains(got.Evidence, string(s)) {
					t.Errorf("PendingReboot().Evidence = %q, want it to name %q", got.Evidence, s)
				}
			}
			if len(tt.signals) > 0 && got.Fix != "restart Windows, then run setup again" {
				t.Errorf("PendingReboot().Fix = %q, want the restart fix", got.Fix)
			}
		})
	}
}

func TestVirtualization(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name       string
		firmware   *bool
		hypervisor bool
		want       checks.Status
		evidence   string
	}{
		// The firmware flag is blank while a hypervisor runs: a running
		// hypervisor proves virtualization works.
		{name: "virt-firmware-blank-when-hypervisor-running", firmware: nil, hypervisor: true,
			want: checks.OK, evidence: "hypervisor present"},
		{name: "firmware says no while a hypervisor runs", firmware: &no, hypervisor: true,
			want: checks.OK, evidence: "hypervisor present"},
		{name: "enabled in firmware", firmware: &yes, want: checks.OK, evidence: "enabled in the firmware"},
		{name: "disabled in firmware", firmware: &no, want: checks.Fail,
			evidence: "disabled in the firmware"},
		{name: "nothing known", want: checks.Warn, evidence: "could not tell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.Virtualization(tt.firmware, tt.hypervisor)
			if got.Status != tt.want || !strings.Contains(got.Evidence, tt.evidence) {
				t.Errorf("Virtualization() = %s (%s), want %s saying %q",
					got.Status, got.Evidence, tt.want, tt.evidence)
			}
			asksToEnable := false
			for _, s := range []string{got.Evidence, got.Fix} {
				for _, word := range []string{"VT-x", "AMD-V", "BIOS", "UEFI"} {
					asksToEnable = asksToEnable || strings.Contains(s, word)
				}
			}
			if wantAsk := tt.want == checks.Fail; asksToEnable != wantAsk {
				t.Errorf("Virtualization() = %+v, asks to enable virtualization %t, want %t",
					got, asksToEnable, wantAsk)
			}
		})
	}
}

func TestOptionalFeatures(t *testing.T) {
	on, off := checks.FeatureEnabled, checks.FeatureDisabled
	tests := []struct {
		name    string
		states  checks.FeatureStates
		edition string
		want    checks.Status
		// missing are the features Missing() must list and the fix name.
		missing []string
		fix     string
	}{
		{name: "all enabled", states: checks.FeatureStates{WSL: on, VMP: on, HyperV: on},
			edition: "Professional", want: checks.OK},
		{name: "Home without Hyper-V",
			states:  checks.FeatureStates{WSL: on, VMP: on, HyperV: checks.FeatureAbsent},
			edition: "Core", want: checks.OK},
		{name: "nothing enabled", states: checks.FeatureStates{WSL: off, VMP: off, HyperV: off},
			edition: "Professional", want: checks.Warn,
			missing: []string{checks.FeatureWSL, checks.FeatureVMP}, fix: "setup enables"},
		{name: "platform only missing", states: checks.FeatureStates{WSL: on, VMP: off},
			edition: "Core", want: checks.Warn,
			missing: []string{checks.FeatureVMP}, fix: "Windows must restart"},
		{name: "enabled, restart pending",
			states:  checks.FeatureStates{WSL: checks.FeatureEnablePending, VMP: on},
			edition: "Core", want: checks.Warn, fix: "restart Windows"},
		{name: "platform not available", states: checks.FeatureStates{WSL: on, VMP: checks.FeatureAbsent},
			edition: "Core", want: checks.Fail,
			missing: []string{checks.FeatureVMP}, fix: "cannot provide " + checks.FeatureVMP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.OptionalFeatures(tt.states, tt.edition)
			if got.Status != tt.want {
				t.Errorf("OptionalFeatures(%+v) = %s (%s), want %s", tt.states, got.Status, got.Evidence, tt.want)
			}
			if diff := cmp.Diff(tt.missing, tt.states.Missing()); diff != "" {
				t.Errorf("Missing() mismatch (-want +got):\n%s", diff)
			}
			for _, m := range tt.missing {
				if got.Status == checks.Warn && !strings.Contains(got.Fix, m) {
					t.Errorf("OptionalFeatures().Fix = %q, want it to name %s", got.Fix, m)
				}
			}
			if !strings.Contains(got.Fix, tt.fix) {
				t.Errorf("OptionalFeatures().Fix = %q, want it to say %q", got.Fix, tt.fix)
			}
		})
	}
}

const netshEnglish = `
Protocol tcp Port Exclusion Ranges

Start Port    End Port
----------    --------
      1080        1179
      2869        2869
      5357        5357
      8020        8119
     50000       50059     *

* - Administered port exclusions.

`

const netshGerman = `
Portausschlussbereiche für das Protokoll "tcp"

Startport   Endport
----------  --------
      8062        8161

* - Verwaltete Portausschlüsse.
`

func TestParseExcludedPorts(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []checks.PortRange
	}{
		{name: "English", out: netshEnglish, want: []checks.PortRange{
			{Start: 1080, End: 1179},
			{Start: 2869, End: 2869},
			{Start: 5357, End: 5357},
			{Start: 8020, End: 8119},
			{Start: 50000, End: 50059, Administered: true},
		}},
		{name: "German headings", out: netshGerman, want: []checks.PortRange{{Start: 8062, End: 8161}}},
		{name: "CRLF line ends", out: strings.ReplaceAll(netshGerman, "\n", "\r\n"),
			want: []checks.PortRange{{Start: 8062, End: 8161}}},
		{name: "no ranges", out: "\nProtocol tcp Port Exclusion Ranges\n\nStart Port    End Port\n"},
		{name: "not ports", out: "0 5\n70000 70001\n9 3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, checks.ParseExcludedPorts(tt.out)); diff != "" {
				t.Errorf("ParseExcludedPorts() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcludedPorts(t *testing.T) {
	ranges := checks.ParseExcludedPorts(netshEnglish)
	tests := []struct {
		name string
		uses []checks.PortUse
		want checks.Status
		// evidence is a phrase the evidence must hold, fix one the fix must.
		evidence, fix string
	}{
		{name: "outside every range", uses: []checks.PortUse{{Port: 8200, Protocol: "tcp", Service: "db"}},
			want: checks.OK, evidence: "5 range(s)"},
		{name: "inside a range Windows reserves",
			uses: []checks.PortUse{{Port: 8200, Protocol: "tcp", Service: "db"},
				{Port: 8080, Protocol: "tcp", Service: "app"}},
			want: checks.Fail, evidence: "8080/tcp for app (in 8020-8119)", fix: "change the port"},
		{name: "inside an administered range",
			uses: []checks.PortUse{{Port: 50001, Protocol: "tcp", Service: "app"}},
			want: checks.Fail, evidence: "50001/tcp for app (in 50000-50059)",
			fix: "delete excludedportrange"},
		{name: "held by our container",
			uses: []checks.PortUse{{Port: 8080, Protocol: "tcp", Service: "app", Owner: "demo-app"}},
			want: checks.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checks.ExcludedPorts(tt.uses, ranges)
			if got.Status != tt.want {
				t.Errorf("ExcludedPorts() = %s (%s), want %s", got.Status, got.Evidence, tt.want)
			}
			if !strings.Contains(got.Evidence, tt.evidence) || !strings.Contains(got.Fix, tt.fix) {
				t.Errorf("ExcludedPorts() = %+v, want evidence saying %q and fix saying %q",
					got, tt.evidence, tt.fix)
			}
			if got.Status == checks.Fail && strings.Contains(got.Evidence, "8200") {
				t.Errorf("ExcludedPorts().Evidence = %q names 8200, which no range holds", got.Evidence)
			}
		})
	}
}

// badWindows is a machine on which every prerequisite of installing an
// engine is missing.
func badWindows() checks.WindowsFacts {
	no := false
	return checks.WindowsFacts{
		Build: 19045, UBR: 4170, EditionID: "Professional",
		NativeMachine:          pe.IMAGE_FILE_MACHINE_AMD64,
		Reboot:                 checks.RebootFacts{ServicingPending: true},
		FirmwareVirtualization: &no,
		Features: checks.FeatureStates{
			WSL: checks.FeatureAbsent, VMP: checks.FeatureAbsent, HyperV: checks.FeatureAbsent},
		Excluded: []checks.PortRange{{Start: 8000, End: 8099}},
	}
}

func TestWindows(t *testing.T) {
	m, err := manifests.Load([]byte(`schema: 1
product: {id: demo, name: Demo}
services:
  app: {image: example.com/demo/app, version: "^1", ports: ["8080:80", "9999:99"]}
`), "test.yaml")
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	ep := engine.Endpoint{Host: "npipe:////./pipe/docker_engine", Source: "default"}

	tests := []struct {
		name string
		in   checks.Input
		want map[string]checks.Status
		// blocks is whether Failed() reports a problem.
		blocks bool
	}{
		{name: "engine answers",
			in: checks.Input{Manifest: m, Endpoint: ep, EngineAnswers: true, WindowsBuild: 19045},
			want: map[string]checks.Status{
				"windows build": checks.OK, "elevation": checks.OK, "pending restart": checks.Warn,
				"virtualization": checks.NotNeeded, "windows features": checks.NotNeeded,
				"excluded ports": checks.Fail,
			},
			blocks: true},
		{name: "engine to install",
			in: checks.Input{Manifest: m, Endpoint: ep, WindowsBuild: 19045},
			want: map[string]checks.Status{
				"windows build": checks.OK, "elevation": checks.Fail, "pending restart": checks.Fail,
				"virtualization": checks.Fail, "windows features": checks.Fail,
				"excluded ports": checks.Fail,
			},
			blocks: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := checks.Windows(tt.in, badWindows())
			got := map[string]checks.Status{}
			for _, r := range results {
				if _, ok := tt.want[r.Name]; ok {
					got[r.Name] = r.Status
				}
				if r.Status == checks.NotNeeded && !strings.Contains(r.Evidence, ep.Host) {
					t.Errorf("%s evidence = %q, want it to name %s", r.Name, r.Evidence, ep.Host)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Windows() statuses mismatch (-want +got):\n%s", diff)
			}
			if gotBlocks := checks.Failed(results) != nil; gotBlocks != tt.blocks {
				t.Errorf("Failed(Windows()) blocks = %t, want %t", gotBlocks, tt.blocks)
			}
		})
	}

	// With the engine answering and the port moved, nothing blocks,
	// whatever the virtualization and features.
	f := badWindows()
	f.Excluded = nil
	results := checks.Windows(checks.Input{Manifest: m, Endpoint: ep, EngineAnswers: true}, f)
	if err := checks.Failed(results); err != nil {
		t.Errorf("Failed(Windows(engine answers)) = %v, want nil", err)
	}

	// A feature state that cannot be read warns and names why.
	f = badWindows()
	f.FeaturesErr = errors.New("reading Windows features needs administrator rights")
	results = checks.Windows(checks.Input{Manifest: m, Endpoint: ep}, f)
	got, _ := find(results, "windows features")
	if got.Status != checks.Warn || !strings.Contains(got.Evidence, "administrator") {
		t.Errorf("Windows() features = %+v, want a warning naming the reason", got)
	}
}
