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
	flag.IntVar(&cfg.FanOutMessages, "fanout-messages", cfg.FanOutMessages, "fan-out: deliveries per set and round, split over its subscriptions")
	flag.IntVar(&cfg.MirrorMessages, "mirror-messages", cfg.MirrorMessages, "Hermes mirror: messages per consumer round")
	flag.IntVar(&cfg.Rate, "rate", cfg.Rate, "delivery latency: messages per second")
	scenarios := flag.String("scenarios", strings.Join(bench.Scenarios, ","), "scenarios to run")
	fanout := flag.String("fanout", ints(cfg.FanOut), "fan-out: subscription counts")
	footprint := flag.String("footprint", ints(cfg.Footprint), "footprint: idle subscription counts, from 0 ascending")
	consumers := flag.String("consumers", strings.Join(cfg.Consumers, ","), "fan-out and density: message_store.consumer kinds (group, shared); the first is the reference")
	density := flag.String("density", ints(cfg.Density), "density: idle subscription counts, from 0 ascending (each a fresh process)")
	flag.IntVar(&cfg.DensityTopics, "density-topics", cfg.DensityTopics, "density: topics the subscriptions are spread over")
	flag.IntVar(&cfg.DensityRounds, "density-rounds", cfg.DensityRounds, "density: measured rounds (no warm-up)")
	flag.IntVar(&cfg.DensityGroupLimit, "density-group-limit", cfg.DensityGroupLimit, "density: most subscriptions measured with the group consumer")
	flag.BoolVar(&cfg.DensityWorkload, "density-workload", cfg.DensityWorkload, "density: turn workload balancing on (one instance)")
	flag.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "bound of every wait for deliveries (fan-out and delivery drains among them)")
	flag.DurationVar(&cfg.DensityTimeout, "density-timeout", cfg.DensityTimeout, "density: bound of each start-up wait")
	results := flag.String("results", bench.ResultsDir(), "directory of the JSON results")
	flag.Parse()
	cfg.Consumers = strings.Split(*consumers, ",")
	var err error
	if cfg.FanOut, err = parseInts(*fanout); err == nil {
		cfg.Footprint, err = parseInts(*footprint)
	}
	if err == nil {
		cfg.Density, err = parseInts(*density)
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
