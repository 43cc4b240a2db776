package desktop

import (
	"fmt"
	"strings"

	"setup/internal/problem"
)

// Account is a user account as the system names it.
type Account struct {
	// Name is DOMAIN\user on Windows, the short name on macOS.
	Name string
	// SID is the account's Windows security identifier, when known.
	SID string
	// Source says how the account was found, for messages.
	Source string
}

// Where candidates for the signed-in user come from, likeliest first.
const (
	FromConsole  = "the console session"
	FromExplorer = "the owner of explorer.exe"
	FromSudo     = "SUDO_USER"
	FromEnv      = "the environment"
)

// SignedInUser picks the person's account from candidates, likeliest
// first: on Windows the console session's user, then the owner of the
// desktop shell, then the user named by the environment; on macOS the
// user behind sudo, then the console's owner. An elevated setup may run as
// another administrator than the person signed in, or as SYSTEM, so the
// account that runs setup is not taken for granted. Service accounts
// (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, computer accounts, root and
// macOS daemons) are refused; the error lists every candidate and why.
func SignedInUser(goos string, candidates []Account) (Account, error) {
	var seen []string
	for _, a := range candidates {
		reason := refuse(goos, a)
		if reason == "" {
			return a, nil
		}
		name := a.Name
		if name == "" {
			name = "(none)"
		}
		seen = append(seen, fmt.Sprintf("%s: %s, %s", a.Source, name, reason))
	}
	p := &problem.Error{
		Code:     problem.Engine,
		What:     "setup cannot tell which account signs in to this computer to use Docker Desktop",
		Evidence: strings.Join(seen, "\n"),
	}
	if goos == "darwin" {
		p.Fix = "run setup with sudo from the account that will use Docker Desktop"
	} else {
		p.Fix = "run setup while signed in with the account that will use Docker Desktop, " +
			"or add it yourself as an administrator " +
			`('net localgroup docker-users DOMAIN\user /add') and sign out and in`
	}
	return Account{}, p
}

// serviceSIDs are the Windows accounts that run services, not people.
var serviceSIDs = map[string]string{
	"S-1-5-18": "the SYSTEM account",
	"S-1-5-19": "the LOCAL SERVICE account",
	"S-1-5-20": "the NETWORK SERVICE account",
}

// serviceSIDPrefixes mark families of virtual accounts: services, window
// managers, font drivers, IIS application pools, virtual machines.
var serviceSIDPrefixes = []string{"S-1-5-80-", "S-1-5-90-", "S-1-5-96-", "S-1-5-82-", "S-1-5-83-"}

// serviceNames are accounts, by name, that run services, not people.
var serviceNames = map[string]map[string]bool{
	"windows": {"system": true, "localsystem": true, "local service": true, "network service": true},
	"darwin":  {"root": true, "nobody": true, "daemon": true},
}

// serviceSID says which kind of service account sid is, or "".
func serviceSID(sid string) string {
	sid = strings.ToUpper(sid)
	if why, ok := serviceSIDs[sid]; ok {
		return why
	}
	for _, prefix := range serviceSIDPrefixes {
		if strings.HasPrefix(sid, prefix) {
			return "a virtual service account"
		}
	}
	return ""
}

func isServiceSID(sid string) bool { return serviceSID(sid) != "" }

// refuse says why a cannot be the person's account on goos, or "".
func refuse(goos string, a Account) string {
	if strings.TrimSpace(a.Name) == "" {
		return "no account"
	}
	if why := serviceSID(a.SID); why != "" {
		return why
	}
	user := a.Name
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	lower := strings.ToLower(user)
	if serviceNames[goos][lower] {
		return "a system account"
	}
	switch goos {
	case "windows":
		switch {
		case strings.HasSuffix(user, "$"):
			return "a computer account"
		case strings.HasPrefix(lower, "dwm-") || strings.HasPrefix(lower, "umfd-"):
			return "a virtual service account"
		}
	case "darwin":
		if strings.HasPrefix(user, "_") {
			return "a macOS service account"
		}
	}
	return ""
}

// Status codes of NetLocalGroupAddMembers.
const (
	statusAccessDenied  = 5    // ERROR_ACCESS_DENIED
	statusNoneMapped    = 1332 // ERROR_NONE_MAPPED
	statusMemberInAlias = 1378 // ERROR_MEMBER_IN_ALIAS
	statusNoSuchMember  = 1387 // ERROR_NO_SUCH_MEMBER
	statusInvalidMember = 1388 // ERROR_INVALID_MEMBER
	statusGroupNotFound = 2220 // NERR_GroupNotFound
)

// JoinResult reads the status of adding account to a local group: added
// is false when the account was a member already, which is no error.
func JoinResult(status uint32, group, account string) (added bool, err error) {
	switch status {
	case 0:
		return true, nil
	case statusMemberInAlias:
		return false, nil
	}
	p := &problem.Error{
		Code:     problem.Engine,
		What:     fmt.Sprintf("adding %s to the local group %s failed", account, group),
		Evidence: fmt.Sprintf("NetLocalGroupAddMembers returned %d", status),
		Fix: fmt.Sprintf("as an administrator, run 'net localgroup %s \"%s\" /add', then sign out and in",
			group, account),
	}
	switch status {
	case statusAccessDenied:
		p.What += ": it needs administrator rights"
		p.Fix = "run setup as an administrator"
	case statusGroupNotFound:
		p.What = fmt.Sprintf("the local group %s does not exist", group)
		p.Fix = "Docker Desktop's installation is incomplete: reinstall Docker Desktop, " +
			"then run setup again"
	case statusNoneMapped, statusNoSuchMember, statusInvalidMember:
		p.What += ": there is no such account"
	}
	return false, p
}
