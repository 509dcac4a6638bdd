package prometheus_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metrics"
)

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// scrape returns the metric families the handler serves.
func scrape(m *prometheus.Metrics) (map[string]*dto.MetricFamily, error) {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/status/prometheus", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(rec.Body)
}

// read finds a metric in a scrape: a counter's value, a histogram's sample
// count or a gauge's value.
func read(m *prometheus.Metrics, name string, labels ports.Labels) (float64, bool) {
	fams, err := scrape(m)
	if err != nil {
		return 0, false
	}
	base, labels := m.Series(name, labels)
	for _, fname := range []string{base + "_total", base + "_seconds", base} {
		f, ok := fams[fname]
		if !ok {
			continue
		}
		for _, s := range f.GetMetric() {
			if !sameLabels(s.GetLabel(), labels) {
				continue
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func sameLabels(got []*dto.LabelPair, want ports.Labels) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}

func TestMetricsContract(t *testing.T) {
	metrics.Run(t, func(*testing.T) metrics.Harness {
		m := prometheus.New(prometheus.Config{}, testLogger())
		return metrics.Harness{
			Metrics: m,
			Read:    func(name string, labels ports.Labels) (float64, bool) { return read(m, name, labels) },
		}
	}, metrics.Features{})
}
