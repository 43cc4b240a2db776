package checks

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"setup/manifests"
)

// bindErr is the error net.Listen returns when bind fails with errno.
func bindErr(errno syscall.Errno) error {
	return &net.OpError{Op: "listen", Net: "tcp",
		Err: os.NewSyscallError("bind", errno)}
}

func TestPortError(t *testing.T) {
	other := errors.New("listen tcp: lookup nosuchhost: no such host")
	tests := []struct {
		name     string
		err      error
		excluded bool
		// want is the reported error's text, "" for none.
		want         string
		wantReserved bool
	}{
		{name: "free", err: nil},
		{name: "Windows: inside an excluded range", err: bindErr(wsaeacces), excluded: true,
			wantReserved: true},
		{name: "Windows: held for exclusive use", err: bindErr(wsaeacces),
			want: "access denied: another program holds it for its exclusive use, " +
				"or Windows reserves it"},
		{name: "Windows: in use", err: bindErr(wsaeaddrinuse), want: "address already in use"},
		{name: "Windows: in use, inside an excluded range", err: bindErr(wsaeaddrinuse),
			excluded: true, want: "address already in use"},
		{name: "Unix: in use", err: bindErr(syscall.EADDRINUSE), want: "address already in use"},
		{name: "Unix: below 1024, the engine binds it as root", err: bindErr(syscall.EACCES)},
		{name: "anything else", err: other, want: other.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reserved := portError(tt.err, tt.excluded)
			text := ""
			if got != nil {
				text = got.Error()
			}
			if text != tt.want || reserved != tt.wantReserved {
				t.Errorf("portError(%v, %t) = %q, %t, want %q, %t",
					tt.err, tt.excluded, text, reserved, tt.want, tt.wantReserved)
			}
		})
	}
}

// TestProbePortsExcluded holds a real port and shows that an excluded
// range does not hide a port another program holds: only the error
// Windows gives for an excluded port is left to the excluded-ports check.
func TestProbePortsExcluded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen() = %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	yaml := fmt.Sprintf(`schema: 1
product: {id: demo, name: Demo}
services:
  web: {image: example.com/demo/web, version: "^1", ports: ["127.0.0.1:%d:80"]}
`, port)
	m, err := manifests.Load([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	uses := probePorts(m, nil, []PortRange{{Start: port, End: port}})
	if len(uses) != 1 {
		t.Fatalf("probePorts() = %+v, want one port", uses)
	}
	u := uses[0]
	if u.Reserved || u.Err == nil || u.Err.Error() != "address already in use" {
		t.Errorf("probePorts() = %+v, want %d in use and not reserved", u, port)
	}
}
