//go:build windows

package desktop

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

var (
	netapi32                    = windows.NewLazySystemDLL("netapi32.dll")
	procNetLocalGroupAddMembers = netapi32.NewProc("NetLocalGroupAddMembers")

	wtsapi32                        = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSQuerySessionInformationW = wtsapi32.NewProc("WTSQuerySessionInformationW")
)

// native returns the real Windows system.
func native() (system, error) {
	home, _ := os.UserHomeDir()
	return system{
		goos: "windows",
		home: home,
		detect: func() (Installation, error) {
			return detectIn(registry.LOCAL_MACHINE, UninstallKey, os.Getenv("ProgramFiles"))
		},
		self:       selfProcess,
		candidates: candidates,
		join:       joinGroup,
	}, nil
}

// detectIn reads the Uninstall entry at root\path and looks for the
// program where it says and under programFiles.
func detectIn(root registry.Key, path, programFiles string) (Installation, error) {
	entry, err := readUninstall(root, path)
	if err != nil {
		return Installation{}, err
	}
	return WindowsInstallation(entry, programFiles, isFile), nil
}

// readUninstall returns the entry at root\path, or nil when there is none.
func readUninstall(root registry.Key, path string) (*UninstallEntry, error) {
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening the registry key %s: %w", path, err)
	}
	defer k.Close()

	var e UninstallEntry
	for name, dst := range map[string]*string{
		"DisplayVersion":  &e.DisplayVersion,
		"InstallLocation": &e.InstallLocation,
	} {
		v, _, err := k.GetStringValue(name)
		switch {
		case errors.Is(err, registry.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("reading %s of %s: %w", name, path, err)
		default:
			*dst = v
		}
	}
	return &e, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// selfProcess reads this process's token.
func selfProcess() (Process, error) {
	t := windows.GetCurrentProcessToken()
	u, err := t.GetTokenUser()
	if err != nil {
		return Process{}, fmt.Errorf("reading this process's account: %w", err)
	}
	return Process{Elevated: t.IsElevated(), Service: isServiceSID(u.User.Sid.String())}, nil
}

// candidates lists who may be the signed-in user: the console session's
// user, the owner of its explorer.exe, and the environment's USERNAME.
func candidates() []Account {
	var out []Account
	session := windows.WTSGetActiveConsoleSessionId()
	const noSession = 0xFFFFFFFF
	if session != noSession {
		if a, err := sessionUser(session); err == nil {
			out = append(out, a)
		}
	}
	if a, err := explorerOwner(session); err == nil {
		out = append(out, a)
	}
	if name := os.Getenv("USERNAME"); name != "" {
		if domain := os.Getenv("USERDOMAIN"); domain != "" {
			name = domain + `\` + name
		}
		out = append(out, withSID(Account{Name: name, Source: FromEnv}))
	}
	return out
}

// Information classes of WTSQuerySessionInformation.
const (
	wtsUserName   = 5
	wtsDomainName = 7
)

func sessionUser(session uint32) (Account, error) {
	user, err := sessionString(session, wtsUserName)
	if err != nil || user == "" {
		return Account{}, fmt.Errorf("reading the user of session %d: %w", session, err)
	}
	name := user
	if domain, err := sessionString(session, wtsDomainName); err == nil && domain != "" {
		name = domain + `\` + user
	}
	return withSID(Account{Name: name, Source: FromConsole}), nil
}

func sessionString(session uint32, class uintptr) (string, error) {
	if err := procWTSQuerySessionInformationW.Find(); err != nil {
		return "", err
	}
	var buf *uint16
	var size uint32
	r, _, err := procWTSQuerySessionInformationW.Call(
		0, // WTS_CURRENT_SERVER_HANDLE
		uintptr(session),
		class,
		uintptr(unsafe.Pointer(&buf)),
		uintptr(unsafe.Pointer(&size)),
	)
	if r == 0 {
		return "", err
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	return windows.UTF16PtrToString(buf), nil
}

// explorerOwner returns the owner of an explorer.exe in session, or in
// any session when session is 0xFFFFFFFF.
func explorerOwner(session uint32) (Account, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return Account{}, fmt.Errorf("listing processes: %w", err)
	}
	defer windows.CloseHandle(snap)

	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if !strings.EqualFold(windows.UTF16ToString(e.ExeFile[:]), "explorer.exe") {
			continue
		}
		var s uint32
		if windows.ProcessIdToSessionId(e.ProcessID, &s) != nil ||
			session != 0xFFFFFFFF && s != session {
			continue
		}
		if a, err := processOwner(e.ProcessID); err == nil {
			a.Source = FromExplorer
			return a, nil
		}
	}
	return Account{}, errors.New("no explorer.exe found")
}

func processOwner(pid uint32) (Account, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return Account{}, err
	}
	defer windows.CloseHandle(h)
	var t windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &t); err != nil {
		return Account{}, err
	}
	defer t.Close()
	u, err := t.GetTokenUser()
	if err != nil {
		return Account{}, err
	}
	account, domain, _, err := u.User.Sid.LookupAccount("")
	if err != nil {
		return Account{}, err
	}
	return Account{Name: domain + `\` + account, SID: u.User.Sid.String()}, nil
}

// withSID fills in a's SID when the name resolves.
func withSID(a Account) Account {
	if sid, _, _, err := windows.LookupSID("", a.Name); err == nil {
		a.SID = sid.String()
	}
	return a
}

// localGroupMembersInfo3 is LOCALGROUP_MEMBERS_INFO_3.
type localGroupMembersInfo3 struct {
	domainAndName *uint16
}

// joinGroup adds account to the local group with NetLocalGroupAddMembers.
func joinGroup(group, account string) (bool, error) {
	if err := procNetLocalGroupAddMembers.Find(); err != nil {
		return false, fmt.Errorf("finding NetLocalGroupAddMembers: %w", err)
	}
	g, err := windows.UTF16PtrFromString(group)
	if err != nil {
		return false, err
	}
	n, err := windows.UTF16PtrFromString(account)
	if err != nil {
		return false, err
	}
	info := localGroupMembersInfo3{domainAndName: n}
	status, _, _ := procNetLocalGroupAddMembers.Call(
		0, // the local computer
		uintptr(unsafe.Pointer(g)),
		3, // LOCALGROUP_MEMBERS_INFO_3
		uintptr(unsafe.Pointer(&info)),
		1,
	)
	return JoinResult(uint32(status), group, account)
}
