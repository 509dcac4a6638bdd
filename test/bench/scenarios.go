package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/test/bench/internal/send"
)

// Config sizes a run. Every request loop is bounded by a count and a time.
type Config struct {
	Rounds   int // measured rounds per scenario, after one warm-up round
	BodySize int // bytes of every message

	Clients  int           // publish: concurrent keep-alive clients
	Requests int           // publish: at most this many requests per target and round
	Duration time.Duration // publish: at most this long per target and round

	Messages     int           // delivery: messages pre-loaded per target and round
	Rate         int           // delivery latency: messages per second
	RateDuration time.Duration // delivery latency: how long at Rate per round

	FanOut         []int // subscription counts on one topic; the first is the reference
	FanOutMessages int   // deliveries per fan-out round (split over the subscriptions)

	Footprint      []int         // idle subscription counts whose RSS is read, ascending, from 0
	Consumers      []string      // message_store.consumer kinds of fan-out and density; the first is the reference
	Density        []int         // density: idle subscription counts, each a fresh process, ascending, from 0
	DensityTopics  int           // density: the subscriptions are spread over at most this many topics
	DensityRounds  int           // density: measured rounds (no warm-up: each count is a fresh process anyway)
	DensityTimeout time.Duration // density: bound of the start-up waits
	// DensityGroupLimit is the most subscriptions density runs with the
	// group consumer; larger counts are skipped with a note.
	DensityGroupLimit int
	// DensityWorkload turns workload balancing on in the density process
	// (one instance, allowed every subscription); off by default, as with
	// file metadata.
	DensityWorkload bool
	MirrorMessages  int           // Hermes mirror: messages per consumer round (Hermes: 100 000)
	Settle          time.Duration // idle time before reading RSS

	Timeout  time.Duration // bound of every wait
	Progress io.Writer     // one line per measurement; nil for none
}

// DefaultConfig is what `make bench` runs: about five minutes on kfake on
// two cores.
func DefaultConfig() Config {
	return Config{
		Rounds: 3, BodySize: 1024,
		Clients: 16, Requests: 200_000, Duration: 3 * time.Second,
		Messages: 30_000, Rate: 200, RateDuration: 3 * time.Second,
		FanOut: []int{1, 10, 100}, FanOutMessages: 20_000,
		Footprint: []int{0, 100, 1000}, Settle: 3 * time.Second,
		Consumers: []string{ConsumerGroup, ConsumerShared}, Density: []int{0, 1000}, DensityTopics: 10, DensityRounds: 1,
		DensityTimeout: 10 * time.Minute, DensityGroupLimit: 1000,
		MirrorMessages: 100_000,
		Timeout:        2 * time.Minute,
	}
}

// Targets of the scenarios, as the table names them.
const (
	TargetHermes   = "hermes-go"
	TargetProduce  = "franz-go handler"
	TargetCeiling  = "net/http 201"
	TargetLoop     = "franz-go loop"
	TargetBaseline = "bench-baseline"
)

// Run measures scenarios into one Report.
type Run struct {
	cfg    Config
	bin    Binaries
	report *Report
	sink   *Sink
	dir    string // scratch: data directories
	id     string // makes topic names unique on a Kafka that outlives runs
}

// NewRun prepares a run; dir is scratch space it may fill.
func NewRun(cfg Config, bin Binaries, report *Report, sink *Sink, dir string) *Run {
	return &Run{cfg: cfg, bin: bin, report: report, sink: sink, dir: dir, id: time.Now().Format("150405")}
}

type recorder func(name, unit string, v float64)

// target is one side of a comparison; warm is true in the warm-up round,
// whose figures rec drops.
type target struct {
	name string
	run  func(warm bool, rec recorder) error
}

// rounds runs a warm-up round and cfg.Rounds measured rounds, each target
// once per round, rotating the order so no target always goes first.
func (r *Run) rounds(scenario string, targets ...target) error {
	return r.roundsOf(scenario, r.cfg.Rounds, true, targets...)
}

