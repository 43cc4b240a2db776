package shortcut

// lnkDirEnv names the folder that the Windows tests, run under Wine, copy
// the shell links they wrote to, each with a JSON file of what it must
// hold. TestLnkinfo, run on Linux afterwards, reads them back with
// lnkinfo, a parser independent of Windows and Wine.
const lnkDirEnv = "SETUP_WINE_LNK_DIR"

// lnkExpect is what lnkinfo must find in a shell link: the JSON file
// beside it.
type lnkExpect struct {
	Target           string `json:"target"`
	Arguments        string `json:"arguments"`
	Description      string `json:"description"`
	WorkingDirectory string `json:"working_directory"`
}
