package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Consumer kinds of message_store.consumer: one franz-go group client per
// subscription, or a few shared fetch clients per process.
const (
	ConsumerGroup  = "group"
	ConsumerShared = "shared"
)

// consumerEnv is the environment that selects kind.
func consumerEnv(kind string) []string {
	return []string{"HERMES_MESSAGE_STORE__CONSUMER=" + kind}
}

func consumerTarget(kind string) string { return kind + " consumer" }

// Density measures one consumers-only Hermes-Go process with each of
// cfg.Density idle subscriptions, for each of cfg.Consumers: a fresh
// process per count, started on metadata that already holds the
// subscriptions, as after a restart or a deploy. It records the time from
// exec until every subscription runs (consumers status) and until every
// one delivered the message waiting on its topic, then, idle, RSS,
// goroutines, Kafka connections and CPU, and per idle subscription the
// growth over the 0-subscription process of the same kind and round.
func (r *Run) Density(ctx context.Context, k *Kafka) error {
	scenario := "density/" + k.Name
	var targets []target
	for _, kind := range r.cfg.Consumers {
		if len(targets) == 0 {
			r.report.Reference[scenario] = consumerTarget(kind)
		}
		round := 0
		targets = append(targets, target{consumerTarget(kind), func(_ bool, rec recorder) error {
			round++
			var rss0 int64
			var g0 int
			for _, n := range r.cfg.Density {
				if kind == ConsumerGroup && n > r.cfg.DensityGroupLimit {
					if round == 1 {
						r.report.Note("%s %s: %d subscriptions not measured: above -density-group-limit %d (a group client per subscription holds 4 sockets: %d in all, and a group heartbeat each a second)",
							scenario, consumerTarget(kind), n, r.cfg.DensityGroupLimit, 4*n)
					}
					continue
				}
				m, err := r.densityNode(ctx, k, kind, n, round)
				if err != nil {
					return fmt.Errorf("%d subscriptions: %w", n, err)
				}
				if n == 0 {
					rss0, g0 = m.rss, m.goroutines
				}
				if n > 0 {
					rec(fmt.Sprintf("start-up until %d running", n), "s", m.running.Seconds())
					rec(fmt.Sprintf("start-up until %d delivered", n), "s", m.delivered.Seconds())
				}
				rec(fmt.Sprintf("RSS, %d subscriptions", n), "MiB", float64(m.rss)/(1<<20))
				rec(fmt.Sprintf("goroutines, %d subscriptions", n), "", float64(m.goroutines))
				rec(fmt.Sprintf("Kafka connections, %d subscriptions", n), "", float64(m.connections))
				rec(fmt.Sprintf("idle CPU, %d subscriptions", n), "%", m.cpu)
				rec(fmt.Sprintf("load average, %d subscriptions", n), "", m.load)
				if n > 0 && r.cfg.Density[0] == 0 {
					rec(fmt.Sprintf("RSS per idle subscription (%d)", n), "KiB", float64(m.rss-rss0)/float64(n)/1024)
					rec(fmt.Sprintf("goroutines per idle subscription (%d)", n), "", float64(m.goroutines-g0)/float64(n))
				}
			}
			return nil
		}})
	}
	return r.roundsOf(scenario, r.cfg.DensityRounds, false, targets...)
}

// densityFigures are what one density process measured.
type densityFigures struct {
	running, delivered time.Duration // from exec
	rss                int64
	goroutines         int
	connections        int
	cpu                float64 // idle, % of a core
	load               float64 // the machine's 1-minute load average when idle CPU was read
}

// densityNode prepares n subscriptions and measures one process on them.
func (r *Run) densityNode(ctx context.Context, k *Kafka, kind string, n, round int) (densityFigures, error) {
	var m densityFigures
	dir, err := r.tempDir("density")
	if err != nil {
		return m, err
	}
	prefix := fmt.Sprintf("/density/%s/%s/%d/%d/", k.Name, kind, n, round)
	topics := make([]string, min(r.cfg.DensityTopics, n))
	for i := range topics {
		topics[i] = fmt.Sprintf("bench.density-%s-%d-%d-%d-%s", kind, n, round, i, r.id)
	}
	if err := r.seedSubscriptions(ctx, k, kind, dir, topics, n, prefix); err != nil {
		return m, err
	}
	r.sink.Reset(prefix)
	env := append(hermesEnv(k), "HERMES_MODULES=consumers")
	if r.cfg.DensityWorkload {
		// One instance balancing its own workload: it must be allowed all n.
		env = append(env, "HERMES_CONSUMERS__WORKLOAD__ENABLED=true",
			fmt.Sprintf("HERMES_CONSUMERS__WORKLOAD__MAX_SUBSCRIPTIONS_PER_CONSUMER=%d", max(n, 1)))
	}
	p, err := StartProc("hermes", r.bin.Hermes, []string{"--data-dir", dir}, append(env, consumerEnv(kind)...), "consumers", "pprof")
	if err != nil {
		return m, err
	}
	defer p.Stop()
	h := &Hermes{Proc: p}
	m, err = r.measureDensity(ctx, k, h, n, len(topics), kind, prefix)
	return m, h.KeepState(ctx, err)
}

