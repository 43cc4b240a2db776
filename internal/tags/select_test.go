package tags

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
)

func major(n uint64) *uint64 { return &n }

func TestSelect(t *testing.T) {
	t.Parallel()
	installer := []string{"2.7.11", "2.8.0-rc.1", "v2.0.0-beta.1", "latest"}
	influx := []string{
		"2.7.11", "2.7.11-alpine", "2.7", "2.7-alpine",
		"1.8.10-alpine", "alpine", "latest",
	}
	jump := []string{"1.8.10", "2.7.11", "3.0.0", "3.1.0", "latest"}

	tests := []struct {
		name string
		tags []string
		rule Rule
		want string
	}{
		// Prereleases only when asked for.
		{
			name: "semver-prerelease-excluded: caret skips prereleases",
			tags: installer,
			rule: Rule{Constraint: "^2"},
			want: "2.7.11",
		},
		{
			name: "semver-prerelease-excluded: constraint names a prerelease",
			tags: installer,
			rule: Rule{Constraint: ">=2.8.0-0"},
			want: "2.8.0-rc.1",
		},
		{
			name: "semver-prerelease-excluded: rule allows prereleases",
			tags: installer,
			rule: Rule{Constraint: "^2", Prerelease: true},
			want: "2.8.0-rc.1",
		},
		{
			name: "prerelease words in any case",
			tags: []string{"1.9.0", "2.0.0-RC1"},
			rule: Rule{Constraint: ">=2.0.0-0"},
			want: "2.0.0-RC1",
		},
		{
			name: "numeric suffix is a prerelease",
			tags: []string{"1.2.3-1", "1.2.2"},
			rule: Rule{Constraint: "^1"},
			want: "1.2.2",
		},

		// Variants.
		{
			name: "variant-suffix-parsed-as-prerelease: no variant",
			tags: []string{"7.5.0", "7.5.0-alpine", "7.4.2"},
			rule: Rule{Constraint: "~7.5"},
			want: "7.5.0",
		},
		{
			name: "variant-suffix-parsed-as-prerelease: no variant, variant listed first",
			tags: []string{"7.5.0-alpine", "7.4.2", "7.5.0"},
			rule: Rule{Constraint: "~7.5"},
			want: "7.5.0",
		},
		{
			name: "variant-suffix-parsed-as-prerelease: influx alpine",
			tags: influx,
			rule: Rule{Constraint: "^2", Variant: "alpine"},
			want: "2.7.11-alpine",
		},
		{
			name: "variant-suffix-parsed-as-prerelease: influx without variant",
			tags: influx,
			rule: Rule{Constraint: "^2"},
			want: "2.7.11",
		},
		{
			name: "variant with a version number is another variant",
			tags: []string{"2.7.11-alpine3.18", "2.7.10-alpine"},
			rule: Rule{Constraint: "^2", Variant: "alpine"},
			want: "2.7.10-alpine",
		},
		{
			name: "variant with a version number asked for exactly",
			tags: []string{"2.7.11-alpine3.18", "2.7.10-alpine", "2.7.12"},
			rule: Rule{Constraint: "^2", Variant: "alpine3.18"},
			want: "2.7.11-alpine3.18",
		},
		{
			name: "variant of several parts",
			tags: []string{"2.7.11-debian-12-r5", "2.7.12-debian-11-r1", "2.7.12"},
			rule: Rule{Constraint: "^2", Variant: "debian-12-r5"},
			want: "2.7.11-debian-12-r5",
		},
		{
			name: "prerelease with variant excluded by default",
			tags: []string{"2.7.11-alpine", "2.8.0-rc.1-alpine", "2.9.0"},
			rule: Rule{Constraint: "^2", Variant: "alpine"},
			want: "2.7.11-alpine",
		},
		{
			name: "prerelease with variant when allowed",
			tags: []string{"2.7.11-alpine", "2.8.0-rc.1-alpine", "2.9.0"},
			rule: Rule{Constraint: "^2", Variant: "alpine", Prerelease: true},
			want: "2.8.0-rc.1-alpine",
		},
		{
			name: "variant that looks like a prerelease word",
			tags: []string{"1.2.3-dev", "1.2.3", "1.2.2-dev"},
			rule: Rule{Constraint: "^1", Variant: "dev"},
			want: "1.2.3-dev",
		},
		{
			name: "same tags read without variant",
			tags: []string{"1.2.3-dev", "1.2.2"},
			rule: Rule{Constraint: "^1"},
			want: "1.2.2",
		},

		// What counts as a version.
		{
			name: "floating and named tags skipped",
			tags: []string{"2", "2.7", "latest", "stable", "2.7-alpine", "2.6.0", "2.7.0.1"},
			rule: Rule{Constraint: "^2"},
			want: "2.6.0",
		},
		{
			name: "leading zeros are not versions",
			tags: []string{"2.07.1", "2.6.0", "2.8.0-rc.01"},
			rule: Rule{Constraint: "^2", Prerelease: true},
			want: "2.6.0",
		},
		{
			name: "v prefix accepted",
			tags: []string{"v1.9.0", "v2.0.0", "v2.0.0-beta.1"},
			rule: Rule{Constraint: "^2"},
			want: "v2.0.0",
		},
		{
			name: "plain spelling preferred over v, v first",
			tags: []string{"v1.2.3", "1.2.3", "1.2.2"},
			rule: Rule{Constraint: "^1"},
			want: "1.2.3",
		},
		{
			name: "plain spelling preferred over v, plain first",
			tags: []string{"1.2.3", "v1.2.3", "v1.2.2"},
			rule: Rule{Constraint: "^1"},
			want: "1.2.3",
		},
		{
			name: "plain spelling preferred over v with variant",
			tags: []string{"v1.2.3-alpine", "1.2.3-alpine", "1.2.3"},
			rule: Rule{Constraint: "^1", Variant: "alpine"},
			want: "1.2.3-alpine",
		},
		{
			name: "dockerhub-hub-api-first-page-only: semver order, not lexical",
			tags: []string{"v1.9.0", "v2.4.9", "v2.4.10", "v2.9.233", "v2.10.0", "v2.20.1"},
			rule: Rule{Constraint: ">= 1.0.0"},
			want: "v2.20.1",
		},

		// Exact pins compare the tag as a string.
		{
			name: "build-metadata-equality: exact pin",
			tags: []string{"2.7.12", "v2.7.11", "2.7.11", "2.7.11-alpine"},
			rule: Rule{Constraint: "2.7.11"},
			want: "2.7.11",
		},
		{
			name: "build-metadata-equality: pin with equals sign",
			tags: []string{"2.7.12", "v2.7.11", "2.7.11"},
			rule: Rule{Constraint: "= 2.7.11"},
			want: "2.7.11",
		},
		{
			name: "pin spelled with v",
			tags: []string{"2.7.11", "v2.7.11"},
			rule: Rule{Constraint: "v2.7.11"},
			want: "v2.7.11",
		},
		{
			name: "pin with variant",
			tags: []string{"2.7.11", "2.7.11-alpine", "2.7.12-alpine"},
			rule: Rule{Constraint: "2.7.11", Variant: "alpine"},
			want: "2.7.11-alpine",
		},
		{
			name: "pin of a prerelease",
			tags: []string{"2.8.0", "2.8.0-rc.1", "2.8.0-rc.2"},
			rule: Rule{Constraint: "2.8.0-rc.1"},
			want: "2.8.0-rc.1",
		},
		{
			name: "pin inside the major",
			tags: []string{"2.7.11", "3.0.0"},
			rule: Rule{Constraint: "2.7.11", Major: major(2)},
			want: "2.7.11",
		},

		// Majors.
		{
			name: "influx-latest-major-jump: caret stays in major 2",
			tags: []string{"1.8.10", "2.7.11", "3.0.0", "latest"},
			rule: Rule{Constraint: "^2"},
			want: "2.7.11",
		},
		{
			name: "influx-latest-major-jump: open range held to major 2",
			tags: jump,
			rule: Rule{Constraint: ">= 1.0", Major: major(2)},
			want: "2.7.11",
		},
		{
			name: "influx-latest-major-jump: open range without major",
			tags: jump,
			rule: Rule{Constraint: ">= 1.0"},
			want: "3.1.0",
		},
		{
			name: "influx-latest-major-jump: star never takes latest",
			tags: jump,
			rule: Rule{Constraint: "*", Prerelease: true},
			want: "3.1.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(tt.tags, tt.rule)
			if err != nil {
				t.Fatalf("Select(%q, %+v) error: %v", tt.tags, tt.rule, err)
			}
			if got != tt.want {
				t.Errorf("Select(%q, %+v) = %q, want %q", tt.tags, tt.rule, got, tt.want)
			}
		})
	}
}

