package checks

// facts are what the platform code reads off the machine.
type facts struct {
	memory   uint64
	memErr   error
	cpus     int
	diskPath string
	diskFree uint64
	diskErr  error
	// excluded are the TCP port ranges Windows keeps from programs.
	excluded []PortRange
	// platform holds the results of checks only this platform has.
	platform []Result
}
