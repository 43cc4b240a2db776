package tags

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"setup/internal/problem"
)

// How a tag is read.
//
// A tag is a version when it is a full three-part version, with an
// optional leading "v", followed by nothing or by "-" and a suffix:
// "2.7.11", "v2.0.0", "2.7.11-alpine", "2.8.0-rc.1-alpine". Floating tags
// ("2", "2.7", "latest", "2.7-alpine") and anything else are not versions.
//
// Semver reads everything after the first "-" as a prerelease, which would
// make "7.5.0-alpine" a prerelease of 7.5.0. Docker tags use that place for
// variants too, so the suffix is split by shape. It is cut at each "-" into
// segments. A segment is prerelease-shaped when its dot-separated
// identifiers are all non-empty letters and digits and the first one is
// either all digits ("0", "20240101") or one of the prerelease words
// alpha, beta, rc, pre, preview, dev, snapshot, nightly, canary or
// milestone, in any case, optionally followed by digits ("rc1", "beta.2",
// "RC.1"). The prerelease is a run of such segments at the start of the
// suffix; the variant is what follows.
//
// When a rule asks for a variant, the tag's suffix must be that variant,
// or prerelease-shaped segments followed by "-" and that variant: with
// variant "alpine", "2.7.11-alpine" is release 2.7.11 and
// "2.8.0-rc.1-alpine" is prerelease 2.8.0-rc.1, while "2.7.11-alpine3.18"
// is not a candidate. When a rule asks for no variant, every segment must
// be prerelease-shaped: "2.8.0-rc.1" is a prerelease of 2.8.0 and
// "7.5.0-alpine" is not a candidate. Because the requested variant is
// matched first, a variant may itself look like a prerelease word ("dev").

// versionTag matches a tag that names a full version: an optional "v",
// the core, and an optional suffix after "-".
var versionTag = regexp.MustCompile(`^(v?)([0-9]+\.[0-9]+\.[0-9]+)(?:-(.+))?$`)

// prereleaseWord matches the first identifier of a prerelease-shaped
// segment that is not all digits.
var prereleaseWord = regexp.MustCompile(
	`^(?i:alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|milestone)[0-9]*$`)

// identifier matches one dot-separated identifier of a prerelease.
var identifier = regexp.MustCompile(`^[0-9A-Za-z]+$`)

// isPrereleaseSegment reports whether one "-"-separated segment of a tag
// suffix is shaped like a prerelease.
func isPrereleaseSegment(seg string) bool {
	ids := strings.Split(seg, ".")
	for _, id := range ids {
		if !identifier.MatchString(id) {
			return false
		}
	}
	return isDigits(ids[0]) || prereleaseWord.MatchString(ids[0])
}

// isPrerelease reports whether every segment of s is prerelease-shaped.
func isPrerelease(s string) bool {
	for seg := range strings.SplitSeq(s, "-") {
		if !isPrereleaseSegment(seg) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// version is a tag read as a version.
type version struct {
	tag     string
	v       *semver.Version // core and prerelease, without "v" or variant
	vPrefix bool
	variant string
}

// parseAs reads tag as a version with the given variant. It returns false
// when the tag is not a full version or has another variant.
func parseAs(tag, variant string) (version, bool) {
	m := versionTag.FindStringSubmatch(tag)
	if m == nil {
		return version{}, false
	}
	suffix := m[3]

	var pre string
	switch {
	case variant == "":
		pre = suffix
	case suffix == variant:
		pre = ""
	case strings.HasSuffix(suffix, "-"+variant):
		pre = strings.TrimSuffix(suffix, "-"+variant)
	default:
		return version{}, false
	}
	if pre != "" && !isPrerelease(pre) {
		return version{}, false
	}
	return newVersion(tag, m[1] == "v", m[2], pre, variant)
}

// parseAny reads tag as a version with whatever variant it has: the
// prerelease-shaped segments at the start of its suffix are the
// prerelease, the rest is the variant.
func parseAny(tag string) (version, bool) {
	m := versionTag.FindStringSubmatch(tag)
	if m == nil {
		return version{}, false
	}

	var pre []string
	segs := []string{}
	if m[3] != "" {
		segs = strings.Split(m[3], "-")
	}
	for len(segs) > 0 && isPrereleaseSegment(segs[0]) {
		pre = append(pre, segs[0])
		segs = segs[1:]
	}
	variant := strings.Join(segs, "-")
	if slices.Contains(segs, "") {
		return version{}, false
	}
	return newVersion(tag, m[1] == "v", m[2], strings.Join(pre, "-"), variant)
}

func newVersion(tag string, vPrefix bool, core, pre, variant string) (version, bool) {
	s := core
	if pre != "" {
		s += "-" + pre
	}
	// StrictNewVersion rejects what semver does not allow, such as leading
	// zeros ("01.2.3", "1.2.3-rc.01").
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return version{}, false
	}
	return version{tag: tag, v: v, vPrefix: vPrefix, variant: variant}, true
}

// higher reports whether a ranks above b: the higher version, then the
// spelling without "v", then the lower string so that the order is total.
func higher(a, b version) bool {
	if c := a.v.Compare(b.v); c != 0 {
		return c > 0
	}
	if a.vPrefix != b.vPrefix {
		return !a.vPrefix
	}
	return a.tag < b.tag
}

// Select returns the tag that rule r chooses from tags: the highest full
// version with the rule's variant that satisfies the constraint, in semver
// order whatever the order of tags. A constraint that pins one version
// ("2.7.11", "=2.7.11") chooses the tag spelled exactly like it, plus the
// variant suffix. When no tag matches, the error is a *problem.Error that
// shows the highest versions seen.
func Select(tags []string, r Rule) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	if tag, ok := choose(tags, r); ok {
		return tag, nil
	}
	return "", noMatch("", tags, r)
}

