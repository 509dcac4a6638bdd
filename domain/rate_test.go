package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

func TestRateNext(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	const maxRate = 100.0
	normal := func(r float64) domain.OutputRate { return domain.OutputRate{Rate: r, Mode: domain.RateNormal} }
	slow := domain.OutputRate{Rate: 1, Mode: domain.RateSlow}
	heartbeat := domain.OutputRate{Rate: 1.0 / 60, Mode: domain.RateHeartbeat}
	counts := func(s, f int) domain.SendCounts { return domain.SendCounts{Successes: s, Failures: f} }
	tests := []struct {
		name   string
		cur    domain.OutputRate
		counts domain.SendCounts
		want   domain.OutputRate
	}{
		{"normal climbs by the convergence factor", normal(50), counts(100, 0), normal(60)},
		{"normal climbs with no traffic", normal(50), counts(0, 0), normal(60)},
		{"normal climbs within the speed-up tolerance", normal(50), counts(100, 1), normal(60)},
		{"normal at max stays", normal(100), counts(100, 0), normal(100)},
		{"normal above max is capped", normal(150), counts(100, 0), normal(100)},
		{"normal keeps rate between tolerances", normal(50), counts(97, 3), normal(50)},
		{"normal slows above the no-change tolerance", normal(50), counts(90, 10), normal(40)},
		{"normal slowing never goes under slow rate", normal(1.1), counts(90, 10), normal(1)},
		{"normal with majority of failures goes slow", normal(50), counts(4, 6), slow},
		{"normal with equal counts only slows", normal(50), counts(5, 5), normal(40)},
		{"slow with majority of failures goes heartbeat", slow, counts(0, 3), heartbeat},
		{"slow with only successes goes normal", slow, counts(3, 0), domain.OutputRate{Rate: 1, Mode: domain.RateNormal}},
		{"slow with mixed results stays", slow, counts(3, 2), slow},
		{"slow with no traffic stays", slow, counts(0, 0), slow},
		{"heartbeat with only successes goes slow", heartbeat, counts(1, 0), slow},
		{"heartbeat with a failure stays", heartbeat, counts(5, 1), heartbeat},
		{"heartbeat with no traffic stays", heartbeat, counts(0, 0), heartbeat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.Next(tt.cur, maxRate, tt.counts)
			assert.Equal(t, tt.want.Mode, got.Mode)
			assert.InDelta(t, tt.want.Rate, got.Rate, 1e-9)
		})
	}
}

func TestRateSlowModeCappedByMax(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	got := s.Next(domain.OutputRate{Rate: 0.5, Mode: domain.RateNormal}, 0.5, domain.SendCounts{Failures: 5})
	assert.Equal(t, domain.OutputRate{Rate: 0.5, Mode: domain.RateSlow}, got)
}

func TestRateInitialAndConvergence(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	r := s.InitialRate(400)
	assert.Equal(t, domain.RateNormal, r.Mode)
	assert.InDelta(t, 400*0.36, r.Rate, 1e-9, "two NORMAL steps from zero, as Hermes creates then adjusts its limiter")
	for range 40 {
		r = s.Next(r, 400, domain.SendCounts{Successes: 10})
	}
	assert.InDelta(t, 400, r.Rate, 0.1)
}

func TestRateSettingsModeRates(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	assert.InDelta(t, 1, s.SlowRate(), 1e-9)
	assert.InDelta(t, 1.0/60, s.HeartbeatRate(), 1e-9)
	s.SlowModeDelay = 100 * time.Millisecond
	assert.InDelta(t, 10, s.SlowRate(), 1e-9)
}

// TestRateAccounting checks every row of Hermes's result classification
// table (hermes-api.md §4.3): retried or not, and whether the attempt slows
// the output rate (a failure the rate calculator ignores counts as success).
func TestRateAccounting(t *testing.T) {
	t.Parallel()
	readAt := time.Unix(1000, 0)
	retryAfter := func(status int) domain.SendResult {
		return domain.SendResult{StatusCode: status, RetryAfter: 2 * time.Second, HasRetryAfter: true}
	}
	tests := []struct {
		name              string
		res               domain.SendResult
		retryClientErrors bool
		oauth             bool
		verdict           domain.Verdict
		slows             bool
		delay             time.Duration
	}{
		{"2xx", domain.SendResult{StatusCode: 204}, false, false, domain.Delivered, false, 0},
		{"4xx discarded", domain.SendResult{StatusCode: 400}, false, false, domain.Discard, false, 0},
		{"4xx retried with retryClientErrors", domain.SendResult{StatusCode: 400}, true, false, domain.Retry, true, 100 * time.Millisecond},
		{"401 with oauth retried", domain.SendResult{StatusCode: 401}, false, true, domain.Retry, true, 100 * time.Millisecond},
		{"429 discarded", domain.SendResult{StatusCode: 429}, false, false, domain.Discard, false, 0},
		{"429 retried with retryClientErrors", domain.SendResult{StatusCode: 429}, true, false, domain.Retry, true, 100 * time.Millisecond},
		{"429 with Retry-After discarded", retryAfter(429), false, false, domain.Discard, false, 0},
		{"429 with Retry-After retried later", retryAfter(429), true, false, domain.Retry, false, 2 * time.Second},
		{"500 retried", domain.SendResult{StatusCode: 500}, false, false, domain.Retry, true, 100 * time.Millisecond},
		{"timeout retried", domain.SendResult{Timeout: true}, false, false, domain.Retry, true, 100 * time.Millisecond},
		{"connection error retried", domain.SendResult{Err: assert.AnError}, false, false, domain.Retry, true, 100 * time.Millisecond},
		{"503 retried", domain.SendResult{StatusCode: 503}, false, false, domain.Retry, true, 100 * time.Millisecond},
		{"503 with Retry-After retried later", retryAfter(503), false, false, domain.Retry, false, 2 * time.Second},
		{"500 Retry-After ignored", retryAfter(500), false, false, domain.Retry, true, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := domain.DefaultSubscriptionPolicy()
			p.RetryClientErrors = tt.retryClientErrors
			d := p.Decide(tt.res, 1, readAt, readAt, tt.oauth)
			assert.Equal(t, tt.verdict, d.Verdict)
			assert.Equal(t, tt.slows, !tt.res.Succeeded() && d.SlowsRate, "slows rate")
			assert.Equal(t, tt.delay, d.Delay)
		})
	}
}

func TestRetryAfterBoundedByTTL(t *testing.T) {
	t.Parallel()
	p := domain.DefaultSubscriptionPolicy()
	p.MessageTTL = 5
	readAt := time.Unix(1000, 0)
	res := domain.SendResult{StatusCode: 503, RetryAfter: time.Hour, HasRetryAfter: true}
	assert.Equal(t, domain.RetryDecision{Verdict: domain.Retry, Delay: 5 * time.Second}, p.Decide(res, 1, readAt, readAt, false))
	assert.Equal(t, domain.Discard, p.Decide(res, 1, readAt, readAt.Add(time.Millisecond), false).Verdict,
		"a retry that would end past messageTtl discards")
}
