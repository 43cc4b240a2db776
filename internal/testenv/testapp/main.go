// Command testapp is the application the test images run: a small HTTP
// service that records its start in InfluxDB 1.x and reports itself
// healthy only once that record is written.
//
// It reads its settings from the environment:
//
//	INFLUX_URL   InfluxDB's address (default http://influxdb:8086)
//	INFLUX_DB    the database to write to (default app)
//	APP_VERSION  the version it reports
//	APP_HEALTHY  "true" to report healthy; anything else keeps /health at 503
//	PORT         the port it serves on (default 8080)
//
// On start it serves at once and, in the background, waits for InfluxDB's
// /ping, creates the database and writes the point
// "boot,version=<APP_VERSION> value=1". GET /health answers 200 with the
// version after that write, and only when APP_HEALTHY is true; 503
// otherwise. GET /version answers the version. SIGTERM and SIGINT stop it
// with exit code 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(
		context.Background(),
		syscall.SIGTERM,
		os.Interrupt,
	)
	defer stop()

	logger := log.New(os.Stderr, "testapp: ", log.LstdFlags)
	if err := run(ctx, os.Getenv, logger); err != nil {
		logger.Print(err)
		stop()
		os.Exit(1)
	}
}

// config is what the environment sets.
type config struct {
	influxURL string
	db        string
	version   string
	healthy   bool
	port      string
}

// configFrom reads the settings through getenv, filling in defaults.
func configFrom(getenv func(string) string) config {
	c := config{
		influxURL: getenv("INFLUX_URL"),
		db:        getenv("INFLUX_DB"),
		version:   getenv("APP_VERSION"),
		port:      getenv("PORT"),
	}
	if c.influxURL == "" {
		c.influxURL = "http://influxdb:8086"
	}
	c.influxURL = strings.TrimRight(c.influxURL, "/")
	if c.db == "" {
		c.db = "app"
	}
	if c.port == "" {
		c.port = "8080"
	}
	c.healthy, _ = strconv.ParseBool(getenv("APP_HEALTHY"))
	return c
}

// app serves the HTTP endpoints.
type app struct {
	config
	// recorded is set once the boot point is written.
	recorded atomic.Bool
}

// run serves until ctx is done.
func run(ctx context.Context, getenv func(string) string, logger *log.Logger) error {
	a := &app{config: configFrom(getenv)}

	ln, err := net.Listen("tcp", ":"+a.port)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 5 * time.Second,
	}

	go a.record(ctx, logger)

	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			srv.Close()
		}
	}()

	logger.Printf("version %s serving on :%s", a.version, a.port)
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		logger.Print("stopped")
		return nil
	}
	return fmt.Errorf("serving: %w", err)
}

// routes returns the handler for /health and /version.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case !a.recorded.Load():
			http.Error(w, "waiting for influxdb", http.StatusServiceUnavailable)
		case !a.healthy:
			http.Error(w, "unhealthy by configuration", http.StatusServiceUnavailable)
		default:
			fmt.Fprintln(w, a.version)
		}
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, a.version)
	})
	return mux
}

// record writes the boot point, retrying until it succeeds or ctx is done.
func (a *app) record(ctx context.Context, logger *log.Logger) {
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for {
		err := a.writeBoot(ctx, client)
		if err == nil {
			a.recorded.Store(true)
			logger.Printf("recorded boot of %s in %s", a.version, a.db)
			return
		}
		// Say each distinct failure once rather than every half second.
		if msg := err.Error(); msg != last {
			logger.Print(msg)
			last = msg
		}

		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// writeBoot pings InfluxDB, creates the database and writes the point.
func (a *app) writeBoot(ctx context.Context, client *http.Client) error {
	err := a.call(ctx, client, http.MethodGet, "/ping", "", nil, http.StatusNoContent)
	if err != nil {
		return err
	}

	create := url.Values{"q": {"CREATE DATABASE " + quoteIdent(a.db)}}.Encode()
	err = a.call(
		ctx,
		client,
		http.MethodPost,
		"/query",
		"application/x-www-form-urlencoded",
		strings.NewReader(create),
		http.StatusOK,
	)
	if err != nil {
		return err
	}

	point := "boot,version=" + escapeTag(a.version) + " value=1\n"
	return a.call(
		ctx,
		client,
		http.MethodPost,
		"/write?"+url.Values{"db": {a.db}}.Encode(),
		"text/plain",
		strings.NewReader(point),
		http.StatusNoContent,
	)
}

// call sends one request to InfluxDB and checks its status code.
func (a *app) call(
	ctx context.Context,
	client *http.Client,
	method, path, contentType string,
	body io.Reader,
	want int,
) error {
	req, err := http.NewRequestWithContext(ctx, method, a.influxURL+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}

	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()

	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf(
			"%s %s: status %d, want %d: %s",
			method,
			path,
			resp.StatusCode,
			want,
			strings.TrimSpace(string(msg)),
		)
	}
	// InfluxDB 1.x answers 200 to a query even when it failed; the error is
	// in the body.
	if strings.Contains(string(msg), `"error"`) {
		return fmt.Errorf("%s %s: %s", method, path, strings.TrimSpace(string(msg)))
	}
	return nil
}

// quoteIdent quotes an InfluxQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// escapeTag escapes a tag value for the line protocol. An empty value is
// not allowed there, so it becomes "unknown".
func escapeTag(s string) string {
	if s == "" {
		return "unknown"
	}
	return strings.NewReplacer(`,`, `\,`, `=`, `\=`, ` `, `\ `).Replace(s)
}
