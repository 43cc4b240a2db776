package manifests

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Size is a number of bytes written with a unit: "4GiB", "512MiB",
// "10GB", or a plain number of bytes.
type Size int64

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// ParseSize reads a size such as "4GiB".
func ParseSize(s string) (Size, error) {
	text := strings.TrimSpace(s)
	factor := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(text, u.suffix) {
			text = strings.TrimSpace(strings.TrimSuffix(text, u.suffix))
			factor = u.factor
			break
		}
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size like 4GiB or 512MiB", s)
	}
	return Size(n * float64(factor)), nil
}

// UnmarshalYAML reads a size from a scalar.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a size must be a value like 4GiB", n.Line)
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = v
	return nil
}

// String renders the size with a binary unit.
func (s Size) String() string {
	switch {
	case s >= 1<<30:
		return strconv.FormatFloat(float64(s)/(1<<30), 'f', -1, 64) + "GiB"
	case s >= 1<<20:
		return strconv.FormatFloat(float64(s)/(1<<20), 'f', -1, 64) + "MiB"
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// Duration is a time.Duration written like "90s" or "2m".
type Duration time.Duration

// UnmarshalYAML reads a duration from a scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration like 90s or 2m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}
