// Command hermes runs Hermes-Go: the frontend (publishing, :8080), the
// consumers (delivery to subscribers) and management (:8090), all three by
// default, in one process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app/wiring"
	"github.com/hermes-go/hermes/domain"
)

func main() {
	configPath := flag.String("config", os.Getenv("HERMES_CONFIG"), "YAML config file (also HERMES_CONFIG)")
	modules := flag.String("modules", "", "comma-separated modules to run: frontend,consumers,management (default all)")
	inMemory := flag.Bool("in-memory", false, "throwaway run: nothing is written to disk")
	dataDir := flag.String("data-dir", "", "directory of the embedded stores (default data)")
	flag.Parse()

	cfg, err := wiring.Load(*configPath)
	if err == nil {
		if *modules != "" {
			cfg.Modules = strings.Split(*modules, ",")
		}
		if *inMemory {
			cfg.InMemory = true
		}
		if *dataDir != "" {
			cfg.DataDir = *dataDir
		}
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hermes: invalid configuration:")
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(run(cfg))
}

// run starts the app, waits for SIGINT/SIGTERM and stops it gracefully.
// fx's own Run would exit silently on a start error, as its event logger
// is off unless log.level is debug; here every failure is printed.
func run(cfg wiring.Config) int {
	app := fx.New(wiring.Options(cfg))
	if err := app.Err(); err != nil {
		printStartError(os.Stderr, cfg, err)
		return 1
	}
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		printStartError(os.Stderr, cfg, err)
		return 1
	}
	<-app.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancel()
	if err := app.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, "hermes: stop:", err)
		return 1
	}
	return 0
}

// printStartError writes why the app could not start: the cause first, on
// one line, with what to do; fx's account of which constructor needed
// what only at log.level debug, where it helps to debug the wiring.
func printStartError(w io.Writer, cfg wiring.Config, err error) {
	cause := dig.RootCause(err)
	fmt.Fprintf(w, "hermes: cannot start: %s\n", oneLine(cause.Error()))
	if hint := startHint(cause); hint != "" {
		fmt.Fprintf(w, "hermes: %s\n", hint)
	}
	if cfg.Log.Level == "debug" {
		fmt.Fprintf(w, "hermes: detail: %s\n", err)
	} else if cause != err {
		fmt.Fprintln(w, "hermes: run with HERMES_LOG__LEVEL=debug for the full start trace")
	}
}

// startHint says what to do about causes that do not say it themselves.
func startHint(cause error) string {
	switch {
	case errors.Is(cause, syscall.EADDRINUSE):
		return "another process listens on that address: stop it, or set frontend.addr / management.addr (HERMES_FRONTEND__ADDR, HERMES_MANAGEMENT__ADDR)"
	case errors.Is(cause, domain.ErrUnavailable):
		return "a backend is unreachable: check that it runs and that the configured address is right"
	case errors.Is(cause, fs.ErrPermission):
		return "the data dir (or a file in it) is not writable by this user: fix its permissions or choose another --data-dir"
	}
	return ""
}

// oneLine joins a multi-line error (errors.Join) into one line.
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }
