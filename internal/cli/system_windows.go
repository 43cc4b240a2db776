package cli

import "golang.org/x/sys/windows"

// isSystem reports whether setup runs with an elevated token.
func isSystem() bool { return windows.GetCurrentProcessToken().IsElevated() }
