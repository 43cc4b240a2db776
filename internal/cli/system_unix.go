//go:build !windows

package cli

import "os"

// isSystem reports whether setup runs as root.
func isSystem() bool { return os.Geteuid() == 0 }
