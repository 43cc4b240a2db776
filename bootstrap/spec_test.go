package bootstrap

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
	"setup/internal/tags"
	"setup/manifests"
)

const influxManifest = `schema: 1
product: {id: demo, name: Demo}
services:
  influxdb:
    image: docker.io/library/influxdb
    version: "~2.7"
    ports: ["8086:8086"]
    volumes: ["data:/var/lib/influxdb2", "config:/etc/influxdb2"]
    environment:
      DOCKER_INFLUXDB_INIT_MODE: setup
      INFLUXD_LOG_LEVEL: info
    secrets:
      - DOCKER_INFLUXDB_INIT_PASSWORD
`

// influxRun returns a run of influxManifest, with logLevel as the
// ordinary environment value, in which the named volumes are new.
func influxRun(t *testing.T, logLevel string, fresh ...string) *run {
	t.Helper()
	text := strings.Replace(influxManifest, "INFLUXD_LOG_LEVEL: info",
		"INFLUXD_LOG_LEVEL: "+logLevel, 1)
	m, err := manifests.Load([]byte(text), "test.yaml")
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	r := &run{
		m: m,
		resolved: map[string]tags.Resolved{"influxdb": {
			Repository: "docker.io/library/influxdb",
			Tag:        "2.7.11",
			Digest:     "sha256:" + strings.Repeat("ab", 32),
		}},
		fresh: map[string]bool{},
	}
	for _, v := range fresh {
		r.fresh[v] = true
	}
	return r
}

var influxSecrets = map[string]string{"DOCKER_INFLUXDB_INIT_PASSWORD": "s3cretS3cretS3cretS3cretS3cret32"}

func TestSpecFirstRun(t *testing.T) {
	tests := []struct {
		name  string
		fresh []string
		// wantFirstRun is nil when the first-run variables are left out.
		wantFirstRun []string
		// wantErr is a phrase of the error; empty for none.
		wantErr string
	}{{
		name:  "influx-setup-rerun-config-exists all volumes new",
		fresh: []string{"data", "config"},
		wantFirstRun: []string{
			"DOCKER_INFLUXDB_INIT_MODE=setup",
			"DOCKER_INFLUXDB_INIT_PASSWORD=" + influxSecrets["DOCKER_INFLUXDB_INIT_PASSWORD"],
		},
	}, {
		name: "influx-setup-rerun-config-exists all volumes kept",
	}, {
		name:    "influx-setup-rerun-config-exists data new but config kept",
		fresh:   []string{"data"},
		wantErr: "inconsistent volumes",
	}, {
		name:    "influx-setup-rerun-config-exists config new but data kept",
		fresh:   []string{"config"},
		wantErr: "inconsistent volumes",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := influxRun(t, "info", tt.fresh...)
			s, err := r.spec("influxdb", influxSecrets)
			if tt.wantErr != "" {
				var p *problem.Error
				if !errors.As(err, &p) {
					t.Fatalf("spec() = %v, want a *problem.Error", err)
				}
				if !strings.Contains(p.Error(), tt.wantErr) {
					t.Errorf("spec() = %q, want it to say %q", p.Error(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("spec() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.wantFirstRun, s.firstRun); diff != "" {
				t.Errorf("spec().firstRun mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"INFLUXD_LOG_LEVEL=info"}, s.Env); diff != "" {
				t.Errorf("spec().Env mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpecConfigHash(t *testing.T) {
	hash := func(t *testing.T, logLevel string, fresh ...string) string {
		t.Helper()
		s, err := influxRun(t, logLevel, fresh...).spec("influxdb", influxSecrets)
		if err != nil {
			t.Fatalf("spec() = %v", err)
		}
		h := s.Labels[LabelConfigHash]
		if h == "" {
			t.Fatalf("spec().Labels[%s] is empty", LabelConfigHash)
		}
		return h
	}

	// An idle re-run, with the volumes kept, must not recreate the
	// container made on the first run.
	first := hash(t, "info", "data", "config")
	rerun := hash(t, "info")
	if first != rerun {
		t.Errorf("config hash with first-run variables = %s, without = %s, want equal", first, rerun)
	}

	if changed := hash(t, "debug"); changed == rerun {
		t.Errorf("config hash after changing INFLUXD_LOG_LEVEL = %s, want it to differ", changed)
	}
}
