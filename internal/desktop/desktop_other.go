//go:build !windows && !darwin

package desktop

import "runtime"

// native reports that Docker Desktop is not set up by setup here.
func native() (system, error) {
	return system{}, unsupported(runtime.GOOS)
}
