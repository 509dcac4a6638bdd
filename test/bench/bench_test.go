package bench

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmoke runs every scenario with tiny sizes so the harness does not
// rot. It asserts that each figure was measured, never how fast.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs hermes")
	}
	cfg := Config{
		Rounds: 1, BodySize: 256,
		Clients: 2, Requests: 50, Duration: 2 * time.Second,
		Messages: 20, Rate: 50, RateDuration: 200 * time.Millisecond,
		FanOut: []int{1, 2}, FanOutMessages: 20,
		Footprint: []int{0, 2}, Settle: 10 * time.Millisecond,
		MirrorMessages: 200,
		Consumers:      []string{ConsumerGroup, ConsumerShared}, Density: []int{0, 2}, DensityTopics: 2, DensityRounds: 1,
		DensityTimeout: 30 * time.Second, DensityGroupLimit: 2,
		Timeout: 30 * time.Second,
	}
	if testing.Verbose() {
		cfg.Progress = os.Stderr
	}
	report, err := Execute(t.Context(), cfg, Scenarios, nil)
	require.NoError(t, err)
	path, err := report.WriteJSON(t.TempDir()) // also computes medians and ratios
	require.NoError(t, err)
	assert.FileExists(t, path)

	want := map[string][]string{
		"publish/kfake":              {TargetHermes, TargetProduce, TargetCeiling},
		"delivery/kfake":             {TargetHermes, TargetLoop},
		"fan-out/kfake/group":        {"1 subscription(s)", "2 subscription(s)"},
		"fan-out/kfake/shared":       {"1 subscription(s)", "2 subscription(s)"},
		"footprint/kfake":            {TargetHermes, TargetBaseline},
		"density/kfake":              {consumerTarget(ConsumerGroup), consumerTarget(ConsumerShared)},
		"durability/embedded":        {TargetNoSync, TargetSync},
		"metrics footprint/embedded": {TargetWhisper},
	}
	figures := map[string][]string{
		"publish/kfake":       {"throughput", "latency p50", "latency p99", "CPU per 10k"},
		"delivery/kfake":      {"throughput", "CPU per 10k", "e2e latency p50", "e2e latency p99"},
		"fan-out/kfake/group": {"throughput", "CPU per 10k"},
		"footprint/kfake":     {"binary size", "start-up to first 201", "RSS, 0 subscriptions"},
		"density/kfake": {"RSS, 0 subscriptions", "start-up until 2 running", "start-up until 2 delivered", "RSS, 2 subscriptions",
			"goroutines per idle subscription (2)", "Kafka connections, 2 subscriptions"},
		"durability/embedded":        {"throughput", "latency p50"},
		"metrics footprint/embedded": {"whisper bytes, topic only", "whisper bytes per subscription"},
	}
	for scenario, targets := range want {
		for _, target := range targets {
			for _, name := range figures[scenario] {
				f := report.Figure(scenario, target, name)
				if !assert.NotNil(t, f, "%s %s %s", scenario, target, name) {
					continue
				}
				assert.NotEmpty(t, f.Values)
				// CPU time comes in 10 ms ticks: tiny runs may read 0.
				if name != "CPU per 10k" {
					assert.Positive(t, f.Median, "%s %s %s", scenario, target, name)
				}
			}
		}
	}
	rss := report.Figure("footprint/kfake", TargetHermes, "RSS, 2 subscriptions")
	require.NotNil(t, rss)
	assert.Positive(t, rss.Median)
	assert.NotNil(t, report.Figure("footprint/kfake", TargetHermes, "RSS per idle subscription (2)"))
	assert.InDelta(t, 1, report.Figure("publish/kfake", TargetProduce, "throughput").Ratio, 1e-9, "the reference's ratio is 1")
	assertMirror(t, report, cfg.MirrorMessages)
	report.Print(testWriter{t})
}

// assertMirror checks that every Hermes mirror benchmark measured its
// figures and that the consumers delivered what the filter lets through.
func assertMirror(t *testing.T, report *Report, messages int) {
	t.Helper()
	for _, row := range mirrorRows {
		f := report.Figure(MirrorScenario, row.target, row.name)
		if assert.NotNil(t, f, "%s %s", row.target, row.name) {
			assert.Positive(t, f.Median, "%s %s", row.target, row.name)
		}
	}
	for target, want := range map[string]int{TargetMirrorCons: messages, TargetMirrorFilt: messages / 2} {
		f := report.Figure(MirrorScenario, target, "delivered")
		if assert.NotNil(t, f, target) {
			assert.Equal(t, []float64{float64(want)}, f.Values, "%s: every message passing the filter is sent once", target)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
