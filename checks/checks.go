// Package checks decides whether a machine can run a product's stack. Each
// check turns facts about the machine into a Result with its evidence and,
// when it fails, the fix. Gathering the facts is platform code; judging
// them is plain functions that run in tests on any machine.
package checks

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"setup/internal/engine"
	"setup/internal/problem"
)

// Status is a check's verdict.
type Status string

// The verdicts. Warn passes but says something worth knowing.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
	// NotNeeded marks a prerequisite that does not apply to this machine,
	// such as a runtime requirement when an engine already answers.
	NotNeeded Status = "not needed"
)

// Result is the outcome of one check.
type Result struct {
	Name     string `json:"name"`
	Status   Status `json:"status"`
	Evidence string `json:"evidence"`
	Fix      string `json:"fix,omitempty"`
}

func ok(name, format string, args ...any) Result {
	return Result{Name: name, Status: OK, Evidence: fmt.Sprintf(format, args...)}
}

// Failed returns a problem.Prerequisites error listing the failed checks,
// or nil when none failed.
func Failed(results []Result) error {
	var lines, fixes []string
	for _, r := range results {
		if r.Status != Fail {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: %s", r.Name, r.Evidence))
		if r.Fix != "" {
			fixes = append(fixes, r.Fix)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &problem.Error{
		Code:     problem.Prerequisites,
		What:     fmt.Sprintf("%d prerequisite(s) not met", len(lines)),
		Evidence: strings.Join(lines, "\n"),
		Fix:      strings.Join(fixes, "; "),
	}
}

// tolerance is how far below a requirement a machine may be and still
// pass with a warning: firmware and the kernel keep some memory, so a
// "4 GiB" machine reports a little less.
const tolerance = 0.90

// Amount judges a quantity against a requirement; zero requires nothing.
func Amount(name, what string, have, need uint64, fix string) Result {
	switch {
	case need == 0:
		return ok(name, "%s %s (nothing required)", gib(have), what)
	case have >= need:
		return ok(name, "%s %s, %s required", gib(have), what, gib(need))
	case float64(have) >= tolerance*float64(need):
		return Result{Name: name, Status: Warn,
			Evidence: fmt.Sprintf("%s %s, a little under the %s required", gib(have), what, gib(need))}
	}
	return Result{Name: name, Status: Fail,
		Evidence: fmt.Sprintf("%s %s, %s required", gib(have), what, gib(need)),
		Fix:      fix}
}

func gib(n uint64) string {
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// CPUs judges the number of logical processors.
func CPUs(have, need int) Result {
	const name = "cpus"
	if need == 0 || have >= need {
		return ok(name, "%d logical processors", have)
	}
	return Result{Name: name, Status: Fail,
		Evidence: fmt.Sprintf("%d logical processors, %d required", have, need),
		Fix:      fmt.Sprintf("run on a machine (or VM) with at least %d processors", need)}
}

// Architecture accepts the architectures container images are built for.
func Architecture(goos, arch string) Result {
	const name = "architecture"
	switch arch {
	case "amd64", "arm64":
		return ok(name, "%s/%s", goos, arch)
	}
	return Result{Name: name, Status: Fail,
		Evidence: fmt.Sprintf("%s/%s is not supported", goos, arch),
		Fix:      "use a 64-bit x86 or ARM machine"}
}

// PortUse is what is known about one published host port.
type PortUse struct {
	Port     int
	Protocol string
	// Service is the manifest service that publishes it.
	Service string
	// Err is the error from trying to bind it; nil when it is free.
	Err error
	// Owner names our own container holding the port, if any.
	Owner string
	// Reserved is true when Windows keeps the port from every program;
	// ExcludedPorts reports that, and Ports does not count it as taken.
	Reserved bool
}

// Ports judges the published host ports: each must be free or held by a
// container of this product. A port Windows reserves is left to
// ExcludedPorts, which tells its different fix.
func Ports(uses []PortUse) Result {
	const name = "ports"
	sort.Slice(uses, func(i, j int) bool { return uses[i].Port < uses[j].Port })
	var free, ours, reserved, taken []string
	for _, u := range uses {
		label := fmt.Sprintf("%d/%s", u.Port, u.Protocol)
		switch {
		case u.Owner != "":
			ours = append(ours, label+" ("+u.Owner+")")
		case u.Reserved:
			reserved = append(reserved, label)
		case u.Err == nil:
			free = append(free, label)
		default:
			taken = append(taken, fmt.Sprintf("%s for %s: %v", label, u.Service, u.Err))
		}
	}
	if len(uses) == 0 {
		return ok(name, "no published ports")
	}
	if len(taken) > 0 {
		return Result{Name: name, Status: Fail,
			Evidence: "in use by another program: " + strings.Join(taken, "; "),
			Fix:      "stop the program that holds the port, or change the port in the manifest"}
	}
	parts := []string{}
	if len(free) > 0 {
		parts = append(parts, "free: "+strings.Join(free, ", "))
	}
	if len(ours) > 0 {
		parts = append(parts, "held by this product: "+strings.Join(ours, ", "))
	}
	if len(reserved) > 0 {
		parts = append(parts, "reserved by Windows (see excluded ports): "+
			strings.Join(reserved, ", "))
	}
	return ok(name, "%s", strings.Join(parts, "; "))
}

// EngineVersion judges the engine's version against the manifest's
// constraint; err is what checking it gave.
func EngineVersion(v engine.Version, constraint string, err error) Result {
	const name = "engine version"
	if err != nil {
		r := Result{Name: name, Status: Fail, Evidence: err.Error()}
		var p *problem.Error
		if errors.As(err, &p) {
			r.Fix = p.Fix
		}
		return r
	}
	if constraint == "" {
		return ok(name, "Docker %s (%s/%s)", v.Version, v.OS, v.Arch)
	}
	return ok(name, "Docker %s (%s/%s) satisfies %s", v.Version, v.OS, v.Arch, constraint)
}
