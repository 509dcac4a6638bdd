// Command hermes runs Hermes-Go: the frontend (publishing, :8080), the
// consumers (delivery to subscribers) and management (:8090), all three by
// default, in one process.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app/wiring"
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
		fmt.Fprintln(os.Stderr, "hermes:", err)
		return 1
	}
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		fmt.Fprintln(os.Stderr, "hermes: start:", err)
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