// TestSelectNeverFloating checks that no rule chooses a floating tag such
// as "latest", and that the answer does not depend on the order of tags.
func TestSelectNeverFloating(t *testing.T) {
	t.Parallel()
	tags := []string{
		"latest", "2", "2.7", "alpine", "2-alpine", "2.7-alpine", "stable",
		"1.8.10", "2.7.11", "2.7.11-alpine", "3.0.0", "3.1.0-rc.1",
	}
	floating := map[string]bool{}
	for _, tag := range tags {
		if _, ok := parseAny(tag); !ok {
			floating[tag] = true
		}
	}
	if len(floating) != 7 {
		t.Fatalf("floating tags = %d, want 7", len(floating))
	}

	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{"any", Rule{Constraint: "*"}, "3.0.0"},
		{"any with prereleases", Rule{Constraint: "*", Prerelease: true}, "3.1.0-rc.1"},
		{"prerelease range", Rule{Constraint: ">= 0.0.0-0"}, "3.1.0-rc.1"},
		{"alpine", Rule{Constraint: "^2", Variant: "alpine"}, "2.7.11-alpine"},
		{"held to major", Rule{Constraint: ">= 1", Major: major(2)}, "2.7.11"},
	}
	for _, tt := range tests {
		t.Run("influx-latest-major-jump: "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(tags, tt.rule)
			if err != nil {
				t.Fatalf("Select(%+v) error: %v", tt.rule, err)
			}
			if floating[got] || got != tt.want {
				t.Errorf("Select(%+v) = %q, want %q", tt.rule, got, tt.want)
			}
			reversed := slices.Clone(tags)
			slices.Reverse(reversed)
			if got, _ := Select(reversed, tt.rule); got != tt.want {
				t.Errorf("Select(reversed, %+v) = %q, want %q", tt.rule, got, tt.want)
			}
		})
	}
}

