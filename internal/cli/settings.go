package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"setup/internal/problem"
)

// siteKeys are the options a site configuration file may set, by key.
var siteKeys = map[string]bool{
	"manifest": true, "unattended": true, "verbose": true, "quiet": true, "log": true,
	"accept_license": true, "all_users": true, "registry_mirror": true, "reboot": true,
}

// settings reads options in order of precedence: the command-line flag,
// then the SETUP_* environment variable, then the site configuration file.
type settings struct {
	c      *cli.Context
	getenv func(string) string
	site   map[string]string
	// sitePath names the configuration file read, for messages.
	sitePath string
}

// loadSettings reads the site configuration named by --config or
// SETUP_CONFIG, or setup.yaml beside the executable when it exists.
func loadSettings(c *cli.Context, getenv func(string) string, exe string) (*settings, error) {
	s := &settings{c: c, getenv: getenv, site: map[string]string{}}
	path, explicit := "", false
	if x := setIn(c, "config"); x != nil {
		path, explicit = x.String("config"), true
	} else if v := getenv("SETUP_CONFIG"); v != "" {
		path, explicit = v, true
	} else if exe != "" {
		path = filepath.Join(filepath.Dir(exe), "setup.yaml")
	}
	if path == "" {
		return s, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && os.IsNotExist(err) {
			return s, nil
		}
		return nil, problem.Wrap(problem.Usage, err, "reading the site configuration "+path,
			"check the path given to --config or SETUP_CONFIG")
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, problem.Wrap(problem.Usage, err, "the site configuration "+path+" is not valid YAML", "")
	}
	var unknown []string
	for key, v := range raw {
		if !siteKeys[key] {
			unknown = append(unknown, key)
			continue
		}
		switch v.(type) {
		case map[string]any, []any:
			return nil, problem.Usagef("%s: %s must be a single value", path, key)
		}
		s.site[key] = fmt.Sprint(v)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		keys := make([]string, 0, len(siteKeys))
		for k := range siteKeys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, problem.Usagef("%s: unknown key(s) %s; the keys are %s",
			path, strings.Join(unknown, ", "), strings.Join(keys, ", "))
	}
	s.sitePath = path
	return s, nil
}

// setIn returns the context in c's lineage where flag name was given.
func setIn(c *cli.Context, name string) *cli.Context {
	for _, x := range c.Lineage() {
		if (x.Command != nil || x.App != nil) && x.IsSet(name) {
			return x
		}
	}
	return nil
}

// envName is the environment variable of an option: SETUP_ and the
// flag's name in upper case with '_' for '-'.
func envName(flag string) string {
	return "SETUP_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// lookup returns the option's value and where it came from.
func (s *settings) lookup(flag string) (value, source string, found bool) {
	if x := setIn(s.c, flag); x != nil {
		if v, ok := x.Value(flag).(bool); ok {
			return strconv.FormatBool(v), "--" + flag, true
		}
		return x.String(flag), "--" + flag, true
	}
	if v := s.getenv(envName(flag)); v != "" {
		return v, envName(flag), true
	}
	key := strings.ReplaceAll(flag, "-", "_")
	if v, ok := s.site[key]; ok {
		return v, key + " in " + s.sitePath, true
	}
	return "", "", false
}

// String returns a string option, "" when unset.
func (s *settings) String(flag string) string {
	v, _, _ := s.lookup(flag)
	return v
}

// Bool returns a boolean option, false when unset.
func (s *settings) Bool(flag string) (bool, error) {
	v, source, found := s.lookup(flag)
	if !found {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, problem.Usagef("%s: %q is not true or false", source, v)
	}
	return b, nil
}
