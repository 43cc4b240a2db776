// Package engine finds and connects to the container engine, tells apart
// the ways it can be unavailable, and installs and starts Docker Engine
// from the distribution's packages on Linux.
//
// The decisions are plain functions that take the operating system's name
// and the environment as inputs, so every platform's branch runs in tests
// on any machine.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"setup/internal/problem"
)

// Endpoint is where the engine's API is served.
type Endpoint struct {
	// Host is the engine address, e.g. unix:///var/run/docker.sock or
	// npipe:////./pipe/docker_engine.
	Host string
	// Source says how Host was chosen, for messages.
	Source string
}

// Env is what endpoint discovery reads from the machine.
type Env struct {
	GOOS   string
	Getenv func(string) string
	// Home is the user's home folder, where the docker config lives by
	// default.
	Home string
	// ReadFile reads a file; os.ReadFile when nil.
	ReadFile func(string) ([]byte, error)
}

// SystemEnv returns the Env of this process.
func SystemEnv(goos string) Env {
	home, _ := os.UserHomeDir()
	return Env{GOOS: goos, Getenv: os.Getenv, Home: home, ReadFile: os.ReadFile}
}

func (e Env) read(path string) ([]byte, error) {
	if e.ReadFile == nil {
		return os.ReadFile(path)
	}
	return e.ReadFile(path)
}

// ConfigDir returns the docker CLI's configuration folder: DOCKER_CONFIG,
// or .docker in the home folder.
func (e Env) ConfigDir() string {
	if dir := e.Getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	return filepath.Join(e.Home, ".docker")
}

// The platforms' default engine addresses.
const (
	WindowsPipe = "npipe:////./pipe/docker_engine"
	UnixSocket  = "unix:///var/run/docker.sock"
)

// DefaultHost returns the platform's default engine address.
func DefaultHost(goos string) string {
	if goos == "windows" {
		return WindowsPipe
	}
	return UnixSocket
}

// FindEndpoint chooses the engine the way the docker CLI does: DOCKER_HOST,
// else the context named by DOCKER_CONTEXT, else the current context of the
// docker config, else the platform default.
func FindEndpoint(env Env) (Endpoint, error) {
	if host := env.Getenv("DOCKER_HOST"); host != "" {
		return Endpoint{Host: host, Source: "DOCKER_HOST"}, nil
	}
	if name := env.Getenv("DOCKER_CONTEXT"); name != "" {
		return contextEndpoint(env, name, "DOCKER_CONTEXT")
	}

	configPath := filepath.Join(env.ConfigDir(), "config.json")
	data, err := env.read(configPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return Endpoint{}, fmt.Errorf("reading %s: %w", configPath, err)
	default:
		var config struct {
			CurrentContext string `json:"currentContext"`
		}
		if err := json.Unmarshal(data, &config); err != nil {
			return Endpoint{}, problem.Wrap(problem.Engine, err,
				"reading the docker config "+configPath,
				"repair or remove the file; 'docker context use default' rewrites it")
		}
		if config.CurrentContext != "" {
			return contextEndpoint(env, config.CurrentContext,
				"the current context in "+configPath)
		}
	}
	return Endpoint{Host: DefaultHost(env.GOOS), Source: "the platform default"}, nil
}

// contextEndpoint reads a docker context's engine address from
// contexts/meta/<sha256 of the name>/meta.json in the config folder.
func contextEndpoint(env Env, name, via string) (Endpoint, error) {
	source := fmt.Sprintf("context %q (%s)", name, via)
	if name == "default" {
		return Endpoint{Host: DefaultHost(env.GOOS), Source: source}, nil
	}
	sum := sha256.Sum256([]byte(name))
	path := filepath.Join(env.ConfigDir(), "contexts", "meta",
		hex.EncodeToString(sum[:]), "meta.json")
	data, err := env.read(path)
	if err != nil {
		return Endpoint{}, problem.Wrap(problem.Engine, err,
			fmt.Sprintf("the docker context %q chosen by %s cannot be read", name, via),
			"run 'docker context ls' and choose an existing context with 'docker context use NAME'")
	}
	var meta struct {
		Endpoints map[string]struct {
			Host string `json:"Host"`
		} `json:"Endpoints"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return Endpoint{}, problem.Wrap(problem.Engine, err,
			fmt.Sprintf("reading the docker context %q", name),
			"recreate the context with 'docker context create'")
	}
	host := meta.Endpoints["docker"].Host
	if host == "" {
		return Endpoint{}, problem.New(problem.Engine,
			fmt.Sprintf("the docker context %q has no docker endpoint", name),
			"recreate the context with 'docker context create'")
	}
	return Endpoint{Host: host, Source: source}, nil
}
