package shortcut

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// DefaultPlaces returns the places of WindowsPlaces, resolved by
// SHGetKnownFolderPath. getenv and home are not read: Windows says where
// its folders are.
func DefaultPlaces(getenv func(string) string, home string, allUsers bool) (Places, error) {
	return WindowsPlaces(knownFolderPath, allUsers)
}

// knownFolderPath asks Windows where f is.
func knownFolderPath(f Folder) (string, error) {
	ids := map[Folder]*windows.KNOWNFOLDERID{
		FolderDesktop:        windows.FOLDERID_Desktop,
		FolderPrograms:       windows.FOLDERID_Programs,
		FolderPublicDesktop:  windows.FOLDERID_PublicDesktop,
		FolderCommonPrograms: windows.FOLDERID_CommonPrograms,
	}
	id, ok := ids[f]
	if !ok {
		return "", fmt.Errorf("unknown folder %d", f)
	}
	return windows.KnownFolderPath(id, windows.KF_FLAG_DEFAULT)
}
