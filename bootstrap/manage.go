package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"setup/checks"
	"setup/internal/engine"
	"setup/internal/problem"
	"setup/internal/shortcut"
)

// Check runs the prerequisite checks and changes nothing.
func Check(ctx context.Context, opts Options) ([]checks.Result, error) {
	r := newRun(opts)
	defer r.close()
	return r.checks(ctx)
}

// open connects to the engine without installing or starting it.
func (r *run) open(ctx context.Context) error {
	ep, err := engine.FindEndpoint(r.engineEnv())
	if err != nil {
		return err
	}
	r.endpoint = ep
	c, err := engine.NewClient(ep)
	if err != nil {
		return err
	}
	r.docker = c
	h := r.opts.Host
	_, err = engine.Check(ctx, c, ep, h.GOOS, "", true)
	return err
}

// Uninstall removes the product's containers, network, shortcuts and state.
// Volumes stay unless Options.Purge is set; then they go too, with the
// generated secrets.
func Uninstall(ctx context.Context, opts Options) error {
	r := newRun(opts)
	unlock, err := r.store.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	defer r.close()

	if opts.Purge && opts.Host.Confirm != nil {
		yes, err := opts.Host.Confirm(fmt.Sprintf(
			"Delete the data volumes of %s? This cannot be undone.", r.m.Product.Name))
		if err != nil {
			return err
		}
		if !yes {
			return problem.New(problem.Cancelled, "uninstall cancelled; nothing was removed", "")
		}
	}
	if err := r.open(ctx); err != nil {
		return err
	}
	st, err := r.store.Load()
	if err != nil {
		return err
	}

	opts.Report.Step("containers")
	list, err := r.ourContainers(ctx)
	if err != nil {
		return fmt.Errorf("listing containers: %w", err)
	}
	for _, c := range list {
		if err := r.removeAndWait(ctx, c.ID); err != nil {
			return err
		}
		opts.Report.Printf("removed container %s", strings.TrimPrefix(c.Names[0], "/"))
	}

	opts.Report.Step("network")
	nets, err := r.docker.NetworkList(ctx, network.ListOptions{Filters: r.productFilter()})
	if err != nil {
		return fmt.Errorf("listing networks: %w", err)
	}
	for _, n := range nets {
		if err := r.docker.NetworkRemove(ctx, n.ID); err != nil {
			return fmt.Errorf("removing network %s: %w", n.Name, err)
		}
		opts.Report.Printf("removed network %s", n.Name)
	}

	opts.Report.Step("shortcuts")
	var paths []string
	if st != nil {
		paths = st.Shortcuts
	}
	places, err := r.places()
	if err != nil {
		return err
	}
	for _, sc := range r.m.Shortcuts {
		l := shortcut.Launcher{Product: r.m.Product.ID, Name: sc.Name}
		paths = append(paths, shortcut.Paths(opts.Host.GOOS, places, l)...)
	}
	if err := shortcut.Remove(paths); err != nil {
		return fmt.Errorf("removing shortcuts: %w", err)
	}

	if opts.Purge {
		opts.Report.Step("volumes")
		vols, err := r.docker.VolumeList(ctx, volume.ListOptions{Filters: r.productFilter()})
		if err != nil {
			return fmt.Errorf("listing volumes: %w", err)
		}
		for _, v := range vols.Volumes {
			if err := r.docker.VolumeRemove(ctx, v.Name, false); err != nil {
				return fmt.Errorf("removing volume %s: %w", v.Name, err)
			}
			opts.Report.Printf("removed volume %s", v.Name)
		}
	}

	if err := r.unregister(); err != nil {
		return err
	}

	opts.Report.Step("state")
	if opts.Purge {
		unlock()
		return r.store.RemoveAll()
	}
	if err := r.store.Remove(); err != nil {
		return err
	}
	if err := os.Remove(r.manifestCopy()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the copy of the manifest: %w", err)
	}
	vols, err := r.docker.VolumeList(ctx, volume.ListOptions{Filters: r.productFilter()})
	if err == nil && len(vols.Volumes) > 0 {
		opts.Report.Printf("kept %d data volume(s); 'setup uninstall --purge' removes them", len(vols.Volumes))
	}
	if st == nil && len(list) == 0 && len(nets) == 0 {
		opts.Report.Printf("%s was not installed; nothing was removed", r.m.Product.Name)
	}
	return nil
}