// choose returns the chosen tag of a valid rule.
func choose(tags []string, r Rule) (string, bool) {
	if pin, ok := exactPin(r.Constraint); ok {
		return choosePin(tags, r, pin)
	}

	c, err := semver.NewConstraint(strings.TrimSpace(r.Constraint))
	if err != nil {
		return "", false
	}
	c.IncludePrerelease = r.Prerelease

	var best version
	found := false
	for _, tag := range tags {
		v, ok := parseAs(tag, r.Variant)
		if !ok || !inMajor(v, r) || !c.Check(v.v) {
			continue
		}
		if !found || higher(v, best) {
			best, found = v, true
		}
	}
	return best.tag, found
}

// choosePin returns the tag spelled like the pinned version. Semver
// equality is not used: it ignores build metadata and "v".
func choosePin(tags []string, r Rule, pin string) (string, bool) {
	want := withVariant(pin, r.Variant)
	if !slices.Contains(tags, want) {
		return "", false
	}
	if r.Major != nil {
		// The pin may spell a suffix that reads as neither prerelease nor
		// variant ("7.5.0-alpine" with no variant), so only its core is
		// read here.
		m := versionTag.FindStringSubmatch(want)
		v, err := semver.StrictNewVersion(m[2])
		if err != nil || v.Major() != *r.Major {
			return "", false
		}
	}
	return want, true
}

func inMajor(v version, r Rule) bool {
	return r.Major == nil || v.v.Major() == *r.Major
}

// shown is how many versions an error lists.
const shown = 5

// noMatch explains why rule r chose none of tags. repo is empty when the
// tags did not come from a named repository.
func noMatch(repo string, tags []string, r Rule) *problem.Error {
	what := "no listed tag matches " + describe(r)
	if repo != "" {
		what = fmt.Sprintf("no tag of %s matches %s", repo, describe(r))
	}

	var same, all []version
	for _, tag := range tags {
		if v, ok := parseAs(tag, r.Variant); ok {
			same = append(same, v)
		}
		if v, ok := parseAny(tag); ok {
			all = append(all, v)
		}
	}
	floating := len(tags) - len(all)

	var ev strings.Builder
	fmt.Fprintf(&ev, "listed %d tags, %d of them full versions", len(tags), len(all))
	if floating > 0 {
		fmt.Fprintf(&ev, " (%d floating or other tags skipped)", floating)
	}
	fmt.Fprintf(&ev, "\nhighest %s: %s", variantPhrase(r.Variant, "versions"), top(same))
	if len(all) > len(same) {
		fmt.Fprintf(&ev, "\nhighest versions of any variant: %s", top(all))
	}

	return &problem.Error{
		Code:     problem.Image,
		What:     what,
		Fix:      fixFor(r, same, all),
		Evidence: ev.String(),
	}
}

// describe names the constraint and variant of a rule.
func describe(r Rule) string {
	s := fmt.Sprintf("%q %s", r.Constraint, variantPhrase(r.Variant, ""))
	if r.Major != nil {
		s += fmt.Sprintf(" in major %d", *r.Major)
	}
	return strings.TrimSpace(s)
}

func variantPhrase(variant, noun string) string {
	if variant == "" {
		return strings.TrimSpace(noun + " without a variant")
	}
	return strings.TrimSpace(fmt.Sprintf("%s with variant %q", noun, variant))
}

// top lists the highest few versions, highest first.
func top(vs []version) string {
	if len(vs) == 0 {
		return "none"
	}
	vs = slices.Clone(vs)
	slices.SortFunc(vs, func(a, b version) int {
		switch {
		case a.tag == b.tag:
			return 0
		case higher(a, b):
			return -1
		}
		return 1
	})
	var names []string
	for _, v := range vs[:min(shown, len(vs))] {
		names = append(names, v.tag)
	}
	if len(vs) > shown {
		names = append(names, fmt.Sprintf("... (%d more)", len(vs)-shown))
	}
	return strings.Join(names, ", ")
}

// fixFor says what would make rule r match, given the versions with its
// variant (same) and of any variant (all).
func fixFor(r Rule, same, all []version) string {
	if pin, ok := exactPin(r.Constraint); ok {
		want := withVariant(pin, r.Variant)
		for _, v := range same {
			if v.tag == "v"+want || "v"+v.tag == want {
				return fmt.Sprintf("the registry spells this version %q; "+
					"pin that tag in the manifest", v.tag)
			}
		}
	}

	if len(same) == 0 && len(all) > 0 {
		var variants []string
		for _, v := range all {
			if !slices.Contains(variants, v.variant) {
				variants = append(variants, v.variant)
			}
		}
		for i, v := range variants {
			if v == "" {
				variants[i] = "(none)"
			}
		}
		return fmt.Sprintf("check the variant in the manifest; variants "+
			"seen: %s", strings.Join(variants, ", "))
	}

	wider := r
	wider.Major = nil
	if r.Major != nil {
		if _, ok := choose(tagsOf(same), wider); ok {
			return fmt.Sprintf("matching versions exist only outside major "+
				"%d; upgrades stay in the installed major unless another "+
				"major is chosen explicitly", *r.Major)
		}
	}
	wider.Prerelease = true
	if _, ok := choose(tagsOf(same), wider); ok && !r.Prerelease {
		return "only prereleases match; name a prerelease in the constraint " +
			`(for example ">= 2.8.0-0") or allow prereleases`
	}
	return "change the tag constraint of the image in the manifest to one " +
		"the registry publishes"
}

func tagsOf(vs []version) []string {
	var tags []string
	for _, v := range vs {
		tags = append(tags, v.tag)
	}
	return tags
}
