// Command hermes-bench is `make bench`: Hermes-Go against bare baselines,
// side by side in one run (docs/benchmarks.md). It prints one table and
// writes the figures as JSON under test/bench/results/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/hermes-go/hermes/test/bench"
)

func main() {
	cfg := bench.DefaultConfig()
	cfg.Progress = os.Stderr
	flag.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "measured rounds per scenario, after one warm-up round")
	flag.IntVar(&cfg.Clients, "clients", cfg.Clients, "publish: concurrent keep-alive clients")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "publish: time per target and round")
	flag.IntVar(&cfg.Messages, "messages", cfg.Messages, "delivery: messages pre-loaded per target and round")
	flag.IntVar(&cfg.MirrorMessages, "mirror-messages", cfg.MirrorMessages, "Hermes mirror: messages per consumer round")
	flag.IntVar(&cfg.Rate, "rate", cfg.Rate, "delivery latency: messages per second")
	scenarios := flag.String("scenarios", strings.Join(bench.Scenarios, ","), "scenarios to run")
	fanout := flag.String("fanout", ints(cfg.FanOut), "fan-out: subscription counts")
	footprint := flag.String("footprint", ints(cfg.Footprint), "footprint: idle subscription counts, from 0 ascending")
	results := flag.String("results", bench.ResultsDir(), "directory of the JSON results")
	flag.Parse()
	var err error
	if cfg.FanOut, err = parseInts(*fanout); err == nil {
		cfg.Footprint, err = parseInts(*footprint)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hermes-bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var realKafka []string
	if addr := os.Getenv("HERMES_TEST_KAFKA"); addr != "" {
		realKafka = strings.Split(addr, ",")
	}
	report, err := bench.Execute(ctx, cfg, strings.Split(*scenarios, ","), realKafka)
	fmt.Println()
	report.Print(os.Stdout)
	path, werr := report.WriteJSON(*results)
	if werr != nil {
		fmt.Fprintln(os.Stderr, "hermes-bench: writing results:", werr)
	} else {
		fmt.Println("results:", path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hermes-bench:", err)
		os.Exit(1)
	}
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q: want comma-separated numbers", s)
		}
		out = append(out, n)
	}
	return out, nil
}