// densityQuiet is how long the density scenario waits after the last
// delivery before it reads the idle figures: longer than the send
// workers' idle period (app.DeliveryConfig.SendWorkerIdle, 10 s; a worker
// leaves between one and two periods after its last message).
const densityQuiet = 21 * time.Second

// measureDensity waits until the n subscriptions of h run and delivered,
// then reads the idle figures.
func (r *Run) measureDensity(ctx context.Context, k *Kafka, h *Hermes, n, topics int, kind, prefix string) (densityFigures, error) {
	var m densityFigures
	p := h.Proc
	r.progress("density %s: %d subscriptions on %d topics, process started", kind, n, topics)
	if !poll(ctx, r.cfg.DensityTimeout, func() bool { c, err := h.RunningCount(ctx); return err == nil && c >= n }) {
		c, err := h.RunningCount(ctx)
		return m, fmt.Errorf("%d of %d subscriptions running after %s (%v)", c, n, r.cfg.DensityTimeout, err)
	}
	m.running = time.Since(p.Started)
	// Paths, not messages: a redelivery must not stand in for a
	// subscription that has not delivered yet.
	if !poll(ctx, r.cfg.DensityTimeout, func() bool { return r.sink.Paths(prefix) >= n }) {
		return m, fmt.Errorf("%d of %d subscriptions delivered after %s", r.sink.Paths(prefix), n, r.cfg.DensityTimeout)
	}
	if n > 0 {
		m.delivered = time.Since(p.Started)
	}
	r.progress("density %s: %d running after %s, delivered after %s", kind, n, m.running.Round(time.Millisecond), m.delivered.Round(time.Millisecond))
	if n > 0 {
		// Idle is without traffic for longer than the send workers' idle
		// period: they leave 10 to 20 s after their last message.
		select {
		case <-ctx.Done():
			return m, ctx.Err()
		case <-time.After(densityQuiet):
		}
	}
	// Memory in its steady state: after a collection (an idle Go process
	// runs one at least every two minutes), so start-up garbage and the
	// stacks grown while starting are not counted as the subscriptions'.
	if _, err := h.get(ctx, h.URL("pprof")+"/debug/pprof/heap?gc=1"); err != nil {
		return m, fmt.Errorf("bench: collecting before the idle figures: %w", err)
	}
	m.cpu = r.idle(p)
	m.load = loadAverage()
	m.rss = p.RSS()
	m.connections = p.Connections(k.Ports())
	var err error
	m.goroutines, err = h.Goroutines(ctx)
	return m, err
}

// seedSubscriptions fills dataDir's file metadata with topics and n
// subscriptions (s<i> on topic i mod len(topics), each to its own path
// under prefix) and leaves one message on each topic. A first process
// creates the topics (and so their Kafka topics) and one template
// subscription through the management API; the other n are copies of the
// template's file, which is what Hermes-Go reads on start: 10 000 API
// calls, each a file write with fsyncs, would take minutes.
func (r *Run) seedSubscriptions(ctx context.Context, k *Kafka, kind, dataDir string, topics []string, n int, prefix string) error {
	if n == 0 {
		return nil
	}
	h, err := StartHermes(r.bin, k, dataDir, consumerEnv(kind)...)
	if err != nil {
		return err
	}
	defer h.Stop()
	for _, t := range topics {
		group, name, _ := strings.Cut(t, ".")
		if err := h.CreateTopic(ctx, group, name); err != nil {
			return err
		}
	}
	const tmpl = "template"
	if err := h.CreateSubscription(ctx, topics[0], tmpl, r.sink.URL+prefix+tmpl); err != nil {
		return err
	}
	if err := h.WaitActive(ctx, topics[0], tmpl); err != nil {
		return err
	}
	template, err := os.ReadFile(subscriptionFile(dataDir, topics[0], tmpl))
	if err != nil {
		return err
	}
	if err := h.DeleteSubscription(ctx, topics[0], tmpl); err != nil {
		return err
	}
	h.Stop() // the measured process takes the directory's lock
	var sub map[string]any
	if err := json.Unmarshal(template, &sub); err != nil {
		return fmt.Errorf("bench: template subscription: %w", err)
	}
	for i := range n {
		topic, name := topics[i%len(topics)], "s"+strconv.Itoa(i)
		sub["topicName"], sub["name"], sub["endpoint"] = topic, name, r.sink.URL+prefix+strconv.Itoa(i)
		b, err := json.Marshal(sub)
		if err != nil {
			return err
		}
		path := subscriptionFile(dataDir, topic, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	for _, t := range topics {
		if err := k.Produce(ctx, t, 1, r.cfg.BodySize, true); err != nil {
			return err
		}
	}
	return nil
}

// subscriptionFile is where the file metadata store keeps a subscription
// of topic (qualified) in dataDir (adapters/filestore's layout).
func subscriptionFile(dataDir, topic, name string) string {
	group, t, _ := strings.Cut(topic, ".")
	return filepath.Join(dataDir, "metadata", "groups", group, "topics", t, "subscriptions", name, "subscription.json")
}

// loadAverage is the machine's 1-minute load average, 0 if unreadable.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
