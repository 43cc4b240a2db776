// Package tags chooses which tag of an image repository to install.
//
// A manifest names an image by repository and a semantic version
// constraint ("^2", "~7.5", "2.7.11"), optionally with a variant suffix
// such as "alpine". Select picks the highest tag that satisfies the rule
// from a list of tags; Resolver lists every tag of a repository through the
// registry API and pins the chosen tag to the digest it points to.
//
// Only full three-part versions are ever chosen. Floating tags such as
// "latest", "2" or "2.7-alpine" move between releases, and sometimes across
// major versions, so they are skipped.
package tags

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Rule says which tag of a repository to choose.
type Rule struct {
	// Constraint is the semantic version constraint from the manifest,
	// such as "~2.7", "^1.4", ">= 1.0.0" or the exact pin "2.7.11".
	Constraint string
	// Variant is the tag suffix after the version, such as "alpine";
	// "" chooses only tags without a variant suffix.
	Variant string
	// Prerelease lets prereleases be chosen even when the constraint
	// names none.
	Prerelease bool
	// Major, when set, restricts the choice to versions with this major
	// number, so that upgrades stay inside the installed major.
	Major *uint64
}

// maxTagLen is the longest tag a registry accepts.
const maxTagLen = 128

// variantPattern is the grammar of a variant: what may follow
// "<version>-" in a Docker tag.
var variantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// pinPattern matches a constraint that names one full version, with an
// optional "=" and "v": "2.7.11", "=2.7.11", "v2.8.0-rc.1". The group is
// the version as it must appear in the tag.
var pinPattern = regexp.MustCompile(
	`^=?\s*(v?[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?)$`)

// Validate reports whether the rule can choose a tag: the constraint must
// parse, must not hold build metadata (a Docker tag cannot hold '+'), and
// the variant must be a valid tag suffix.
func (r Rule) Validate() error {
	c := strings.TrimSpace(r.Constraint)
	if c == "" {
		return errors.New(
			`the tag constraint is empty; give one such as "^2" or "2.7.11"`)
	}
	if i := strings.IndexByte(c, '+'); i >= 0 {
		return fmt.Errorf(
			"constraint %q holds build metadata %q, which a Docker tag "+
				"cannot hold ('+' is not allowed in tags)",
			r.Constraint, c[i:])
	}
	if _, err := semver.NewConstraint(c); err != nil {
		return fmt.Errorf("parsing constraint %q: %w", r.Constraint, err)
	}
	if err := validateVariant(r.Variant); err != nil {
		return err
	}
	if pin, ok := exactPin(c); ok {
		if tag := withVariant(pin, r.Variant); len(tag) > maxTagLen {
			return fmt.Errorf("pinned tag %q is longer than %d characters",
				tag, maxTagLen)
		}
	}
	return nil
}

// validateVariant checks a variant against the tag grammar.
func validateVariant(v string) error {
	if v == "" {
		return nil
	}
	if !variantPattern.MatchString(v) {
		return fmt.Errorf(
			"variant %q must start with a letter or digit and hold only "+
				"letters, digits, '.', '_' and '-'", v)
	}
	if len(v) > maxTagLen/2 {
		return fmt.Errorf("variant %q is longer than %d characters",
			v, maxTagLen/2)
	}
	if strings.HasSuffix(v, "-") || strings.Contains(v, "--") {
		return fmt.Errorf("variant %q has an empty part between '-'", v)
	}
	return nil
}

// exactPin returns the version named by a constraint that pins one full
// version, as it must be spelled in the tag.
func exactPin(constraint string) (string, bool) {
	m := pinPattern.FindStringSubmatch(strings.TrimSpace(constraint))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// withVariant appends the variant suffix to a version.
func withVariant(version, variant string) string {
	if variant == "" {
		return version
	}
	return version + "-" + variant
}
