// Command winres writes the resource definition that go-winres turns into
// the .syso files of the Windows builds: the application manifest (run as
// the invoking user, long-path aware, Windows 10 and later), the icon, and
// the version information shown in the file's Details tab. The product's
// name, publisher and version come from the manifest built into setup; the
// file version is the release version of setup itself.
//
// The release build runs it from the repository root before go-winres:
//
//	go run ./internal/winres -version 1.4.0 -out .cache/winres
//	go-winres make --in .cache/winres/winres.json --arch amd64,arm64
//
// It writes winres.json and a copy of the icon into the -out folder, and
// exits 1 with a message on stderr when the manifest or the icon is not
// usable.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.manifest, "manifest", "embed/manifest.yaml",
		"read product name, publisher and version from `FILE`")
	flag.StringVar(&cfg.icon, "icon", "embed/icon.png",
		"use `FILE` (a square PNG of at least 256 pixels, or an ICO) as the icon")
	flag.StringVar(&cfg.version, "version", "",
		"release `VERSION` of setup (semver; a leading v is accepted)")
	flag.StringVar(&cfg.out, "out", ".cache/winres",
		"write winres.json and the icon into `DIR`")
	flag.Parse()

	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}
