package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// summary is the median and range of repeated measurements.
type summary struct {
	median, min, max time.Duration
}

// summarize returns the summary of ds, which must not be empty. The
// median of an even count is the mean of the two middle values.
func summarize(ds []time.Duration) summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return summary{median: med, min: s[0], max: s[n-1]}
}

func (s summary) String() string {
	return fmt.Sprintf("%s  (%.2f .. %.2f)", seconds(s.median), s.min.Seconds(), s.max.Seconds())
}

// seconds renders d as seconds with two decimals.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// verdict is "met" or "NOT met".
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// String says what a run that should change nothing did.
func (e effects) String() string {
	pull, recreate := "no pull", "no container recreated"
	if e.pulled {
		pull = "an image WAS PULLED"
	}
	if e.recreated {
		recreate = "a container WAS RECREATED"
	}
	return "(" + pull + ", " + recreate + ")"
}

// report writes the figures and how they compare with the targets.
func report(w io.Writer, runs int, r results) {
	cli, setup := summarize(r.cli), summarize(r.setup)
	idle, upgrade := summarize(r.idle), summarize(r.upgrade)
	ratio := setup.median.Seconds() / cli.median.Seconds()
	idleOK := idle.median < idleTarget && !r.idleEffects.pulled &&
		!r.idleEffects.recreated

	fmt.Fprintf(w, "cold install, 2 images, 2 services (median of %d)\n", runs)
	fmt.Fprintf(w, "  docker CLI      %s\n", cli)
	fmt.Fprintf(w, "  setup install   %s\n", setup)
	fmt.Fprintf(w, "  ratio           %.2f   target <= %.2f  %s\n",
		ratio, installRatioTarget, verdict(ratio <= installRatioTarget))
	fmt.Fprintf(w, "idle re-run       %s  target < %s  %s  %s\n",
		idle, seconds(idleTarget), verdict(idleOK), r.idleEffects)
	fmt.Fprintf(w, "no-op upgrade     %s  %s\n", upgrade, r.upgradeEffects)
}
