//go:build !linux && !windows && !darwin

package checks

import (
	"errors"
	"runtime"
)

// gather on platforms whose checks are not written yet measures nothing,
// and says so in a result.
func gather(in Input) facts {
	unsupported := errors.New("not measured on " + runtime.GOOS + " by this version of setup")
	return facts{
		cpus:    runtime.NumCPU(),
		memErr:  unsupported,
		diskErr: unsupported,
	}
}
