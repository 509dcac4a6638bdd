package graphite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetricsReader = (*Render)(nil)

// RenderConfig configures Render. Zero fields take the defaults given.
type RenderConfig struct {
	// URL is graphite-web's base URL, e.g. "http://graphite:8080". Required.
	URL string
	// Prefix is the writers' Config.Prefix. Default "stats.tech.hermes".
	Prefix string
	// Timeout bounds each render request. Default 5s.
	Timeout time.Duration
}

// Render is a ports.MetricsReader over graphite-web's render API
// (/render?format=json), for the counters Metrics writes as "<path>.count"
// cumulative totals. Carbon must aggregate those series with max into
// coarser archives (test/infra/carbon.sh configures it so), as the whisper
// package does.
type Render struct {
	base   *url.URL
	prefix string
	client *http.Client
}

// NewRender returns a Render; nothing is requested before the first read.
func NewRender(cfg RenderConfig) (*Render, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "stats.tech.hermes"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("graphite: render url %q: want e.g. http://graphite:8080: %w", cfg.URL, domain.ErrValidation)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/render"
	return &Render{base: u, prefix: cfg.Prefix, client: &http.Client{Timeout: cfg.Timeout}}, nil
}

// Total implements ports.MetricsReader: the newest value of the last ten
// minutes, or else of the last year.
func (r *Render) Total(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	target := Path(r.prefix, name, labels) + ".count"
	for _, from := range []string{"-10min", "-1y"} {
		series, err := r.render(ctx, target, from)
		if err != nil {
			return 0, err
		}
		var total float64
		found := false
		for _, s := range series {
			if v, ok := s.last(); ok {
				total += v
				found = true
			}
		}
		if found {
			return total, nil
		}
	}
	return 0, nil
}

// Rate implements ports.MetricsReader: graphite-web's perSecond over the
// last minute (which skips a drop to a lower total, a writer restart),
// averaged.
func (r *Render) Rate(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	series, err := r.render(ctx, "perSecond("+Path(r.prefix, name, labels)+".count)", "-1min")
	if err != nil {
		return 0, err
	}
	var rate float64
	for _, s := range series {
		var sum float64
		n := 0
		for _, p := range s.Datapoints {
			if p[0] != nil {
				sum += *p[0]
				n++
			}
		}
		if n > 0 {
			rate += sum / float64(n)
		}
	}
	return rate, nil
}

// renderSeries is one series of a render JSON answer: datapoints are
// [value or null, unix seconds].
type renderSeries struct {
	Target     string        `json:"target"`
	Datapoints [][2]*float64 `json:"datapoints"`
}

func (s renderSeries) last() (float64, bool) {
	for i := len(s.Datapoints) - 1; i >= 0; i-- {
		if v := s.Datapoints[i][0]; v != nil {
			return *v, true
		}
	}
	return 0, false
}

func (r *Render) render(ctx context.Context, target, from string) ([]renderSeries, error) {
	u := *r.base
	u.RawQuery = url.Values{"target": {target}, "from": {from}, "until": {"now"}, "format": {"json"}}.Encode()
	fail := func(err error) error {
		return fmt.Errorf("graphite: render %s: %w: %w", target, domain.ErrUnavailable, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail(err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, fail(fmt.Errorf("status %s", resp.Status))
	}
	var series []renderSeries
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&series); err != nil {
		return nil, fail(err)
	}
	return series, nil
}
