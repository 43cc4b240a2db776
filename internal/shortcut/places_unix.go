//go:build !windows

package shortcut

// DefaultPlaces returns the places for a user with the given home folder:
// XDGPlaces. Launchers for all users are a Windows notion here, so
// allUsers changes nothing.
func DefaultPlaces(getenv func(string) string, home string, allUsers bool) (Places, error) {
	return XDGPlaces(getenv, home), nil
}
