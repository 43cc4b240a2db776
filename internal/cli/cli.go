// Package cli is setup's command line: it turns arguments into options,
// calls into bootstrap, shows progress and results, and maps every outcome
// to one exit code.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"setup/bootstrap"
	"setup/checks"
	"setup/internal/problem"
	"setup/internal/progress"
	"setup/internal/winapp"
	"setup/manifests"
)

// Build describes this build of setup; the release build stamps it in.
type Build struct {
	Version string
	Commit  string
	Date    string
	// Manifest is the embedded default manifest.
	Manifest []byte
}

// Main runs setup with args and returns the exit code. Errors are printed
// here, once.
func Main(ctx context.Context, args []string, b Build, stdin io.Reader, stdout, stderr *os.File) problem.Code {
	a := &app{build: b, args: args, stdin: stdin, stdout: stdout, stderr: stderr}
	err := a.run(ctx, args)
	var relayed passedThrough
	if errors.As(err, &relayed) {
		return a.keepOpen(problem.Code(relayed))
	}
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = problem.New(problem.Cancelled, "cancelled", "run setup again to finish; it carries on where it stopped")
	}
	code := problem.ExitCode(err)
	if err != nil {
		text := problem.Format(err)
		if a.console != nil {
			text = a.console.fail(int(code), text)
		}
		fmt.Fprint(stderr, text)
	}
	if a.logFile != nil {
		if a.console != nil {
			a.console.logf("exit %d (%s)", code, code)
		}
		a.logFile.Close()
	}
	return a.keepOpen(code)
}

// keepOpen waits for Enter before a window that Explorer opened for a
// double-clicked setup.exe closes, so its last words can be read.
func (a *app) keepOpen(code problem.Code) problem.Code {
	return problem.Code(winapp.KeepOpen(winapp.StartedByDoubleClick(), int(code), a.stdin, a.stderr))
}

// passedThrough is the exit code of an elevated copy of setup, which
// has shown its own output.
type passedThrough int

func (p passedThrough) Error() string { return fmt.Sprintf("exit code %d", int(p)) }

// app holds one invocation's state.
type app struct {
	build   Build
	args    []string
	stdin   io.Reader
	stdout  *os.File
	stderr  *os.File
	console *console
	logFile *os.File
	set     *settings
}

func (a *app) run(ctx context.Context, args []string) error {
	var usageErr error
	onUsage := func(c *cli.Context, err error, isSub bool) error {
		usageErr = problem.Usagef("%s", twoDashes(err.Error()))
		return usageErr
	}
	cmd := func(name, usage string, action cli.ActionFunc, extra ...cli.Flag) *cli.Command {
		return &cli.Command{
			Name:         name,
			Usage:        usage,
			Flags:        append(commonFlags(), extra...),
			Action:       action,
			OnUsageError: onUsage,
		}
	}
	jsonFlag := func() cli.Flag { return &cli.BoolFlag{Name: "json", Usage: "print JSON"} }
	dryRun := func() cli.Flag {
		return &cli.BoolFlag{Name: "dry-run", Usage: "print what would be installed, pulled, created and written; change nothing"}
	}

	root := &cli.App{
		Name:  "setup",
		Usage: "install, upgrade and run the " + a.productName() + " container stack",
		Description: "Without a command, setup installs (or repairs) the stack. " +
			"Exit codes: 0 done, 1 failed, 2 bad usage or manifest, 3 prerequisites not met, " +
			"4 engine unavailable, 5 image resolve or pull failed, 6 service unhealthy, " +
			"7 registry rate limit, 1602 cancelled, 1618 another setup running, " +
			"1641 restart started, 3010 reboot required.",
		Flags: append(commonFlags(),
			&cli.BoolFlag{Name: "upgrade", Usage: "same as the upgrade command"}, dryRun(),
			&cli.BoolFlag{Name: "major", Usage: "with --upgrade, allow a new major version"}),
		HideVersion:    true,
		Writer:         a.stdout,
		ErrWriter:      a.stderr,
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsage,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return problem.Usagef("unknown command %q", c.Args().First())
			}
			if c.Bool("upgrade") {
				return a.install(c, true)
			}
			return a.install(c, false)
		},
		Commands: []*cli.Command{
			cmd("install", "install or repair the stack (the default)",
				func(c *cli.Context) error { return a.install(c, false) }, dryRun()),
			cmd("check", "check the prerequisites and change nothing", a.check, jsonFlag()),
			cmd("status", "show each service's version, state and health", a.status, jsonFlag()),
			cmd("upgrade", "move to the newest versions the manifest allows, keeping all data",
				func(c *cli.Context) error { return a.install(c, true) },
				&cli.BoolFlag{Name: "major", Usage: "allow a new major version"}, dryRun()),
			cmd("uninstall", "remove containers, network, shortcuts and state; keep the data volumes",
				a.uninstall, &cli.BoolFlag{Name: "purge", Usage: "also delete the data volumes"}),
			cmd("launch", "start the stack if needed and open a shortcut's page", a.launch),
			cmd("version", "print the version of setup and of its manifest", a.version, jsonFlag()),
		},
	}
	err := root.RunContext(ctx, args)
	if err != nil && usageErr != nil && !errors.Is(err, usageErr) {
		return usageErr
	}
	var p *problem.Error
	if err != nil && !errors.As(err, &p) && isUsage(err) {
		return problem.Usagef("%s", twoDashes(err.Error()))
	}
	return err
}

