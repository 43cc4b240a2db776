// Package e2e runs the built setup program end to end against the real
// Docker engine and an image registry served from memory on 127.0.0.1:
// install, an idle re-run, upgrades that succeed and that roll back, status,
// launch, and uninstall with and without --purge.
package e2e