func (r *run) productFilter() filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelProduct+"="+r.m.Product.ID))
}

// ServiceStatus is what Status says of one service.
type ServiceStatus struct {
	Name      string `json:"name"`
	Image     string `json:"image"`
	Version   string `json:"version"`
	Digest    string `json:"digest"`
	Container string `json:"container"`
	State     string `json:"state"`
	Health    string `json:"health"`
}

// Report is the outcome of Status.
type Report struct {
	Product   string          `json:"product"`
	Name      string          `json:"name"`
	Installed bool            `json:"installed"`
	Healthy   bool            `json:"healthy"`
	Services  []ServiceStatus `json:"services"`
}

// Status reports each service's version, container state and health.
func Status(ctx context.Context, opts Options) (Report, error) {
	r := newRun(opts)
	defer r.close()
	rep := Report{Product: r.m.Product.ID, Name: r.m.Product.Name}
	st, err := r.store.Load()
	if err != nil {
		return rep, err
	}
	rep.Installed = st != nil
	if err := r.open(ctx); err != nil {
		return rep, err
	}

	rep.Healthy = rep.Installed
	httpClient := &http.Client{Timeout: 2 * time.Second}
	for _, svcName := range r.m.StartOrder() {
		svc := r.m.Services[svcName]
		s := ServiceStatus{Name: svcName, Image: svc.Image, State: "missing", Health: "unknown"}
		if st != nil {
			if rec, ok := st.Services[svcName]; ok {
				s.Version, s.Digest = rec.Tag, rec.Digest
			}
		}
		c, err := r.findContainer(ctx, containerName(r.m.Product.ID, svcName))
		if err != nil {
			return rep, err
		}
		if c != nil {
			s.Container = strings.TrimPrefix(c.Names[0], "/")
			s.State = c.State
		}
		switch {
		case s.State != "running":
			s.Health = "down"
		case svc.Health.URL == "":
			s.Health = "running"
		default:
			if code, err := probe(ctx, httpClient, svc.Health.URL); err == nil && code/100 == 2 {
				s.Health = "healthy"
			} else {
				s.Health = "unhealthy"
			}
		}
		if s.Health != "healthy" && s.Health != "running" {
			rep.Healthy = false
		}
		rep.Services = append(rep.Services, s)
	}
	return rep, nil
}

// Launch starts the stack when it is stopped, waits for it to be healthy,
// then opens the named shortcut's URL.
func Launch(ctx context.Context, opts Options, shortcutName string) error {
	r := newRun(opts)
	defer r.close()
	url := ""
	var names []string
	for _, sc := range r.m.Shortcuts {
		names = append(names, fmt.Sprintf("%q", sc.Name))
		if strings.EqualFold(sc.Name, shortcutName) {
			url = sc.URL
		}
	}
	if url == "" {
		return problem.Usagef("%s has no shortcut named %q; it has %s",
			r.m.Product.Name, shortcutName, strings.Join(names, ", "))
	}
	if err := r.open(ctx); err != nil {
		return err
	}
	st, err := r.store.Load()
	if err != nil {
		return err
	}
	if st == nil {
		return problem.New(problem.Failed, r.m.Product.Name+" is not installed",
			"run setup to install it")
	}

	for _, svcName := range r.m.StartOrder() {
		svc := r.m.Services[svcName]
		name := containerName(r.m.Product.ID, svcName)
		c, err := r.findContainer(ctx, name)
		if err != nil {
			return err
		}
		if c == nil {
			return problem.New(problem.Failed, fmt.Sprintf("the %s container is missing", svcName),
				"run setup again to repair the installation")
		}
		s := spec{Service: svcName, Name: name, health: svc.Health, timeout: svc.HealthTimeout(),
			version: st.Services[svcName].Tag}
		if c.State != "running" {
			opts.Report.Printf("starting %s", name)
			if err := r.start(ctx, c.ID); err != nil {
				return err
			}
		}
		if err := r.waitHealthy(ctx, s, c.ID); err != nil {
			return err
		}
	}
	if opts.Host.Open == nil {
		return errors.New("no way to open " + url + " on this system")
	}
	return opts.Host.Open(ctx, url)
}