// singleDash finds a flag written with one dash, as Go's flag package
// writes them in its errors.
var singleDash = regexp.MustCompile(`(^|[\s:])-([a-z][a-z-]+)`)

// twoDashes writes flags in an error message the way setup's help does.
func twoDashes(msg string) string {
	return singleDash.ReplaceAllString(msg, "$1--$2")
}

// isUsage recognises the argument errors urfave/cli returns without
// calling OnUsageError.
func isUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "invalid value", "invalid boolean",
		"flag needs an argument", "Required flag", "No help topic"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// commonFlags are the flags every command takes. Each command gets its
// own instances, so that a flag is read where it was given. Each also has
// an environment variable (SETUP_ and its name) and a site configuration
// key, read in that order after the flag.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "manifest", Usage: "read the stack from `FILE` (default: the built-in one)"},
		&cli.BoolFlag{Name: "unattended", Usage: "never prompt; questions are answered by flags"},
		&cli.BoolFlag{Name: "verbose", Usage: "show each step and more detail"},
		&cli.BoolFlag{Name: "quiet", Usage: "show only errors"},
		&cli.StringFlag{Name: "log", Usage: "append JSON lines to `FILE`"},
		&cli.StringFlag{Name: "config", Usage: "read site settings from `FILE` (default: setup.yaml beside setup)"},
		&cli.BoolFlag{Name: "accept-license", Usage: "accept the Docker Desktop license without asking"},
		&cli.BoolFlag{Name: "all-users", Usage: "write shortcuts for all users"},
		&cli.BoolFlag{Name: "reboot", Usage: "restart Windows without asking when a restart is needed"},
		&cli.StringFlag{Name: "registry-mirror", Usage: "fetch Docker Hub images from `HOST` instead"},
		&cli.BoolFlag{Name: "resumed", Hidden: true, Usage: "this run was started after a restart"},
	}
}

// flagBool reads a boolean flag given on the command line only.
func flagBool(c *cli.Context, name string) bool {
	if x := setIn(c, name); x != nil {
		return x.Bool(name)
	}
	return false
}

// noArgs refuses leftover arguments, which urfave/cli leaves behind when a
// flag follows a positional argument.
func noArgs(c *cli.Context, want int, usage string) error {
	args := c.Args().Slice()
	for _, arg := range args {
		if strings.HasPrefix(arg, "-") && len(arg) > 1 {
			return problem.Usagef("%s: flag %s must come before the arguments (usage: setup %s)",
				c.Command.Name, arg, usage)
		}
	}
	if len(args) != want {
		if want == 0 {
			return problem.Usagef("%s takes no arguments, got %q", c.Command.Name, strings.Join(args, " "))
		}
		return problem.Usagef("usage: setup %s", usage)
	}
	return nil
}