// roundsOf is rounds with measured rounds and the warm-up round chosen.
func (r *Run) roundsOf(scenario string, measured int, warmup bool, targets ...target) error {
	for _, t := range targets {
		if !slices.Contains(r.report.Targets[scenario], t.name) {
			r.report.Targets[scenario] = append(r.report.Targets[scenario], t.name)
		}
	}
	first := 1
	if warmup {
		first = 0
	}
	for round := first; round <= measured; round++ {
		for i := range targets {
			t := targets[(i+round)%len(targets)]
			rec := func(name, unit string, v float64) {
				if round > 0 {
					r.report.Add(scenario, t.name, name, unit, v)
				}
				r.progress("%s round %d/%d %s: %s %s %s", scenario, round, measured, t.name, name, num(v), unit)
			}
			if err := t.run(round == 0, rec); err != nil {
				return fmt.Errorf("%s, %s: %w", scenario, t.name, err)
			}
		}
	}
	return nil
}

func (r *Run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format+"\n", args...)
	}
}

func (r *Run) tempDir(name string) (string, error) {
	return os.MkdirTemp(r.dir, name+"-")
}

func (r *Run) startHermes(k *Kafka, env ...string) (*Hermes, error) {
	dir, err := r.tempDir("hermes")
	if err != nil {
		return nil, err
	}
	return StartHermes(r.bin, k, dir, env...)
}

