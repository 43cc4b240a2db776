package winapp_test

import (
	"strings"
	"testing"

	"setup/internal/winapp"
)

func TestQuoteArg(t *testing.T) {
	tests := []struct {
		name string
		arg  string
		want string
	}{
		{name: "plain", arg: "launch", want: "launch"},
		{name: "flag", arg: "--manifest", want: "--manifest"},
		{name: "empty", arg: "", want: `""`},
		{name: "space", arg: "Sensor Suite", want: `"Sensor Suite"`},
		{name: "tab", arg: "a\tb", want: "\"a\tb\""},
		{name: "path without spaces", arg: `C:\ProgramData\x\m.yaml`, want: `C:\ProgramData\x\m.yaml`},
		{name: "path with spaces", arg: `C:\Program Files\x\m.yaml`, want: `"C:\Program Files\x\m.yaml"`},
		{name: "folder with spaces", arg: `C:\Program Files\x\`, want: `"C:\Program Files\x\\"`},
		{name: "folder without spaces", arg: `C:\x\`, want: `C:\x\`},
		{name: "quote", arg: `say "hi"`, want: `"say \"hi\""`},
		{name: "quote unquoted", arg: `a"b`, want: `a\"b`},
		{name: "backslashes before quote", arg: `a\\"b`, want: `a\\\\\"b`},
		{name: "unicode", arg: "Überwachung Süd ✓", want: `"Überwachung Süd ✓"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := winapp.QuoteArg(tt.arg)
			if got != tt.want {
				t.Errorf("QuoteArg(%q) = %q, want %q", tt.arg, got, tt.want)
			}
			if back := splitCommandLine(got); len(back) != 1 || back[0] != tt.arg {
				t.Errorf("QuoteArg(%q) = %q, read back as %q", tt.arg, got, back)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	exe := `C:\Program Files\Acme\Sensor Suite\setup.exe`
	args := []string{"launch", "--manifest",
		`C:\ProgramData\Sensor Suite\manifest.yaml`, "Überwachung Süd ✓"}
	got := winapp.CommandLine(exe, args)
	want := `"C:\Program Files\Acme\Sensor Suite\setup.exe" launch --manifest ` +
		`"C:\ProgramData\Sensor Suite\manifest.yaml" "Überwachung Süd ✓"`
	if got != want {
		t.Errorf("CommandLine() = %q, want %q", got, want)
	}
	back := splitCommandLine(strings.TrimPrefix(got, `"`+exe+`" `))
	if strings.Join(back, "\x00") != strings.Join(args, "\x00") {
		t.Errorf("CommandLine() arguments read back as %q, want %q", back, args)
	}
}

// splitCommandLine reads arguments the way CommandLineToArgvW reads those
// after the program name: 2n backslashes before a quote give n and the
// quote opens or closes; 2n+1 give n and a literal quote; other
// backslashes are literal. The Windows tests check QuoteArg against the
// real function.
func splitCommandLine(s string) []string {
	var args []string
	var cur strings.Builder
	inQuotes, inArg := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					inQuotes = !inQuotes
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			inArg = true
		case c == '"':
			inQuotes = !inQuotes
			inArg = true
		case (c == ' ' || c == '\t') && !inQuotes:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

func TestSafeName(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{name: "Grafana", want: "Grafana"},
		{name: "Überwachung Süd ✓", want: "Überwachung Süd ✓"},
		{name: `Reports: "daily" a/b\c|d?e*f<g>`, want: "Reports- -daily- a-b-c-d-e-f-g-"},
		{name: "  trailing dots... ", want: "trailing dots"},
		{name: "tab\there", want: "tab-here"},
		{name: "CON", want: "CON_"},
		{name: "nul.txt", want: "nul.txt_"},
		{name: "Console", want: "Console"},
		{name: "...", want: "_"},
		{name: "", want: "_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := winapp.SafeName(tt.name); got != tt.want {
				t.Errorf("SafeName(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestJoinPath(t *testing.T) {
	tests := []struct {
		elem []string
		want string
	}{
		{elem: []string{`C:\Program Files`, "Acme", "setup.exe"},
			want: `C:\Program Files\Acme\setup.exe`},
		{elem: []string{`C:\`, "x"}, want: `C:\x`},
		{elem: []string{`C:\Users\u\OneDrive - Org\Desktop\`, `App.lnk`},
			want: `C:\Users\u\OneDrive - Org\Desktop\App.lnk`},
		{elem: []string{`\\server\share`, "x"}, want: `\\server\share\x`},
	}
	for _, tt := range tests {
		if got := winapp.JoinPath(tt.elem...); got != tt.want {
			t.Errorf("JoinPath(%q) = %q, want %q", tt.elem, got, tt.want)
		}
	}
}

func TestDirOf(t *testing.T) {
	tests := []struct{ path, want string }{
		{path: `C:\Program Files\Acme\setup.exe`, want: `C:\Program Files\Acme`},
		{path: `C:\setup.exe`, want: `C:\`},
		{path: `setup.exe`, want: ``},
		{path: `C:/tools/setup.exe`, want: `C:/tools`},
	}
	for _, tt := range tests {
		if got := winapp.DirOf(tt.path); got != tt.want {
			t.Errorf("DirOf(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