// options builds the bootstrap options shared by every command.
// loadSettings reads the site configuration once for this invocation.
func (a *app) loadSettings(c *cli.Context) (*settings, error) {
	if a.set != nil {
		return a.set, nil
	}
	exe, _ := executable()
	set, err := loadSettings(c, os.Getenv, exe)
	if err != nil {
		return nil, err
	}
	a.set = set
	return set, nil
}

func (a *app) options(c *cli.Context) (bootstrap.Options, error) {
	set, err := a.loadSettings(c)
	if err != nil {
		return bootstrap.Options{}, err
	}
	var quiet, verbose, unattended bool
	for _, b := range []struct {
		name string
		v    *bool
	}{{"quiet", &quiet}, {"verbose", &verbose}, {"unattended", &unattended}} {
		if *b.v, err = set.Bool(b.name); err != nil {
			return bootstrap.Options{}, err
		}
	}
	if quiet && verbose {
		return bootstrap.Options{}, problem.Usagef("--quiet and --verbose exclude each other")
	}
	if path := set.String("log"); path != "" && a.logFile == nil {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return bootstrap.Options{}, problem.Wrap(problem.Usage, err, "opening the log", "check the path given to --log")
		}
		a.logFile = f
	}
	var log io.Writer
	if a.logFile != nil {
		log = a.logFile
	}
	terminal := isTerminal(a.stderr) && !unattended && os.Getenv("CI") == ""
	a.console = newConsole(a.stderr, log, terminal, quiet, verbose)
	a.console.logf("setup %s: %s", a.build.Version, strings.Join(a.args[1:], " "))

	m, err := a.manifest(c)
	if err != nil {
		return bootstrap.Options{}, err
	}
	host, err := a.host(unattended)
	if err != nil {
		return bootstrap.Options{}, err
	}
	opts := bootstrap.Options{
		Manifest:       m,
		Host:           host,
		Report:         a.console,
		RegistryMirror: set.String("registry-mirror"),
		Unattended:     unattended,
		Args:           absolutePaths(a.args[1:]),
	}
	for _, b := range []struct {
		name string
		v    *bool
	}{{"all-users", &opts.AllUsers}, {"accept-license", &opts.AcceptLicense}, {"reboot", &opts.Reboot}} {
		if *b.v, err = set.Bool(b.name); err != nil {
			return bootstrap.Options{}, err
		}
	}
	if flagBool(c, "resumed") {
		a.console.Printf("carrying on after the restart")
	}
	if x := setIn(c, "dry-run"); x != nil && x.Bool("dry-run") {
		opts.DryRun = true
		opts.Plan = a.console.plan(a.stdout)
	}
	return opts, nil
}

func (a *app) manifest(c *cli.Context) (*manifests.Manifest, error) {
	set, err := a.loadSettings(c)
	if err != nil {
		return nil, err
	}
	if path := set.String("manifest"); path != "" {
		return manifests.ReadFile(path)
	}
	return manifests.Load(a.build.Manifest, "built into setup")
}

// pathFlags are the flags whose value is a file path.
var pathFlags = map[string]bool{"--manifest": true, "--log": true, "--config": true}

// absolutePaths returns args with the paths of pathFlags made absolute, so
// that a copy of setup started elsewhere (elevated, or after a restart)
// finds the same files.
func absolutePaths(args []string) []string {
	out := append([]string(nil), args...)
	for i := 0; i < len(out); i++ {
		name, value, inline := strings.Cut(out[i], "=")
		if !pathFlags[name] {
			continue
		}
		if !inline {
			if i+1 >= len(out) {
				break
			}
			i++
			value = out[i]
		}
		abs, err := filepath.Abs(value)
		if err != nil || value == "" {
			continue
		}
		if inline {
			out[i] = name + "=" + abs
		} else {
			out[i] = abs
		}
	}
	return out
}