func (r *Run) startBaseline(name string, args ...string) (*Proc, error) {
	return StartProc(name, r.bin.Baseline, args, nil, "baseline")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// perTenK is CPU seconds per 10 000 messages.
func perTenK(cpu time.Duration, n int) float64 { return cpu.Seconds() / float64(max(n, 1)) * 10_000 }

// Publish compares the Hermes-Go frontend with a bare handler producing to
// the same Kafka and with a bare 201 handler.
func (r *Run) Publish(ctx context.Context, k *Kafka) error {
	scenario := "publish/" + k.Name
	r.report.Reference[scenario] = TargetProduce
	h, err := r.startHermes(k)
	if err != nil {
		return err
	}
	defer h.Stop()
	topic := "publish-" + r.id
	if err := h.CreateTopic(ctx, "bench", topic); err != nil {
		return err
	}
	base := "bench-baseline-publish-" + r.id
	if err := k.CreateTopic(ctx, base); err != nil {
		return err
	}
	produce, err := r.startBaseline("produce", "-mode", "produce", "-brokers", k.Brokers, "-topic", base)
	if err != nil {
		return err
	}
	defer produce.Stop()
	ceiling, err := r.startBaseline("ceiling", "-mode", "ceiling")
	if err != nil {
		return err
	}
	defer ceiling.Stop()

	body := Body(r.cfg.BodySize, time.Now())
	load := func(p *Proc, url string) func(bool, recorder) error {
		return func(_ bool, rec recorder) error {
			cpu := p.CPU()
			res := RunLoad(ctx, Load{URL: url, Body: body, Clients: r.cfg.Clients, Requests: r.cfg.Requests, Duration: r.cfg.Duration})
			cpu = p.CPU() - cpu
			if res.OK == 0 {
				return fmt.Errorf("no request succeeded (%d failed)", res.Failed)
			}
			if res.Failed > 0 {
				r.report.Note("%s %s: %d of %d requests failed", scenario, p.Name, res.Failed, res.OK+res.Failed)
			}
			rec("throughput", "req/s", res.Rate())
			rec("latency p50", "ms", ms(Quantile(res.Latencies, 0.50)))
			rec("latency p99", "ms", ms(Quantile(res.Latencies, 0.99)))
			rec("CPU per 10k", "s", perTenK(cpu, res.OK))
			return nil
		}
	}
	return r.rounds(scenario,
		target{TargetHermes, load(h.Proc, h.PublishURL("bench."+topic))},
		target{TargetProduce, load(produce, produce.URL("baseline"))},
		target{TargetCeiling, load(ceiling, ceiling.URL("baseline"))},
	)
}

// drain waits until path received n messages and records their rate and
// the CPU p spent from the first arrival on.
func (r *Run) drain(ctx context.Context, p *Proc, path string, n int, rec recorder) error {
	if !r.sink.Wait(ctx, path, 1, r.cfg.Timeout) {
		return fmt.Errorf("%s delivered nothing to %s", p.Name, path)
	}
	cpu, first := p.CPU(), r.sink.Count(path)
	if !r.sink.Wait(ctx, path, n, r.cfg.Timeout) {
		return fmt.Errorf("%s delivered %d of %d messages to %s", p.Name, r.sink.Count(path), n, path)
	}
	cpu = p.CPU() - cpu
	a := r.sink.Arrivals(path)
	rec("throughput", "msg/s", a.Rate())
	rec("CPU per 10k", "s", perTenK(cpu, a.Count-first))
	return nil
}

// Delivery compares Hermes-Go's consumers with a bare consume, POST and
// commit loop: draining pre-loaded messages, then latency at a fixed rate.
func (r *Run) Delivery(ctx context.Context, k *Kafka) error {
	scenario := "delivery/" + k.Name
	r.report.Reference[scenario] = TargetLoop
	h, err := r.startHermes(k)
	if err != nil {
		return err
	}
	defer h.Stop()
	hermesRound, loopRound := 0, 0
	hermes := func(_ bool, rec recorder) error {
		hermesRound++
		topic, path := fmt.Sprintf("drain%d-%s", hermesRound, r.id), fmt.Sprintf("/drain/%s/hermes/%d", k.Name, hermesRound)
		q, err := r.subscribe(ctx, h, k, topic, path)
		if err != nil {
			return err
		}
		// Suspended, the subscription keeps its position while the
		// messages are loaded; resumed, it drains them.
		if err := h.SetState(ctx, q, "s", "SUSPENDED"); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond) // the consumer commits and stops
		if err := k.Produce(ctx, q, r.cfg.Messages, r.cfg.BodySize, true); err != nil {
			return err
		}
		r.sink.Reset(path)
		if err := h.SetState(ctx, q, "s", "ACTIVE"); err != nil {
			return err
		}
		if err := r.drain(ctx, h.Proc, path, r.cfg.Messages, rec); err != nil {
			return err
		}
		return h.DeleteSubscription(ctx, q, "s")
	}
	loop := func(_ bool, rec recorder) error {
		loopRound++
		// Paths are per broker: the sink keeps what arrived in the kfake
		// run, and a reused path made the real-Kafka loop "drain" at once.
		topic, path := fmt.Sprintf("bench-baseline-drain%d-%s", loopRound, r.id), fmt.Sprintf("/drain/%s/loop/%d", k.Name, loopRound)
		r.sink.Reset(path)
		if err := k.CreateTopic(ctx, topic); err != nil {
			return err
		}
		if err := k.Produce(ctx, topic, r.cfg.Messages, r.cfg.BodySize, false); err != nil {
			return err
		}
		p, err := r.startBaseline("loop", "-mode", "deliver", "-brokers", k.Brokers, "-topic", topic, "-group", topic, "-sink", r.sink.URL+path)
		if err != nil {
			return err
		}
		defer p.Stop()
		return r.drain(ctx, p, path, r.cfg.Messages, rec)
	}
	if err := r.rounds(scenario, target{TargetHermes, hermes}, target{TargetLoop, loop}); err != nil {
		return err
	}
	return r.latency(ctx, scenario, h, k)
}

// subscribe creates bench.topic with one subscription "s" to path and
// returns once a message published then reached path.
func (r *Run) subscribe(ctx context.Context, h *Hermes, k *Kafka, topic, path string) (string, error) {
	q := "bench." + topic
	if err := h.CreateTopic(ctx, "bench", topic); err != nil {
		return q, err
	}
	if err := h.CreateSubscription(ctx, q, "s", r.sink.URL+path); err != nil {
		return q, err
	}
	if err := h.WaitActive(ctx, q, "s"); err != nil {
		return q, err
	}
	return q, r.probe(ctx, k, q, true, path, 1)
}

// probe produces one message to topic and waits until n arrived under
// path: then every consumer is in its group and reading.
func (r *Run) probe(ctx context.Context, k *Kafka, topic string, hermesFormat bool, path string, n int) error {
	if err := k.Produce(ctx, topic, 1, r.cfg.BodySize, hermesFormat); err != nil {
		return err
	}
	if !r.sink.Wait(ctx, path, n, r.cfg.Timeout) {
		return fmt.Errorf("probe of %s: %d of %d arrived", topic, r.sink.Count(path), n)
	}
	return nil
}

