package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetricsReader = (*Query)(nil)

// QueryConfig configures Query. Zero fields take the defaults given.
type QueryConfig struct {
	// URL is the Prometheus server's base URL, e.g.
	// "http://prometheus:9090" (Hermes's
	// prometheus.client.externalMonitoringUrl). Required.
	URL string
	// FrontendPrefix and ConsumersPrefix are the writers' Config prefixes.
	// Defaults "hermes_frontend" and "hermes_consumers".
	FrontendPrefix, ConsumersPrefix string
	// Timeout bounds each query. Default 5s.
	Timeout time.Duration
}

// Query is a ports.MetricsReader over the Prometheus HTTP API
// (/api/v1/query), reading what Prometheus scraped from Metrics' Handler,
// with the queries Hermes's management uses:
//
//	total: sum(<name>_total{group="g", topic="t", ...})
//	rate:  sum(irate(<name>_total{group="g", topic="t", ...}[1m]))
//
// Series names and labels are Metrics.Series'. A status_code label of the
// form "2xx" is matched as status_code=~"2.*", so the status codes Hermes
// itself exposes ("200", "503") are counted too.
type Query struct {
	base   *url.URL
	names  *Metrics
	client *http.Client
}

// NewQuery returns a Query; nothing is requested before the first read.
func NewQuery(cfg QueryConfig) (*Query, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus: query url %q: want e.g. http://prometheus:9090: %w", cfg.URL, domain.ErrValidation)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/query"
	names := New(Config{FrontendPrefix: cfg.FrontendPrefix, ConsumersPrefix: cfg.ConsumersPrefix}, slog.New(slog.DiscardHandler))
	return &Query{base: u, names: names, client: &http.Client{Timeout: cfg.Timeout}}, nil
}

// Total implements ports.MetricsReader.
func (q *Query) Total(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	return q.query(ctx, "sum("+q.selector(name, labels)+")")
}

// Rate implements ports.MetricsReader.
func (q *Query) Rate(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	return q.query(ctx, "sum(irate("+q.selector(name, labels)+"[1m]))")
}

// selector renders a counter's series selector.
func (q *Query) selector(name string, labels ports.Labels) string {
	series, labels := q.names.Series(name, labels)
	matchers := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v, op := labels[k], "="
		if k == "status_code" && len(v) == 3 && strings.HasSuffix(v, "xx") {
			v, op = v[:1]+".*", "=~"
		}
		matchers = append(matchers, sanitize(k)+op+strconv.Quote(v))
	}
	return series + "_total{" + strings.Join(matchers, ", ") + "}"
}

// queryResponse is the part of an instant query's answer Query reads.
type queryResponse struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Value [2]json.RawMessage `json:"value"` // [unix seconds, "value"]
		} `json:"result"`
	} `json:"data"`
}

// query runs an instant query and sums its vector; an empty vector is 0.
func (q *Query) query(ctx context.Context, promQL string) (float64, error) {
	fail := func(err error) (float64, error) {
		return 0, fmt.Errorf("prometheus: query %s: %w: %w", promQL, domain.ErrUnavailable, err)
	}
	u := *q.base
	u.RawQuery = url.Values{"query": {promQL}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err)
	}
	resp, err := q.client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body queryResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return fail(fmt.Errorf("status %s: %w", resp.Status, err))
	}
	if resp.StatusCode != http.StatusOK || body.Status != "success" {
		return fail(fmt.Errorf("status %s: %s", resp.Status, body.Error))
	}
	if body.Data.ResultType != "vector" {
		return fail(fmt.Errorf("result type %q, want vector", body.Data.ResultType))
	}
	var sum float64
	for _, r := range body.Data.Result {
		var s string
		if err := json.Unmarshal(r.Value[1], &s); err != nil {
			return fail(err)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fail(err)
		}
		sum += v
	}
	return sum, nil
}
