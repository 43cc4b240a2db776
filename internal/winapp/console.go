package winapp

import (
	"bufio"
	"fmt"
	"io"
)

// PausePrompt is what PauseBeforeExit prints.
const PausePrompt = "Press Enter to close this window."

// ShouldPause decides, from what GetConsoleProcessList answered, whether
// the console window would close with the program: exactly one process on
// the console means Explorer opened it for this program alone (a
// double-click), so its output must stay readable. Two or more mean a
// shell shares it; an error means there is no console at all (pipes, CI).
func ShouldPause(consoleProcesses int, err error) bool {
	return err == nil && consoleProcesses == 1
}

// PauseBeforeExit prints PausePrompt on out and waits until a line, or
// the end of input, arrives on in.
func PauseBeforeExit(in io.Reader, out io.Writer) {
	fmt.Fprintln(out)
	fmt.Fprintln(out, PausePrompt)
	bufio.NewReader(in).ReadString('\n')
}

// KeepOpen pauses before exit when pause is true, and returns code
// unchanged either way, so that main can end with
//
//	os.Exit(winapp.KeepOpen(winapp.StartedByDoubleClick(), code, os.Stdin, os.Stderr))
func KeepOpen(pause bool, code int, in io.Reader, out io.Writer) int {
	if pause {
		PauseBeforeExit(in, out)
	}
	return code
}