// latency measures produce-to-sink latency at cfg.Rate on long-running
// consumers of both sides.
func (r *Run) latency(ctx context.Context, scenario string, h *Hermes, k *Kafka) error {
	hq, err := r.subscribe(ctx, h, k, "latency-"+r.id, "/latency/"+k.Name+"/hermes")
	if err != nil {
		return err
	}
	base := "bench-baseline-latency-" + r.id
	if err := k.CreateTopic(ctx, base); err != nil {
		return err
	}
	p, err := r.startBaseline("loop", "-mode", "deliver", "-brokers", k.Brokers, "-topic", base, "-group", base, "-sink", r.sink.URL+"/latency/"+k.Name+"/loop")
	if err != nil {
		return err
	}
	defer p.Stop()
	if err := r.probe(ctx, k, base, false, "/latency/"+k.Name+"/loop", 1); err != nil {
		return err
	}
	paced := func(topic string, hermesFormat bool, path string) func(bool, recorder) error {
		return func(_ bool, rec recorder) error {
			r.sink.Reset(path)
			n := int(float64(r.cfg.Rate) * r.cfg.RateDuration.Seconds())
			var mu sync.Mutex
			failed := 0
			start := time.Now()
			for i := 0; i < n && ctx.Err() == nil; i++ {
				time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(r.cfg.Rate))))
				k.ProduceAsync(ctx, Record(topic, r.cfg.BodySize, hermesFormat), func() { mu.Lock(); failed++; mu.Unlock() })
			}
			if !r.sink.Wait(ctx, path, n, r.cfg.Timeout) {
				return fmt.Errorf("%d of %d messages arrived at %s (%d produces failed)", r.sink.Count(path), n, path, failed)
			}
			a := r.sink.Arrivals(path)
			rec("e2e latency p50", "ms", ms(Quantile(a.Latencies, 0.50)))
			rec("e2e latency p99", "ms", ms(Quantile(a.Latencies, 0.99)))
			return nil
		}
	}
	return r.rounds(scenario,
		target{TargetHermes, paced(hq, true, "/latency/"+k.Name+"/hermes")},
		target{TargetLoop, paced(base, false, "/latency/"+k.Name+"/loop")},
	)
}

// FanOut measures, for each of cfg.Consumers, Hermes-Go's total delivery
// rate and CPU per message with each of cfg.FanOut subscriptions on one
// topic. Each set has its own process, so the idle cost of the other sets
// (a group client heartbeats every second) is not counted in its CPU;
// all exist at once and take turns.
func (r *Run) FanOut(ctx context.Context, k *Kafka) error {
	for _, kind := range r.cfg.Consumers {
		if err := r.fanOut(ctx, k, kind); err != nil {
			return err
		}
	}
	return nil
}

func (r *Run) fanOut(ctx context.Context, k *Kafka, kind string) error {
	scenario := "fan-out/" + k.Name + "/" + kind
	var targets []target
	for _, n := range r.cfg.FanOut {
		h, err := r.startHermes(k, consumerEnv(kind)...)
		if err != nil {
			return err
		}
		defer h.Stop()
		name := fmt.Sprintf("%d subscription(s)", n)
		if len(targets) == 0 {
			r.report.Reference[scenario] = name
		}
		topic := fmt.Sprintf("fanout%d-%s-%s", n, kind, r.id)
		q, prefix := "bench."+topic, "/fanout/"+topic+"/"
		if err := h.CreateTopic(ctx, "bench", topic); err != nil {
			return err
		}
		if err := r.createSubscriptions(ctx, h, q, prefix, 0, n); err != nil {
			return err
		}
		if err := r.probe(ctx, k, q, true, prefix, n); err != nil {
			return err
		}
		per := max(r.cfg.FanOutMessages/n, 10)
		targets = append(targets, target{name, func(_ bool, rec recorder) error {
			r.sink.Reset(prefix)
			if err := k.Produce(ctx, q, per, r.cfg.BodySize, true); err != nil {
				return err
			}
			err := r.drain(ctx, h.Proc, prefix, n*per, rec)
			if err != nil {
				short, some := r.sink.Short(prefix, per)
				err = fmt.Errorf("%w; %d of %d subscriptions got fewer than %d (%s), %d got none",
					err, short, n, per, strings.Join(some, ", "), n-r.sink.Paths(prefix))
			}
			return h.KeepState(ctx, err)
		}})
	}
	return r.rounds(scenario, targets...)
}

