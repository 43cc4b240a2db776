//go:build darwin

package desktop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// native returns the real macOS system.
func native() (system, error) {
	home, _ := os.UserHomeDir()
	return system{
		goos:       "darwin",
		home:       home,
		detect:     detect,
		self:       selfProcess,
		candidates: candidates,
	}, nil
}

func detect() (Installation, error) {
	data, err := os.ReadFile(MacApp + "/Contents/Info.plist")
	if errors.Is(err, fs.ErrNotExist) {
		return Installation{}, nil
	}
	if err != nil {
		return Installation{}, fmt.Errorf("reading Docker Desktop's Info.plist: %w", err)
	}
	return MacInstallation(data), nil
}

func selfProcess() (Process, error) {
	return Process{Elevated: os.Geteuid() == 0}, nil
}

// candidates lists who may be the signed-in user: the user behind sudo,
// the owner of the console, and the environment's USER.
func candidates() []Account {
	var out []Account
	if name := os.Getenv("SUDO_USER"); name != "" {
		out = append(out, Account{Name: name, Source: FromSudo})
	}
	if fi, err := os.Stat("/dev/console"); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if u, err := user.LookupId(strconv.FormatUint(uint64(st.Uid), 10)); err == nil {
				out = append(out, Account{Name: u.Username, Source: FromConsole})
			}
		}
	}
	if name := os.Getenv("USER"); name != "" {
		out = append(out, Account{Name: name, Source: FromEnv})
	}
	return out
}
