package winapp

import (
	"fmt"
	"slices"
	"unicode/utf16"
)

// ResumedFlag is added to the command that runs after the next sign-in,
// so that setup knows it is continuing an installation.
const ResumedFlag = "--resumed"

// runOnceKey is the key, below HKLM or HKCU, whose values Windows runs
// once at the next sign-in and then deletes.
const runOnceKey = `Software\Microsoft\Windows\CurrentVersion\RunOnce`

// maxRunOnce is the longest command line a RunOnce value may hold; Windows
// does not run longer ones.
const maxRunOnce = 260

// ResumeName returns the name of the product's RunOnce value.
func ResumeName(productID string) string {
	return productID + "-setup-resume"
}

// ResumeCommand returns the RunOnce value that runs exe again with args
// after the next sign-in: its name and its command line. ResumedFlag goes
// first, where a flag of the top-level command is read, unless args hold
// it already.
func ResumeCommand(productID, exe string, args []string) (name, command string, err error) {
	if productID == "" {
		return "", "", fmt.Errorf("naming the resume command: empty product id")
	}
	if !slices.Contains(args, ResumedFlag) {
		args = append([]string{ResumedFlag}, args...)
	}
	command = CommandLine(exe, args)
	if n := len(utf16.Encode([]rune(command))); n > maxRunOnce {
		return "", "", fmt.Errorf("registering the resume command: %d characters, "+
			"more than the %d Windows runs", n, maxRunOnce)
	}
	return ResumeName(productID), command, nil
}
