package manifests_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"setup/internal/problem"
	"setup/manifests"
)

func TestReadFileEmbedded(t *testing.T) {
	m, err := manifests.ReadFile("../embed/manifest.yaml")
	if err != nil {
		t.Fatalf("ReadFile(embedded manifest) = %v, want nil", err)
	}
	if got, want := m.Product.ID, "sensorsuite"; got != want {
		t.Errorf("Product.ID = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"influxdb", "grafana"}, m.StartOrder()); diff != "" {
		t.Errorf("StartOrder() mismatch (-want +got):\n%s", diff)
	}
	if got, want := m.Requires.Memory, manifests.Size(4<<30); got != want {
		t.Errorf("Requires.Memory = %v, want %v", got, want)
	}
	influx := m.Services["influxdb"]
	if got, want := influx.HealthTimeout(), 90*time.Second; got != want {
		t.Errorf("influxdb HealthTimeout() = %v, want %v", got, want)
	}
	wantVolumes := []string{"config", "data", "grafana"}
	if diff := cmp.Diff(wantVolumes, m.VolumeNames()); diff != "" {
		t.Errorf("VolumeNames() mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(m.Digest, "sha256:") || len(m.Digest) != len("sha256:")+64 {
		t.Errorf("Digest = %q, want sha256: and 64 hex digits", m.Digest)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := manifests.ReadFile(t.TempDir() + "/absent.yaml")
	if got, want := problem.ExitCode(err), problem.Usage; got != want {
		t.Errorf("ReadFile(absent) exit code = %v, want %v (err %v)", got, want, err)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// prefix starts the one evidence line: the line and field path.
		prefix string
		// says is a phrase the evidence must hold.
		says string
	}{{
		name: "unknown key",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    imag: example.com/demo/app
    version: "^1"
`,
		prefix: "line 7: services.app.imag: ",
		says:   "imag is not a key of Service; did you mean image?",
	}, {
		name: "unknown key far from any",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
  colour: red
services:
  app: {image: example.com/demo/app, version: "^1"}
`,
		prefix: "line 5: product.colour: ",
		says:   "colour is not a key of Product",
	}, {
		name: "wrong type",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "^1"
    ports: "8080:80"
`,
		prefix: "line 9: services.app.ports: ",
		says:   "wrong type",
	}, {
		name: "wrong type as the first key of a block mapping",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    ports:
      host: 8080
    image: example.com/demo/app
    version: "^1"
`,
		prefix: "line 8: services.app.ports: ",
		says:   "wrong type",
	}, {
		name: "bad size",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
requires:
  memory: lots
services:
  app:
    image: example.com/demo/app
    version: "^1"
`,
		prefix: "line 6: requires.memory: ",
		says:   `"lots" is not a size`,
	}, {
		name: "bad constraint",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: ">>1"
`,
		prefix: "line 8: services.app.version: ",
		says:   `">>1"`,
	}, {
		name: "build metadata pin",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "2.7.11+b"
`,
		prefix: "line 8: services.app.version: ",
		says:   "build metadata",
	}, {
		name: "depends_on cycle",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  a:
    image: example.com/demo/a
    version: "^1"
    depends_on: [b]
  b:
    image: example.com/demo/b
    version: "^1"
    depends_on: [a]
`,
		prefix: "line 13: services.b.depends_on: ",
		says:   "dependency cycle: a -> b -> a",
	}, {
		name: "depends_on unknown service",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "^1"
    depends_on:
      - db
`,
		prefix: "line 10: services.app.depends_on.0: ",
		says:   `"db" is not a service`,
	}, {
		name: "host port published twice",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  a:
    image: example.com/demo/a
    version: "^1"
    ports: ["8080:80"]
  b:
    image: example.com/demo/b
    version: "^1"
    ports: ["9090:90", "8080:3000"]
`,
		prefix: "line 13: services.b.ports.1: ",
		says:   "host port 8080/tcp is already published by a",
	}, {
		name: "volume not declared",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
volumes:
  data: {}
services:
  app:
    image: example.com/demo/app
    version: "^1"
    volumes:
      - data:/data
      - logs:/logs
`,
		prefix: "line 13: services.app.volumes.1: ",
		says:   `volume "logs" is not declared`,
	}, {
		name: "host path volume",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "^1"
    volumes: ["/srv:/data"]
`,
		prefix: "line 9: services.app.volumes.0: ",
		says:   "host path",
	}, {
		name: "bad product id",
		yaml: `schema: 1
product:
  id: Demo_Suite
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "^1"
`,
		prefix: "line 3: product.id: ",
		says:   `"Demo_Suite"`,
	}, {
		name: "schema 2",
		yaml: `# a later format
schema: 2
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: "^1"
`,
		prefix: "line 2: schema: ",
		says:   "must be 1, got 2",
	}, {
		name: "duplicate key",
		yaml: `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    image: example.com/demo/other
    version: "^1"
`,
		prefix: "line 8: services.app.image: ",
		says:   `mapping key "image" already defined at line 7`,
	}, {
		name:   "empty file",
		yaml:   "",
		prefix: "",
		says:   "the manifest is empty",
	}, {
		name:   "comments only",
		yaml:   "# nothing here yet\n",
		prefix: "",
		says:   "the manifest is empty",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifests.Load([]byte(tt.yaml), "test.yaml")
			if m != nil {
				t.Errorf("Load() = %+v, want nil", m)
			}
			var p *problem.Error
			if !errors.As(err, &p) {
				t.Fatalf("Load() = %v, want a *problem.Error", err)
			}
			if got, want := p.Code, problem.Usage; got != want {
				t.Errorf("Load() code = %v, want %v", got, want)
			}
			lines := strings.Split(p.Evidence, "\n")
			if len(lines) != 1 {
				t.Fatalf("Load() evidence = %q, want one line", p.Evidence)
			}
			if !strings.HasPrefix(lines[0], tt.prefix) {
				t.Errorf("Load() evidence = %q, want prefix %q", lines[0], tt.prefix)
			}
			if !strings.Contains(lines[0], tt.says) {
				t.Errorf("Load() evidence = %q, want it to say %q", lines[0], tt.says)
			}
			if !strings.Contains(p.What, "test.yaml") {
				t.Errorf("Load() what = %q, want the source named", p.What)
			}
		})
	}
}

func TestLoadListsEveryProblem(t *testing.T) {
	const yaml = `schema: 1
product:
  id: demo
  name: Demo
services:
  app:
    image: example.com/demo/app
    version: ">>1"
    volumes: ["/srv:/data"]
    environment:
      1BAD: x
`
	_, err := manifests.Load([]byte(yaml), "test.yaml")
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("Load() = %v, want a *problem.Error", err)
	}
	var got []string
	for _, line := range strings.Split(p.Evidence, "\n") {
		field, _, _ := strings.Cut(line, ": ")
		rest := strings.TrimPrefix(line, field+": ")
		path, _, _ := strings.Cut(rest, ": ")
		got = append(got, field+": "+path)
	}
	want := []string{
		"line 8: services.app.version",
		"line 9: services.app.volumes.0",
		"line 11: services.app.environment.1BAD",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load() evidence fields mismatch (-want +got):\n%s", diff)
	}
}

func TestStartOrder(t *testing.T) {
	tests := []struct {
		name     string
		services string
		want     []string
	}{{
		name: "alphabetical without dependencies",
		services: `
  web: {image: example.com/web, version: "^1"}
  api: {image: example.com/api, version: "^1"}
  cache: {image: example.com/cache, version: "^1"}
`,
		want: []string{"api", "cache", "web"},
	}, {
		name: "dependencies first",
		services: `
  api: {image: example.com/api, version: "^1", depends_on: [db]}
  db: {image: example.com/db, version: "^1"}
  web: {image: example.com/web, version: "^1", depends_on: [api, cache]}
  cache: {image: example.com/cache, version: "^1"}
`,
		want: []string{"db", "api", "cache", "web"},
	}, {
		name: "a dependency later in the alphabet",
		services: `
  alpha: {image: example.com/alpha, version: "^1", depends_on: [zulu]}
  mike: {image: example.com/mike, version: "^1"}
  zulu: {image: example.com/zulu, version: "^1", depends_on: [mike]}
`,
		want: []string{"mike", "zulu", "alpha"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "schema: 1\nproduct: {id: demo, name: Demo}\nservices:" + tt.services
			m, err := manifests.Load([]byte(yaml), "test.yaml")
			if err != nil {
				t.Fatalf("Load() = %v", err)
			}
			if diff := cmp.Diff(tt.want, m.StartOrder()); diff != "" {
				t.Errorf("StartOrder() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		in      string
		want    manifests.Port
		wantErr bool
	}{
		{in: "8080:80", want: manifests.Port{Host: 8080, Guest: 80, Protocol: "tcp"}},
		{in: "127.0.0.1:8080:80", want: manifests.Port{HostIP: "127.0.0.1", Host: 8080, Guest: 80, Protocol: "tcp"}},
		{in: "53:53/udp", want: manifests.Port{Host: 53, Guest: 53, Protocol: "udp"}},
		{in: "3000:3000/tcp", want: manifests.Port{Host: 3000, Guest: 3000, Protocol: "tcp"}},
		{in: "8080:80/sctp", wantErr: true},
		{in: "80", wantErr: true},
		{in: "0:80", wantErr: true},
		{in: "65536:80", wantErr: true},
		{in: "http:80", wantErr: true},
		{in: "1.2.3.4:5:6:7", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := manifests.ParsePort(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePort(%q) error = %v, want error %t", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePort(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got, want := got.String(), strings.TrimSuffix(tt.in, "/tcp"); got != want {
				t.Errorf("ParsePort(%q).String() = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func TestParseMount(t *testing.T) {
	tests := []struct {
		in      string
		want    manifests.Mount
		wantErr string
	}{
		{in: "data:/var/lib/influxdb2", want: manifests.Mount{Volume: "data", Path: "/var/lib/influxdb2"}},
		{in: "config:/etc/app:ro", want: manifests.Mount{Volume: "config", Path: "/etc/app", ReadOnly: true}},
		{in: "/srv:/data", wantErr: "host path"},
		{in: "./data:/data", wantErr: "host path"},
		{in: "data:relative", wantErr: "must be absolute"},
		{in: "data", wantErr: "is not VOLUME:/path"},
		{in: "data:/x:rw", wantErr: "is not VOLUME:/path"},
		{in: `C:\data:/data`, wantErr: "is not VOLUME:/path"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := manifests.ParseMount(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMount(%q) = %v, want error saying %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMount(%q) = %v, want nil", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMount(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    manifests.Size
		wantErr bool
	}{
		{in: "4GiB", want: 4 << 30},
		{in: "512MiB", want: 512 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "10GB", want: 10e9},
		{in: "4KB", want: 4000},
		{in: "2G", want: 2 << 30},
		{in: " 4 GiB ", want: 4 << 30},
		{in: "100", want: 100},
		{in: "100B", want: 100},
		{in: "-1GiB", wantErr: true},
		{in: "lots", wantErr: true},
		{in: "4gib", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := manifests.ParseSize(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseSize(%q) error = %v, want error %t", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	tests := []struct {
		in   manifests.Size
		want string
	}{
		{in: 4 << 30, want: "4GiB"},
		{in: 3 << 29, want: "1.5GiB"},
		{in: 512 << 20, want: "512MiB"},
		{in: 100, want: "100B"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}
