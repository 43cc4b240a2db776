package checks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"setup/internal/problem"
)

// problemCode is the code of the *problem.Error in err's chain, zero when
// there is none.
func problemCode(err error) problem.Code {
	var p *problem.Error
	if errors.As(err, &p) {
		return p.Code
	}
	return 0
}

func TestInitResult(t *testing.T) {
	tests := []struct {
		name         string
		hr           hresult
		wantShutdown bool
		wantCode     problem.Code
		wantIs       error
		// says is a phrase the error must hold.
		says string
	}{
		{name: "initialized", hr: 0, wantShutdown: true},
		{name: "initialized already", hr: hrAlreadyInitialized},
		{name: "not elevated", hr: hrElevationRequired, wantCode: problem.Prerequisites,
			says: "reading Windows features needs administrator rights"},
		{name: "access denied", hr: hrAccessDenied, wantCode: problem.Prerequisites,
			says: "administrator"},
		{name: "a stub", hr: hrNotImplemented, wantIs: ErrNotSupported, says: "not supported"},
		{name: "another failure", hr: 0x80004005, says: "0x80004005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shutdown, err := initResult("reading Windows features", tt.hr)
			if shutdown != tt.wantShutdown {
				t.Errorf("initResult(%v) shutdown = %t, want %t", tt.hr, shutdown, tt.wantShutdown)
			}
			if (err != nil) != (tt.says != "") {
				t.Fatalf("initResult(%v) = %v, want an error saying %q", tt.hr, err, tt.says)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("initResult(%v) = %q, want it to say %q", tt.hr, err, tt.says)
			}
			if got := problemCode(err); got != tt.wantCode {
				t.Errorf("initResult(%v) code = %d, want %d", tt.hr, got, tt.wantCode)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("initResult(%v) = %v, want it to be %v", tt.hr, err, tt.wantIs)
			}
		})
	}
}

func TestEnableResult(t *testing.T) {
	tests := []struct {
		name       string
		hr         hresult
		wantReboot bool
		wantCode   problem.Code
		wantIs     error
		// says is a phrase the error must hold, fix one its fix must.
		says, fix string
	}{
		{name: "enabled", hr: 0},
		{name: "enabled, other success code", hr: 1},
		{name: "reboot required", hr: 3010, wantReboot: true},
		{name: "reboot required, as an HRESULT", hr: 0x80070BC2, wantReboot: true},
		{name: "not elevated", hr: 0x800702E4, wantCode: problem.Prerequisites,
			says: "needs administrator rights", fix: "Run as administrator"},
		{name: "access denied", hr: 0x80070005, wantCode: problem.Prerequisites,
			says: "needs administrator rights", fix: "Run as administrator"},
		{name: "no such feature", hr: 0x800F080C, wantCode: problem.Prerequisites,
			says: "no feature named " + FeatureVMP, fix: "update"},
		{name: "files missing", hr: 0x800F081F, wantCode: problem.Prerequisites,
			says: "could not find the files of the feature " + FeatureVMP, fix: "internet"},
		{name: "cancelled", hr: 0x800704C7, wantIs: context.Canceled, says: FeatureVMP},
		{name: "another failure", hr: 0x80004005,
			says: "enabling " + FeatureVMP + ": HRESULT 0x80004005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reboot, err := enableResult(FeatureVMP, tt.hr)
			if reboot != tt.wantReboot {
				t.Errorf("enableResult(%v) reboot = %t, want %t", tt.hr, reboot, tt.wantReboot)
			}
			if (err != nil) != (tt.says != "") {
				t.Fatalf("enableResult(%v) = %v, want an error saying %q", tt.hr, err, tt.says)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("enableResult(%v) = %q, want it to say %q", tt.hr, err, tt.says)
			}
			if got := problemCode(err); got != tt.wantCode {
				t.Errorf("enableResult(%v) code = %d, want %d", tt.hr, got, tt.wantCode)
			}
			var p *problem.Error
			if errors.As(err, &p) && !strings.Contains(p.Fix, tt.fix) {
				t.Errorf("enableResult(%v) fix = %q, want it to say %q", tt.hr, p.Fix, tt.fix)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("enableResult(%v) = %v, want it to be %v", tt.hr, err, tt.wantIs)
			}
		})
	}
}
