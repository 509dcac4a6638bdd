package bench

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// Targets of the embedded-store scenarios.
const (
	TargetNoSync   = "page cache (default)"
	TargetSync     = "sync_writes"
	TargetWhisper  = "whisper"
	embeddedTarget = "embedded"
)

// StartEmbeddedHermes runs the hermes binary as `make run` does: embedded
// broker, file metadata and whisper metrics under dataDir, plus env.
func StartEmbeddedHermes(bin Binaries, dataDir string, env ...string) (*Hermes, error) {
	p, err := StartProc("hermes", bin.Hermes, []string{"--data-dir", dataDir}, append([]string{
		"HERMES_FRONTEND__ADDR=127.0.0.1:0",
		"HERMES_MANAGEMENT__ADDR=127.0.0.1:0",
		"HERMES_CONSUMERS__ADDR=127.0.0.1:0",
	}, env...), "frontend", "management")
	if err != nil {
		return nil, err
	}
	return &Hermes{Proc: p}, nil
}

// Durability measures what message_store.embedded_sync_writes costs: the
// publish rate of the embedded default with and without an fsync per
// batch before the 201 (the ratio is against the default).
func (r *Run) Durability(ctx context.Context, _ *Kafka) error {
	scenario := "durability/" + embeddedTarget
	r.report.Reference[scenario] = TargetNoSync
	var targets []target
	for _, mode := range []struct {
		name string
		sync bool
	}{{TargetNoSync, false}, {TargetSync, true}} {
		dir, err := r.tempDir("durability")
		if err != nil {
			return err
		}
		h, err := StartEmbeddedHermes(r.bin, dir, fmt.Sprintf("HERMES_MESSAGE_STORE__EMBEDDED_SYNC_WRITES=%v", mode.sync))
		if err != nil {
			return err
		}
		defer h.Stop()
		topic := "durability-" + r.id
		if err := h.CreateTopic(ctx, "bench", topic); err != nil {
			return err
		}
		url := h.PublishURL("bench." + topic)
		body := Body(r.cfg.BodySize, time.Now())
		targets = append(targets, target{mode.name, func(_ bool, rec recorder) error {
			res := RunLoad(ctx, Load{URL: url, Body: body, Clients: r.cfg.Clients, Requests: r.cfg.Requests, Duration: r.cfg.Duration})
			if res.OK == 0 {
				return fmt.Errorf("no request succeeded (%d failed)", res.Failed)
			}
			rec("throughput", "req/s", res.Rate())
			rec("latency p50", "ms", ms(Quantile(res.Latencies, 0.50)))
			rec("latency p99", "ms", ms(Quantile(res.Latencies, 0.99)))
			return nil
		}})
	}
	return r.rounds(scenario, targets...)
}

// MetricsFootprint measures the disk the embedded metrics (whisper files)
// take per subscription after a short workload: one topic, then
// cfg.FanOut's last count of subscriptions each receiving messages.
func (r *Run) MetricsFootprint(ctx context.Context, _ *Kafka) error {
	scenario := "metrics footprint/" + embeddedTarget
	subs := r.cfg.FanOut[len(r.cfg.FanOut)-1]
	round := 0
	run := func(_ bool, rec recorder) error {
		round++
		dir, err := r.tempDir("whisper")
		if err != nil {
			return err
		}
		// Metrics are written every interval; a short one ends the run sooner.
		h, err := StartEmbeddedHermes(r.bin, dir, "HERMES_METRICS__INTERVAL=1s")
		if err != nil {
			return err
		}
		defer h.Stop()
		topic := fmt.Sprintf("whisper%d-%s", round, r.id)
		q, prefix := "bench."+topic, fmt.Sprintf("/whisper/%d/", round)
		if err := h.CreateTopic(ctx, "bench", topic); err != nil {
			return err
		}
		if err := r.publishN(ctx, h.PublishURL(q), 10); err != nil {
			return err
		}
		metrics := filepath.Join(dir, "metrics")
		topicOnly, err := r.settledSize(ctx, metrics)
		if err != nil {
			return err
		}
		r.sink.Reset(prefix)
		if err := r.createSubscriptions(ctx, h, q, prefix, 0, subs); err != nil {
			return err
		}
		if err := r.publishN(ctx, h.PublishURL(q), 10); err != nil {
			return err
		}
		if !r.sink.Wait(ctx, prefix, 10*subs, r.cfg.Timeout) {
			return fmt.Errorf("%d of %d deliveries arrived", r.sink.Count(prefix), 10*subs)
		}
		total, err := r.settledSize(ctx, metrics)
		if err != nil {
			return err
		}
		rec("whisper bytes, topic only", "KiB", float64(topicOnly)/1024)
		rec(fmt.Sprintf("whisper bytes, %d subscriptions", subs), "KiB", float64(total)/1024)
		rec("whisper bytes per subscription", "KiB", float64(total-topicOnly)/float64(subs)/1024)
		return nil
	}
	return r.rounds(scenario, target{TargetWhisper, run})
}

// publishN publishes n messages to url, each expecting a 201.
func (r *Run) publishN(ctx context.Context, url string, n int) error {
	res := RunLoad(ctx, Load{URL: url, Body: Body(r.cfg.BodySize, time.Now()), Clients: 1, Requests: n, Duration: r.cfg.Timeout})
	if res.OK != n {
		return fmt.Errorf("bench: %d of %d publishes to %s succeeded", res.OK, n, url)
	}
	return nil
}

// settledSize is the size of the files under dir once it stopped changing
// for three seconds (three metric intervals: the writer creates series as
// they appear).
func (r *Run) settledSize(ctx context.Context, dir string) (int64, error) {
	last, stable := int64(-1), 0
	deadline := time.Now().Add(r.cfg.Timeout)
	for stable < 3 {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return 0, fmt.Errorf("bench: %s kept changing (last %d bytes)", dir, last)
		}
		time.Sleep(time.Second)
		if n := dirSize(dir); n == last && n > 0 {
			stable++
		} else {
			stable, last = 0, n
		}
	}
	return last, nil
}

// dirSize is the apparent size of the files under dir, what they take
// once written out (whisper files are allocated at creation).
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}