func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return exe, nil
}

// productName names the embedded product for the help text.
func (a *app) productName() string {
	m, err := manifests.Load(a.build.Manifest, "built into setup")
	if err != nil {
		return "product's"
	}
	return m.Product.Name
}

func (a *app) host(unattended bool) (bootstrap.Host, error) {
	home, _ := os.UserHomeDir()
	exe, _ := executable()
	h := bootstrap.Host{
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		Getenv:     os.Getenv,
		Home:       home,
		System:     isSystem(),
		Executable: exe,
		Open:       openURL,
	}
	h.Confirm = a.confirm(unattended)
	return h, nil
}

// confirm returns how questions are answered: yes when unattended, by the
// user at a terminal, and otherwise not at all.
func (a *app) confirm(unattended bool) func(string) (bool, error) {
	if unattended {
		return func(string) (bool, error) { return true, nil }
	}
	return func(question string) (bool, error) {
		if f, ok := a.stdin.(*os.File); !ok || !progress.IsTerminal(f) {
			return false, &problem.Error{
				Code:     problem.Usage,
				What:     "setup needs a yes to go on, and there is no terminal to ask",
				Evidence: "the question: " + question,
				Fix:      "pass --unattended to go on without asking",
			}
		}
		fmt.Fprintf(a.stderr, "%s [y/N] ", question)
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && line == "" {
			return false, nil
		}
		answer := strings.ToLower(strings.TrimSpace(line))
		return answer == "y" || answer == "yes", nil
	}
}

func (a *app) install(c *cli.Context, upgrade bool) error {
	if err := noArgs(c, 0, c.Command.Name); err != nil {
		return err
	}
	opts, err := a.options(c)
	if err != nil {
		return err
	}
	defer a.console.Close()
	if err := a.elevateIfNeeded(c, opts); err != nil {
		return err
	}
	if upgrade {
		opts.AllowMajor = flagBool(c, "major")
		err = bootstrap.Upgrade(c.Context, opts)
	} else {
		err = bootstrap.Install(c.Context, opts)
	}
	if err != nil {
		return err
	}
	if opts.DryRun {
		a.console.Close()
		fmt.Fprintln(a.stdout, "dry run: nothing was changed")
		return nil
	}
	if quiet, _ := a.set.Bool("quiet"); !quiet {
		a.console.Close()
		fmt.Fprintf(a.stdout, "%s is running.\n", opts.Manifest.Product.Name)
		for _, sc := range opts.Manifest.Shortcuts {
			fmt.Fprintf(a.stdout, "  %s: %s\n", sc.Name, sc.URL)
		}
	}
	return nil
}

// elevateIfNeeded, on Windows, runs setup again with administrator rights
// when this run needs rights it lacks, and returns the elevated copy's
// exit code as a passedThrough error.
func (a *app) elevateIfNeeded(c *cli.Context, opts bootstrap.Options) error {
	if !bootstrap.NeedsElevation(c.Context, opts) {
		return nil
	}
	a.console.Printf("asking Windows for administrator rights")
	code, err := winapp.Elevate(c.Context, opts.Args)
	if err != nil {
		return err
	}
	return passedThrough(code)
}

func (a *app) check(c *cli.Context) error {
	if err := noArgs(c, 0, "check"); err != nil {
		return err
	}
	opts, err := a.options(c)
	if err != nil {
		return err
	}
	results, err := bootstrap.Check(c.Context, opts)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintf(a.stdout, "[%-4s] %s: %s\n", r.Status, r.Name, r.Evidence)
			if r.Fix != "" {
				fmt.Fprintf(a.stdout, "       fix: %s\n", r.Fix)
			}
		}
	}
	// The results above already show what failed and how to fix it.
	var failed int
	for _, r := range results {
		if r.Status == checks.Fail {
			failed++
		}
	}
	if failed > 0 {
		return problem.New(problem.Prerequisites,
			fmt.Sprintf("%d prerequisite(s) not met", failed), "see the fixes above")
	}
	return nil
}

