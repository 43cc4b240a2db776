package manifests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"setup/internal/problem"
	"setup/internal/tags"
)

var (
	productIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	servicePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	volumePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	envPattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ReadFile loads the manifest at path.
func ReadFile(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, problem.Wrap(problem.Usage, err,
			"reading the manifest",
			"check the path given to --manifest")
	}
	return Load(data, path)
}

// Load parses and checks a manifest. source names it in messages. Every
// failure is a *problem.Error with code problem.Usage whose evidence lists
// each wrong field with its line.
func Load(data []byte, source string) (*Manifest, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, invalid(source, []string{yamlMessage(err)})
	}
	if root.Kind == 0 {
		return nil, invalid(source, []string{"the manifest is empty"})
	}

	var m Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, invalid(source, typeMessages(&root, err))
	}
	m.Source = source
	sum := sha256.Sum256(data)
	m.Digest = "sha256:" + hex.EncodeToString(sum[:])
	m.Raw = data

	v := validator{root: &root}
	v.check(&m)
	if len(v.problems) > 0 {
		return nil, invalid(source, v.problems)
	}
	return &m, nil
}

func invalid(source string, problems []string) error {
	return &problem.Error{
		Code:     problem.Usage,
		What:     fmt.Sprintf("the manifest %s is not valid", source),
		Evidence: strings.Join(problems, "\n"),
		Fix:      "correct the fields named above; the manifest format is described in the README",
	}
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// typeMessages turns the decoder's errors into one line each, naming the
// field each is about, with our own words for the common ones.
func typeMessages(root *yaml.Node, err error) []string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []string{withField(root, yamlMessage(err))}
	}
	lines := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		e = withField(root, e)
		e = suggestKey(e)
		e = strings.Replace(e, " not found in type manifests.", " is not a key of ", 1)
		e = strings.Replace(e, "cannot unmarshal !!", "wrong type: got a YAML ", 1)
		lines = append(lines, e)
	}
	return lines
}

// keyTypes are the manifest's mappings by type name, for suggestions.
var keyTypes = map[string]reflect.Type{
	"Manifest": reflect.TypeOf(Manifest{}), "Product": reflect.TypeOf(Product{}),
	"Requires": reflect.TypeOf(Requires{}), "Runtime": reflect.TypeOf(Runtime{}),
	"Service": reflect.TypeOf(Service{}), "Health": reflect.TypeOf(Health{}),
	"Shortcut": reflect.TypeOf(Shortcut{}), "Installer": reflect.TypeOf(Installer{}),
}

var unknownKey = regexp.MustCompile(`field (\S+) not found in type manifests\.(\w+)`)

// suggestKey adds the nearest key of the mapping to an unknown-key
// message, when one is close enough to be a typing slip.
func suggestKey(msg string) string {
	m := unknownKey.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	t, ok := keyTypes[m[2]]
	if !ok {
		return msg
	}
	best, bestDist := "", 3
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" {
			continue
		}
		if d := editDistance(m[1], key); d < bestDist {
			best, bestDist = key, d
		}
	}
	if best == "" {
		return msg
	}
	return msg + fmt.Sprintf("; did you mean %s?", best)
}

// editDistance counts the single-character edits between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

var (
	linePrefix = regexp.MustCompile(`^line (\d+): `)
	namedKey   = regexp.MustCompile(`^(?:field (\S+) not found|mapping key ("(?:[^"\\]|\\.)*") already)`)
	namedTag   = regexp.MustCompile(`^cannot unmarshal (!!\w+)`)
)

// withField puts the path of the field that a decoder message is about
// after the message's line number: the key the message names, else the
// value of the YAML type it names, else the scalar on that line.
func withField(root *yaml.Node, msg string) string {
	loc := linePrefix.FindStringSubmatchIndex(msg)
	if loc == nil {
		return msg
	}
	line, _ := strconv.Atoi(msg[loc[2]:loc[3]])
	rest := msg[loc[1]:]

	match := func(key, value *yaml.Node) bool {
		return value.Line == line && value.Kind == yaml.ScalarNode
	}
	if m := namedKey.FindStringSubmatch(rest); m != nil {
		name := m[1]
		if m[2] != "" {
			name, _ = strconv.Unquote(m[2])
		}
		match = func(key, _ *yaml.Node) bool {
			return key != nil && key.Line == line && key.Value == name
		}
	} else if m := namedTag.FindStringSubmatch(rest); m != nil {
		match = func(_, value *yaml.Node) bool {
			return value.Line == line && value.ShortTag() == m[1]
		}
	}
	path := deepest(root, nil, match)
	if path == nil {
		return msg
	}
	return msg[:loc[1]] + strings.Join(path, ".") + ": " + rest
}