// createSubscriptions creates subscriptions s<from>..s<to-1> of topic, four
// at a time, each to its own path under prefix, and waits until the last
// is active.
func (r *Run) createSubscriptions(ctx context.Context, h *Hermes, topic, prefix string, from, to int) error {
	if from >= to {
		return nil
	}
	next := make(chan int)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if err := h.CreateSubscription(ctx, topic, fmt.Sprintf("s%d", i), fmt.Sprintf("%s%s%d", r.sink.URL, prefix, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := from; i < to; i++ {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err != nil {
		return err
	}
	if err := <-errs; err != nil {
		return err
	}
	return h.WaitActive(ctx, topic, fmt.Sprintf("s%d", to-1))
}

// Footprint measures binary size, start-up time to the first 201 and idle
// RSS with cfg.Footprint subscriptions, against the baseline's produce
// handler (which has no subscriptions).
func (r *Run) Footprint(ctx context.Context, k *Kafka) error {
	scenario := "footprint/" + k.Name
	r.report.Reference[scenario] = TargetBaseline
	hermesRound, baselineRound := 0, 0
	hermes := func(warm bool, rec recorder) error {
		hermesRound++
		dir, err := r.tempDir("footprint")
		if err != nil {
			return err
		}
		topic := fmt.Sprintf("footprint%d-%s", hermesRound, r.id)
		q := "bench." + topic
		// A first process creates the topic; the measured one restarts on
		// the same data directory, as `make run` does after the first time.
		h, err := StartHermes(r.bin, k, dir)
		if err != nil {
			return err
		}
		err = h.CreateTopic(ctx, "bench", topic)
		h.Stop()
		if err != nil {
			return err
		}
		if h, err = StartHermes(r.bin, k, dir); err != nil {
			return err
		}
		defer h.Stop()
		if err := r.startup(ctx, h.Proc, h.PublishURL(q), rec); err != nil {
			return err
		}
		if warm {
			return nil
		}
		created := 0
		var rss0, rss int64
		var g0, g int
		brokerPorts := k.Ports()
		for _, n := range r.cfg.Footprint {
			if err := r.createSubscriptions(ctx, h, q, "/footprint/", created, n); err != nil {
				return err
			}
			created = n
			cpu := r.idle(h.Proc)
			rss = h.RSS()
			if g, err = h.Goroutines(ctx); err != nil {
				return err
			}
			if n == 0 {
				rss0, g0 = rss, g
			}
			rec(fmt.Sprintf("RSS, %d subscriptions", n), "MiB", float64(rss)/(1<<20))
			rec(fmt.Sprintf("idle CPU, %d subscriptions", n), "%", cpu)
			rec(fmt.Sprintf("goroutines, %d subscriptions", n), "", float64(g))
			rec(fmt.Sprintf("Kafka connections, %d subscriptions", n), "", float64(h.Connections(brokerPorts)))
		}
		if created > 0 {
			rec(fmt.Sprintf("RSS per idle subscription (%d)", created), "KiB", float64(rss-rss0)/float64(created)/1024)
			rec(fmt.Sprintf("goroutines per idle subscription (%d)", created), "", float64(g-g0)/float64(created))
		}
		return nil
	}
	baseline := func(_ bool, rec recorder) error {
		baselineRound++
		topic := fmt.Sprintf("bench-baseline-footprint%d-%s", baselineRound, r.id)
		if err := k.CreateTopic(ctx, topic); err != nil {
			return err
		}
		p, err := r.startBaseline("produce", "-mode", "produce", "-brokers", k.Brokers, "-topic", topic)
		if err != nil {
			return err
		}
		defer p.Stop()
		if err := r.startup(ctx, p, p.URL("baseline"), rec); err != nil {
			return err
		}
		cpu := r.idle(p)
		rec("RSS, 0 subscriptions", "MiB", float64(p.RSS())/(1<<20))
		rec("idle CPU, 0 subscriptions", "%", cpu)
		return nil
	}
	for name, bin := range map[string]string{TargetHermes: r.bin.Hermes, TargetBaseline: r.bin.Baseline} {
		st, err := os.Stat(bin)
		if err != nil {
			return err
		}
		r.report.Add(scenario, name, "binary size", "MiB", float64(st.Size())/(1<<20))
	}
	return r.rounds(scenario, target{TargetHermes, hermes}, target{TargetBaseline, baseline})
}

// idle waits cfg.Settle for the process to calm down (new subscriptions
// are still joining their groups), then returns the CPU p used during one
// more cfg.Settle, in percent of one core.
func (r *Run) idle(p *Proc) float64 {
	time.Sleep(r.cfg.Settle)
	cpu := p.CPU()
	time.Sleep(r.cfg.Settle)
	return 100 * (p.CPU() - cpu).Seconds() / r.cfg.Settle.Seconds()
}

// startup publishes to url until a 201 and records the time since p was
// started.
func (r *Run) startup(ctx context.Context, p *Proc, url string, rec recorder) error {
	client := &http.Client{Timeout: 5 * time.Second}
	body := Body(r.cfg.BodySize, time.Now())
	if !poll(ctx, r.cfg.Timeout, func() bool { return send.Post(ctx, client, url, body) }) {
		return fmt.Errorf("%s: no 201 from %s", p.Name, url)
	}
	rec("start-up to first 201", "ms", ms(time.Since(p.Started)))
	return nil
}

// Scenarios are the scenario names Main accepts, in run order.
var Scenarios = []string{"publish", "delivery", "fanout", "footprint", "density", "durability", "metrics", "mirror"}

// RunScenarios runs the named scenarios on k.
func (r *Run) RunScenarios(ctx context.Context, k *Kafka, names []string) error {
	fns := map[string]func(context.Context, *Kafka) error{
		"publish": r.Publish, "delivery": r.Delivery, "fanout": r.FanOut, "footprint": r.Footprint, "density": r.Density,
		"durability": r.Durability, "metrics": r.MetricsFootprint, "mirror": r.Mirror,
	}
	for _, name := range Scenarios {
		if !slices.Contains(names, name) {
			continue
		}
		r.progress("== %s on %s", name, k.Name)
		if err := fns[name](ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// ResultsDir is where `make bench` writes its JSON.
func ResultsDir() string { return filepath.Join(ModuleRoot(), "test", "bench", "results") }

// Execute builds the binaries and runs the named scenarios on a kfake
// broker started here and, when realKafka lists brokers, publish,
// delivery and density on that Kafka too. The scratch directory is removed at the end.
func Execute(ctx context.Context, cfg Config, names []string, realKafka []string) (*Report, error) {
	report := NewReport()
	dir, err := os.MkdirTemp("", "hermes-bench-")
	if err != nil {
		return report, err
	}
	defer os.RemoveAll(dir)
	bin, err := Build(ctx, dir)
	if err != nil {
		return report, err
	}
	sink, err := StartSink()
	if err != nil {
		return report, err
	}
	defer sink.Close()
	k, err := StartKfake()
	if err != nil {
		return report, err
	}
	defer k.Close()
	run := NewRun(cfg, bin, report, sink, dir)
	if err := run.RunScenarios(ctx, k, names); err != nil {
		return report, err
	}
	if len(realKafka) == 0 {
		report.Note("real Kafka: skipped: no real Kafka (HERMES_TEST_KAFKA is unset; bash test/infra/kafka.sh start)")
		return report, nil
	}
	real, err := ConnectKafka("kafka", realKafka)
	if err != nil {
		return report, err
	}
	defer real.Close()
	return report, run.RunScenarios(ctx, real, slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		return n != "publish" && n != "delivery" && n != "density"
	}))
}