func (a *app) status(c *cli.Context) error {
	if err := noArgs(c, 0, "status"); err != nil {
		return err
	}
	opts, err := a.options(c)
	if err != nil {
		return err
	}
	rep, err := bootstrap.Status(c.Context, opts)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
	} else {
		if !rep.Installed {
			fmt.Fprintf(a.stdout, "%s is not installed.\n", rep.Name)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVICE\tVERSION\tCONTAINER\tSTATE\tHEALTH")
		for _, s := range rep.Services {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, orDash(s.Version), orDash(s.Container), s.State, s.Health)
		}
		tw.Flush()
	}
	switch {
	case !rep.Installed:
		return problem.New(problem.Failed, rep.Name+" is not installed", "run setup to install it")
	case !rep.Healthy:
		return problem.New(problem.Unhealthy, "a service of "+rep.Name+" is not healthy", "run setup to repair it")
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) uninstall(c *cli.Context) error {
	if err := noArgs(c, 0, "uninstall [--purge]"); err != nil {
		return err
	}
	opts, err := a.options(c)
	if err != nil {
		return err
	}
	defer a.console.Close()
	if err := a.elevateIfNeeded(c, opts); err != nil {
		return err
	}
	opts.Purge = c.Bool("purge")
	if err := bootstrap.Uninstall(c.Context, opts); err != nil {
		return err
	}
	if quiet, _ := a.set.Bool("quiet"); !quiet {
		fmt.Fprintf(a.stdout, "%s is uninstalled.\n", opts.Manifest.Product.Name)
	}
	return nil
}

func (a *app) launch(c *cli.Context) error {
	if err := noArgs(c, 1, "launch [flags] NAME"); err != nil {
		return err
	}
	opts, err := a.options(c)
	if err != nil {
		return err
	}
	defer a.console.Close()
	return bootstrap.Launch(c.Context, opts, c.Args().First())
}

func (a *app) version(c *cli.Context) error {
	if err := noArgs(c, 0, "version"); err != nil {
		return err
	}
	if _, err := a.loadSettings(c); err != nil {
		return err
	}
	m, err := a.manifest(c)
	if err != nil {
		return err
	}
	v := struct {
		Version         string `json:"version"`
		Commit          string `json:"commit"`
		Date            string `json:"date"`
		Product         string `json:"product"`
		ProductName     string `json:"product_name"`
		ProductVersion  string `json:"product_version"`
		ManifestDigest  string `json:"manifest_digest"`
		ManifestSource  string `json:"manifest_source"`
		OperatingSystem string `json:"os"`
	}{a.build.Version, a.build.Commit, a.build.Date, m.Product.ID, m.Product.Name,
		m.Product.Version, m.Digest, m.Source, runtime.GOOS + "/" + runtime.GOARCH}
	if c.Bool("json") {
		return writeJSON(a.stdout, v)
	}
	fmt.Fprintf(a.stdout, "setup %s (commit %s, built %s, %s)\n", v.Version, v.Commit, v.Date, v.OperatingSystem)
	fmt.Fprintf(a.stdout, "manifest: %s %s (%s), %s\n", v.ProductName, orDash(v.ProductVersion), v.Product, v.ManifestDigest)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// openURL shows url in the user's browser: $BROWSER when set, otherwise
// the platform's opener.
func openURL(ctx context.Context, url string) error {
	var cmd *exec.Cmd
	switch browser := os.Getenv("BROWSER"); {
	case browser != "":
		cmd = exec.CommandContext(ctx, browser, url)
	case runtime.GOOS == "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	case runtime.GOOS == "darwin":
		cmd = exec.CommandContext(ctx, "open", url)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", url)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return &problem.Error{Code: problem.Failed, What: "opening " + url, Err: err,
			Evidence: string(out), Fix: "open " + url + " in your browser"}
	}
	return nil
}
