//go:build !windows

package shortcut

// writeTargets writes a desktop entry to each target.
func writeTargets(targets []target) ([]string, error) {
	var paths []string
	for _, t := range targets {
		if err := writeIfChanged(t.path, t.l.Render()); err != nil {
			return paths, err
		}
		paths = append(paths, t.path)
	}
	return paths, nil
}
