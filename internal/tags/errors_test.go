package tags

import (
	"strings"
	"testing"
)

func TestProxyNote(t *testing.T) {
	tests := []struct {
		name string
		host string
		env  map[string]string
		want []string
	}{
		{"direct", "registry-1.docker.io", nil, []string{"directly", "no HTTPS_PROXY"}},
		{"https proxy", "registry-1.docker.io",
			map[string]string{"HTTPS_PROXY": "http://user:secret@proxy.example:3128"},
			[]string{"proxy.example:3128", "its own HTTPS_PROXY", "user:xxxxx"}},
		{"lower case", "ghcr.io", map[string]string{"https_proxy": "http://p.example:8080"},
			[]string{"p.example:8080"}},
		{"no proxy", "ghcr.io",
			map[string]string{"HTTPS_PROXY": "http://p.example:8080", "NO_PROXY": "ghcr.io"},
			[]string{"directly"}},
		{"loopback over http", "127.0.0.1:5000", map[string]string{"HTTP_PROXY": "http://p.example:8080"},
			[]string{"directly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProxyNote(tt.host, func(k string) string { return tt.env[k] })
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("ProxyNote(%q) = %q, want it to contain %q", tt.host, got, want)
				}
			}
			if strings.Contains(got, "secret") {
				t.Errorf("ProxyNote(%q) = %q shows the proxy password", tt.host, got)
			}
		})
	}
}
