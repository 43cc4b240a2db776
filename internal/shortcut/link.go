package shortcut

import (
	"fmt"
	"strings"

	"setup/internal/winapp"
)

// Link is what a Windows shell link (.lnk) holds for a launcher.
type Link struct {
	// Target is the program the link runs.
	Target string
	// Arguments is the rest of the command line, quoted for Windows.
	Arguments string
	// Description is the tooltip.
	Description string
	// WorkingDirectory is the folder the program starts in.
	WorkingDirectory string
	// IconPath and IconIndex name the icon: the program's own, first one.
	IconPath  string
	IconIndex int
}

// Link returns the shell link for l: l.Exec's program as the target, the
// rest of it as arguments quoted per the Windows command-line rules, the
// program's folder as working directory and its first icon.
func (l Launcher) Link() Link {
	if len(l.Exec) == 0 {
		return Link{Description: l.Comment}
	}
	args := make([]string, len(l.Exec)-1)
	for i, a := range l.Exec[1:] {
		args[i] = winapp.QuoteArg(a)
	}
	return Link{
		Target:           l.Exec[0],
		Arguments:        strings.Join(args, " "),
		Description:      l.Comment,
		WorkingDirectory: winapp.DirOf(l.Exec[0]),
		IconPath:         l.Exec[0],
	}
}

// Equal reports whether two links run the same: paths compare without
// regard to case, as Windows does.
func (k Link) Equal(o Link) bool {
	return strings.EqualFold(k.Target, o.Target) &&
		k.Arguments == o.Arguments &&
		k.Description == o.Description &&
		strings.EqualFold(k.WorkingDirectory, o.WorkingDirectory) &&
		strings.EqualFold(k.IconPath, o.IconPath) &&
		k.IconIndex == o.IconIndex
}

// LinkName returns the shell link's file name for l: the name the user
// sees, which is what Explorer and the Start Menu show, made safe for
// Windows.
func (l Launcher) LinkName() string {
	return winapp.SafeName(l.Name) + ".lnk"
}

// Folder is a Windows known folder that launchers go to.
type Folder int

// The known folders, named after their FOLDERID.
const (
	// FolderDesktop is the user's Desktop, wherever it was moved: into
	// OneDrive by its folder backup, or elsewhere by the folder's
	// properties.
	FolderDesktop Folder = iota
	// FolderPrograms is the user's Start Menu\Programs.
	FolderPrograms
	// FolderPublicDesktop is the Desktop every user sees.
	FolderPublicDesktop
	// FolderCommonPrograms is Start Menu\Programs for every user.
	FolderCommonPrograms
)

// WindowsPlaces returns the Windows places as the known-folder lookup
// resolves them: the user's Desktop and Start Menu, or those of every user
// when allUsers. A Desktop is never derived from USERPROFILE: a redirected
// one lives elsewhere and the old folder may not exist.
func WindowsPlaces(knownFolder func(Folder) (string, error), allUsers bool) (Places, error) {
	desktop, programs := FolderDesktop, FolderPrograms
	if allUsers {
		desktop, programs = FolderPublicDesktop, FolderCommonPrograms
	}
	d, err := knownFolder(desktop)
	if err != nil {
		return Places{}, fmt.Errorf("finding the Desktop folder: %w", err)
	}
	p, err := knownFolder(programs)
	if err != nil {
		return Places{}, fmt.Errorf("finding the Start Menu folder: %w", err)
	}
	return Places{Desktop: d, StartMenu: p}, nil
}