func TestSelectNoMatch(t *testing.T) {
	t.Parallel()
	older := []string{
		"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0",
	}

	tests := []struct {
		name string
		tags []string
		rule Rule
		// want are substrings of the error's description, evidence and fix.
		what, evidence, fix []string
	}{
		{
			name: "only older versions",
			tags: append(slices.Clone(older), "latest"),
			rule: Rule{Constraint: "^2"},
			what: []string{`no listed tag matches "^2" without a variant`},
			evidence: []string{
				"listed 8 tags, 7 of them full versions (1 floating or other tags skipped)",
				"highest versions without a variant: " +
					"1.6.0, 1.5.0, 1.4.0, 1.3.0, 1.2.0, ... (2 more)",
			},
			fix: []string{"change the tag constraint"},
		},
		{
			name: "variant not published",
			tags: []string{"2.7.11-alpine", "2.7-alpine", "2.7.10-alpine"},
			rule: Rule{Constraint: "^2"},
			evidence: []string{
				"highest versions without a variant: none",
				"highest versions of any variant: 2.7.11-alpine, 2.7.10-alpine",
			},
			fix: []string{"variants seen: alpine"},
		},
		{
			name:     "only prereleases",
			tags:     []string{"1.0.0", "2.8.0-rc.1"},
			rule:     Rule{Constraint: "^2"},
			evidence: []string{"highest versions without a variant: 2.8.0-rc.1, 1.0.0"},
			fix:      []string{"only prereleases match"},
		},
		{
			name: "influx-latest-major-jump: only outside the major",
			tags: []string{"2.0.0", "3.0.0", "latest"},
			rule: Rule{Constraint: ">= 3", Major: major(2)},
			what: []string{`">= 3" without a variant in major 2`},
			fix:  []string{"outside major 2"},
		},
		{
			name: "build-metadata-equality: pin spelled another way",
			tags: []string{"v2.7.11", "2.7.12"},
			rule: Rule{Constraint: "2.7.11"},
			fix:  []string{`spells this version "v2.7.11"`},
		},
		{
			name: "variant-suffix-parsed-as-prerelease: alpine with only plain tags",
			tags: []string{"2.7.11", "2.7"},
			rule: Rule{Constraint: "^2", Variant: "alpine"},
			what: []string{`"^2" with variant "alpine"`},
			fix:  []string{"variants seen: (none)"},
		},
		{
			name: "nothing listed",
			tags: nil,
			rule: Rule{Constraint: "^2"},
			evidence: []string{
				"listed 0 tags, 0 of them full versions",
				"without a variant: none",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(tt.tags, tt.rule)
			if err == nil {
				t.Fatalf("Select(%q, %+v) = %q, want an error", tt.tags, tt.rule, got)
			}
			var p *problem.Error
			if !errors.As(err, &p) {
				t.Fatalf("Select() error = %T %v, want a *problem.Error", err, err)
			}
			if p.Code != problem.Image {
				t.Errorf("Select() error code = %v, want %v", p.Code, problem.Image)
			}
			for _, field := range []struct {
				name, got string
				want      []string
			}{
				{"description", p.What, tt.what},
				{"evidence", p.Evidence, tt.evidence},
				{"fix", p.Fix, tt.fix},
			} {
				for _, w := range field.want {
					if !strings.Contains(field.got, w) {
						t.Errorf("Select() error %s = %q, want it to hold %q",
							field.name, field.got, w)
					}
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule Rule
		want string // a substring of the error, "" for none
	}{
		{name: "tilde with variant", rule: Rule{Constraint: "~2.7", Variant: "alpine"}},
		{name: "caret", rule: Rule{Constraint: "^1.4"}},
		{name: "open range", rule: Rule{Constraint: ">= 1.0.0"}},
		{name: "pin", rule: Rule{Constraint: "2.7.11"}},
		{name: "pin with equals and v", rule: Rule{Constraint: "=v2.7.11"}},
		{name: "prerelease range", rule: Rule{Constraint: ">=2.8.0-0"}},
		{name: "dotted variant", rule: Rule{Constraint: "^2", Variant: "alpine3.18"}},
		{name: "variant of parts", rule: Rule{Constraint: "^2", Variant: "debian-12-r5"}},
		{
			name: "build-metadata-equality: pin with build metadata",
			rule: Rule{Constraint: "2.7.11+build.5"},
			want: `constraint "2.7.11+build.5" holds build metadata "+build.5"`,
		},
		{
			name: "build metadata in a range",
			rule: Rule{Constraint: ">= 1.0.0+abc"},
			want: "build metadata",
		},
		{name: "empty", rule: Rule{Constraint: " "}, want: "constraint is empty"},
		{
			name: "not a constraint",
			rule: Rule{Constraint: "newest"},
			want: `parsing constraint "newest"`,
		},
		{
			name: "variant with leading dash",
			rule: Rule{Constraint: "^2", Variant: "-alpine"},
			want: `variant "-alpine" must start with a letter or digit`,
		},
		{
			name: "variant with space",
			rule: Rule{Constraint: "^2", Variant: "alp ine"},
			want: "hold only letters, digits",
		},
		{
			name: "variant with plus",
			rule: Rule{Constraint: "^2", Variant: "alpine+1"},
			want: "hold only letters, digits",
		},
		{
			name: "variant with empty part",
			rule: Rule{Constraint: "^2", Variant: "alpine--slim"},
			want: "empty part",
		},
		{
			name: "variant too long",
			rule: Rule{Constraint: "^2", Variant: strings.Repeat("a", 65)},
			want: "longer than 64 characters",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.rule.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate(%+v) = %v, want nil", tt.rule, err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate(%+v) = nil, want an error holding %q", tt.rule, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Validate(%+v) = %q, want it to hold %q", tt.rule, err, tt.want)
			}
		})
	}
}

func TestSelectRejectsInvalidRule(t *testing.T) {
	t.Parallel()
	r := Rule{Constraint: "2.7.11+build.5"}
	got, err := Select([]string{"2.7.11"}, r)
	if err == nil || !strings.Contains(err.Error(), "build metadata") {
		t.Errorf("Select(%+v) = %q, %v, want a build metadata error", r, got, err)
	}
}

// TestSemverLibrary pins down the behaviour of the semver library that the
// rules above build on, so that an upgrade that changes it is noticed.
func TestSemverLibrary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		constraint string
		include    bool
		version    string
		want       bool
	}{
		// A constraint without a prerelease never matches one.
		{"semver-prerelease-excluded", ">= 1.0.0", false, "2.0.0-alpha", false},
		{"semver-prerelease-excluded: star", "*", false, "3.0.0-rc2", false},
		{"semver-prerelease-excluded: included", ">= 1.0.0", true, "2.0.0-alpha", true},
		{"semver-prerelease-excluded: named", ">= 2.0.0-0", false, "2.0.0-alpha", true},
		// Equality ignores build metadata, as semver precedence does; this
		// is why exact pins compare tag strings instead.
		{"build-metadata-equality: plain", "= 1.0.0", false, "1.0.0", true},
		{"build-metadata-equality: build metadata", "= 1.0.0", false, "1.0.0+toto.1", true},
		{"build-metadata-equality: prerelease", "= 1.0.0", false, "1.0.0-beta.2", false},
		// A variant read as a prerelease sorts below its release.
		{"variant-suffix-parsed-as-prerelease", "~7.5", false, "7.5.0-alpine", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := semver.NewConstraint(tt.constraint)
			if err != nil {
				t.Fatalf("NewConstraint(%q) error: %v", tt.constraint, err)
			}
			c.IncludePrerelease = tt.include
			v := semver.MustParse(tt.version)
			if got := c.Check(v); got != tt.want {
				t.Errorf("%q.Check(%q) = %v, want %v", tt.constraint, tt.version, got, tt.want)
			}
		})
	}

	t.Run("semver-prerelease-excluded: reason", func(t *testing.T) {
		t.Parallel()
		c, err := semver.NewConstraint(">= 1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		ok, errs := c.Validate(semver.MustParse("2.0.0-alpha"))
		var got []string
		for _, e := range errs {
			got = append(got, e.Error())
		}
		want := []string{`"2.0.0-alpha" is a prerelease version and the ` +
			`constraint is only looking for release versions`}
		if diff := cmp.Diff(want, got); ok || diff != "" {
			t.Errorf("Validate() = %v, errors (-want +got):\n%s", ok, diff)
		}
	})
}

