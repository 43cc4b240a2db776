package checks

// facts are what the platform code reads off the machine.
type facts struct {
	memory   uint64
	memErr   error
	cpus     int
	diskPath string
	diskFree uint64
	diskErr  error
	// platform holds the results of checks only this platform has.
	platform []Result
}