// deepest returns the path of the deepest node under n for which match
// holds, or nil. match gets a mapping's key and value, or nil and a
// sequence's item.
func deepest(n *yaml.Node, path []string, match func(key, value *yaml.Node) bool) []string {
	var found []string
	visit := func(key, value *yaml.Node, p []string) {
		if match(key, value) {
			found = p
		}
		if sub := deepest(value, p, match); sub != nil {
			found = sub
		}
	}
	at := func(name string) []string {
		return append(path[:len(path):len(path)], name)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if sub := deepest(c, path, match); sub != nil {
				found = sub
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			visit(n.Content[i], n.Content[i+1], at(n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			visit(nil, c, at(strconv.Itoa(i)))
		}
	}
	return found
}

type validator struct {
	root     *yaml.Node
	problems []string
}

// fail records a problem at the field named by path.
func (v *validator) fail(path []string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	field := strings.Join(path, ".")
	if line := lineOf(v.root, path); line > 0 {
		v.problems = append(v.problems, fmt.Sprintf("line %d: %s: %s", line, field, msg))
		return
	}
	v.problems = append(v.problems, fmt.Sprintf("%s: %s", field, msg))
}

func (v *validator) check(m *Manifest) {
	if m.Schema != Schema {
		v.fail([]string{"schema"}, "must be %d, got %d", Schema, m.Schema)
	}
	v.checkProduct(m.Product)
	if m.Runtime.Engine != "" {
		if _, err := semver.NewConstraint(m.Runtime.Engine); err != nil {
			v.fail([]string{"runtime", "engine"}, "%q is not a semver constraint", m.Runtime.Engine)
		}
	}
	v.checkInstallers(m.Runtime.DockerDesktop)
	if m.Requires.CPUs < 0 {
		v.fail([]string{"requires", "cpus"}, "must not be negative")
	}
	for name := range m.Volumes {
		if !volumePattern.MatchString(name) {
			v.fail([]string{"volumes", name}, "a volume name uses letters, digits, '_', '.' and '-'")
		}
	}
	if len(m.Services) == 0 {
		v.fail([]string{"services"}, "at least one service is needed")
	}
	names := make([]string, 0, len(m.Services))
	for name := range m.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v.checkService(m, name)
	}
	v.checkPorts(m, names)
	m.order = v.startOrder(m, names)
	v.checkShortcuts(m.Shortcuts)
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (v *validator) checkInstallers(installers []Installer) {
	seen := map[string]bool{}
	for i, in := range installers {
		at := func(field string) []string {
			return []string{"runtime", "docker_desktop", strconv.Itoa(i), field}
		}
		switch in.Platform {
		case "windows/amd64", "windows/arm64", "darwin/amd64", "darwin/arm64":
		default:
			v.fail(at("platform"), "%q is not one of windows/amd64, windows/arm64, darwin/amd64, darwin/arm64", in.Platform)
		}
		if seen[in.Platform] {
			v.fail(at("platform"), "%q is listed twice", in.Platform)
		}
		seen[in.Platform] = true
		if u, err := url.Parse(in.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			v.fail(at("url"), "%q is not an https URL", in.URL)
		}
		if !sha256Pattern.MatchString(strings.ToLower(in.SHA256)) {
			v.fail(at("sha256"), "must be 64 hex digits")
		}
	}
}

func (v *validator) checkProduct(p Product) {
	if !productIDPattern.MatchString(p.ID) {
		v.fail([]string{"product", "id"},
			"%q must be 1 to 40 of a-z, 0-9 and '-', starting with a letter or digit", p.ID)
	}
	if strings.TrimSpace(p.Name) == "" {
		v.fail([]string{"product", "name"}, "is required")
	}
}

func (v *validator) checkService(m *Manifest, svc string) {
	s := m.Services[svc]
	at := func(field ...string) []string {
		return append([]string{"services", svc}, field...)
	}
	if s == nil {
		v.fail(at(), "is empty")
		return
	}
	if !servicePattern.MatchString(svc) {
		v.fail(at(), "a service name uses a-z, 0-9, '_' and '-'")
	}

	if s.Image == "" {
		v.fail(at("image"), "is required")
	} else if _, err := name.NewRepository(s.Image); err != nil {
		v.fail(at("image"), "%q is not a repository; give the tag constraint in version", s.Image)
	}
	if s.Version == "" {
		v.fail(at("version"), "is required: a semver constraint such as \"~2.7\"")
	} else {
		rule := tags.Rule{Constraint: s.Version, Variant: s.Variant, Prerelease: s.Prerelease}
		if err := rule.Validate(); err != nil {
			v.fail(at("version"), "%v", err)
		}
	}

	for i, spec := range s.Ports {
		if _, err := ParsePort(spec); err != nil {
			v.fail(at("ports", strconv.Itoa(i)), "%v", err)
		}
	}
	for i, spec := range s.Volumes {
		mt, err := ParseMount(spec)
		if err != nil {
			v.fail(at("volumes", strconv.Itoa(i)), "%v", err)
			continue
		}
		if !volumePattern.MatchString(mt.Volume) {
			v.fail(at("volumes", strconv.Itoa(i)), "%q is not a volume name", mt.Volume)
			continue
		}
		if _, declared := m.Volumes[mt.Volume]; len(m.Volumes) > 0 && !declared {
			v.fail(at("volumes", strconv.Itoa(i)),
				"volume %q is not declared under the top-level volumes", mt.Volume)
		}
	}
	for key := range s.Environment {
		if !envPattern.MatchString(key) {
			v.fail(at("environment", key), "is not a valid variable name")
		}
	}
	for i, spec := range s.Secrets {
		ref := ParseSecret(spec)
		if !envPattern.MatchString(ref.Env) || ref.Key == "" {
			v.fail(at("secrets", strconv.Itoa(i)), "%q is not NAME or NAME=key", spec)
			continue
		}
		if _, clash := s.Environment[ref.Env]; clash {
			v.fail(at("secrets", strconv.Itoa(i)), "%s is also set in environment", ref.Env)
		}
	}
	for i, dep := range s.DependsOn {
		if _, ok := m.Services[dep]; !ok {
			v.fail(at("depends_on", strconv.Itoa(i)), "%q is not a service of this manifest", dep)
		}
	}
	if s.Health.URL != "" {
		if err := checkURL(s.Health.URL); err != nil {
			v.fail(at("health", "url"), "%v", err)
		}
	}
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL", raw)
	}
	return nil
}

// checkPorts refuses a host port published twice.
func (v *validator) checkPorts(m *Manifest, names []string) {
	type key struct {
		port  int
		proto string
	}
	owner := map[key]string{}
	for _, name := range names {
		s := m.Services[name]
		if s == nil {
			continue
		}
		for i, spec := range s.Ports {
			p, err := ParsePort(spec)
			if err != nil {
				continue
			}
			k := key{p.Host, p.Protocol}
			if first, taken := owner[k]; taken {
				v.fail([]string{"services", name, "ports", strconv.Itoa(i)},
					"host port %d/%s is already published by %s", p.Host, p.Protocol, first)
				continue
			}
			owner[k] = name
		}
	}
}

// startOrder sorts services so that each comes after its dependencies, and
// reports a cycle.
func (v *validator) startOrder(m *Manifest, names []string) []string {
	const (
		unvisited = iota
		visiting
		done
	)
	mark := map[string]int{}
	var order []string
	var stack []string
	var visit func(name string) bool
	visit = func(name string) bool {
		switch mark[name] {
		case visiting:
			start := 0
			for i, n := range stack {
				if n == name {
					start = i
				}
			}
			cycle := append(append([]string(nil), stack[start:]...), name)
			v.fail([]string{"services", stack[len(stack)-1], "depends_on"},
				"dependency cycle: %s", strings.Join(cycle, " -> "))
			return false
		case done:
			return true
		}
		s := m.Services[name]
		if s == nil {
			return true
		}
		mark[name] = visiting
		stack = append(stack, name)
		deps := append([]string(nil), s.DependsOn...)
		sort.Strings(deps)
		for _, dep := range deps {
			if _, ok := m.Services[dep]; !ok {
				continue
			}
			if !visit(dep) {
				return false
			}
		}
		stack = stack[:len(stack)-1]
		mark[name] = done
		order = append(order, name)
		return true
	}
	for _, name := range names {
		if !visit(name) {
			return nil
		}
	}
	return order
}

func (v *validator) checkShortcuts(shortcuts []Shortcut) {
	seen := map[string]bool{}
	for i, sc := range shortcuts {
		at := []string{"shortcuts", strconv.Itoa(i)}
		if strings.TrimSpace(sc.Name) == "" {
			v.fail(append(at, "name"), "is required")
		} else if strings.ContainsAny(sc.Name, `/\:*?"<>|`) {
			v.fail(append(at, "name"), "%q holds a character not allowed in a file name", sc.Name)
		}
		if seen[strings.ToLower(sc.Name)] {
			v.fail(append(at, "name"), "%q is used twice", sc.Name)
		}
		seen[strings.ToLower(sc.Name)] = true
		if err := checkURL(sc.URL); err != nil {
			v.fail(append(at, "url"), "%v", err)
		}
	}
}

// lineOf finds the line of the node at path: mapping keys by name,
// sequence items by index. It returns the deepest line found.
func lineOf(root *yaml.Node, path []string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, key := range path {
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(key)
			if err != nil || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}