// TestParse checks how tags split into version, prerelease and variant.
func TestParse(t *testing.T) {
	t.Parallel()
	type parts struct {
		Version string
		V       bool
		Variant string
	}
	tests := []struct {
		tag  string
		want *parts // nil when the tag is not a version
	}{
		{"2.7.11", &parts{"2.7.11", false, ""}},
		{"v2.0.0-beta.1", &parts{"2.0.0-beta.1", true, ""}},
		{"2.7.11-alpine", &parts{"2.7.11", false, "alpine"}},
		{"2.7.11-alpine3.18", &parts{"2.7.11", false, "alpine3.18"}},
		{"2.8.0-rc.1-alpine", &parts{"2.8.0-rc.1", false, "alpine"}},
		{"2.8.0-rc.1-2-slim-bookworm", &parts{"2.8.0-rc.1-2", false, "slim-bookworm"}},
		{"1.0.0-20240101.1", &parts{"1.0.0-20240101.1", false, ""}},
		{"1.0.0-Preview3", &parts{"1.0.0-Preview3", false, ""}},
		{"1.0.0-alpine-rc1", &parts{"1.0.0", false, "alpine-rc1"}},
		{"2.7", nil},
		{"latest", nil},
		{"2.7-alpine", nil},
		{"2.7.11.1", nil},
		{"2.7.11-", nil},
		{"2.7.11-alpine-", nil},
		{"02.7.11", nil},
		{"V2.7.11", nil},
	}
	for _, tt := range tests {
		v, ok := parseAny(tt.tag)
		var got *parts
		if ok {
			got = &parts{v.v.String(), v.vPrefix, v.variant}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseAny(%q) mismatch (-want +got):\n%s", tt.tag, diff)
		}
	}
}
