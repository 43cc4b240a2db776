//go:build !windows

package shortcut_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/shortcut"
)

func TestDefaultPlacesXDG(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"XDG_DATA_HOME": "/srv/data"}
	getenv := func(k string) string { return env[k] }
	for _, allUsers := range []bool{false, true} {
		got, err := shortcut.DefaultPlaces(getenv, home, allUsers)
		if err != nil {
			t.Fatalf("DefaultPlaces(allUsers %v) = %v", allUsers, err)
		}
		if diff := cmp.Diff(shortcut.XDGPlaces(getenv, home), got); diff != "" {
			t.Errorf("DefaultPlaces(allUsers %v) mismatch (-want +got):\n%s", allUsers, diff)
		}
	}
}
