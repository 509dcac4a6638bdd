package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name   string
		policy domain.SubscriptionPolicy
		want   []time.Duration // attempts 1, 2, ...
	}{
		{"defaults are constant", domain.DefaultSubscriptionPolicy(), []time.Duration{100 * ms, 100 * ms, 100 * ms}},
		{"doubling", domain.SubscriptionPolicy{MessageBackoff: 100, BackoffMultiplier: 2, BackoffMaxIntervalInSec: 600},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms}},
		{"capped", domain.SubscriptionPolicy{MessageBackoff: 400, BackoffMultiplier: 10, BackoffMaxIntervalInSec: 10},
			[]time.Duration{400 * ms, 4 * time.Second, 10 * time.Second, 10 * time.Second}},
		{"zero backoff", domain.SubscriptionPolicy{MessageBackoff: 0, BackoffMultiplier: 3, BackoffMaxIntervalInSec: 10},
			[]time.Duration{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for i, want := range tt.want {
				assert.Equal(t, want, tt.policy.Backoff(i+1), "attempt %d", i+1)
			}
		})
	}
	// Many attempts stay at the cap (and return quickly).
	p := domain.SubscriptionPolicy{MessageBackoff: 1, BackoffMultiplier: 2, BackoffMaxIntervalInSec: 1}
	assert.Equal(t, time.Second, p.Backoff(1_000_000))
}

// Hermes keeps the backoff in whole milliseconds (each step truncated) and
// caps only from the second retry on.
func TestBackoffMatchesHermesArithmetic(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	frac := domain.SubscriptionPolicy{MessageBackoff: 100, BackoffMultiplier: 1.5, BackoffMaxIntervalInSec: 600}
	overCap := domain.SubscriptionPolicy{MessageBackoff: 700_000, BackoffMultiplier: 1, BackoffMaxIntervalInSec: 600}
	got := []time.Duration{frac.Backoff(4), frac.Backoff(5), overCap.Backoff(1), overCap.Backoff(2)}
	want := []time.Duration{337 * ms, 505 * ms, 700 * time.Second, 600 * time.Second}
	assert.Equal(t, want, got)
}

func TestDecide(t *testing.T) {
	t.Parallel()
	readAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := readAt.Add(10 * time.Second)
	policy := domain.DefaultSubscriptionPolicy() // ttl 3600 s, backoff 100 ms
	policy.BackoffMultiplier = 2
	retrying := policy
	retrying.RetryClientErrors = true
	shortTTL := policy
	shortTTL.MessageTTL = 10
	zeroTTL := policy
	zeroTTL.MessageTTL = 0

	tests := []struct {
		name    string
		policy  domain.SubscriptionPolicy
		result  domain.SendResult
		attempt int
		now     time.Time
		oauth   bool
		want    domain.RetryDecision
	}{
		{"200 delivered", policy, domain.SendResult{StatusCode: 200}, 1, now, false, domain.RetryDecision{Verdict: domain.Delivered}},
		{"204 delivered", policy, domain.SendResult{StatusCode: 204}, 1, now, false, domain.RetryDecision{Verdict: domain.Delivered}},
		{"500 retried with backoff", policy, domain.SendResult{StatusCode: 500}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"500 third retry grows", policy, domain.SendResult{StatusCode: 500}, 3, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 400 * time.Millisecond, SlowsRate: true}},
		{"timeout retried", policy, domain.SendResult{Timeout: true, Err: errors.New("t")}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"connection error retried", policy, domain.SendResult{Err: errors.New("refused")}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"301 retried", policy, domain.SendResult{StatusCode: 301}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"400 discarded", policy, domain.SendResult{StatusCode: 400}, 1, now, false, domain.RetryDecision{Verdict: domain.Discard}},
		{"404 discarded", policy, domain.SendResult{StatusCode: 404}, 1, now, false, domain.RetryDecision{Verdict: domain.Discard}},
		{"400 retried with retryClientErrors", retrying, domain.SendResult{StatusCode: 400}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"401 discarded without oauth", policy, domain.SendResult{StatusCode: 401}, 1, now, false, domain.RetryDecision{Verdict: domain.Discard}},
		{"401 retried with oauth", policy, domain.SendResult{StatusCode: 401}, 1, now, true,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"403 discarded with oauth", policy, domain.SendResult{StatusCode: 403}, 1, now, true, domain.RetryDecision{Verdict: domain.Discard}},
		{"503 without Retry-After", policy, domain.SendResult{StatusCode: 503}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"503 with Retry-After", policy, domain.SendResult{StatusCode: 503, RetryAfter: 5 * time.Second, HasRetryAfter: true}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 5 * time.Second}},
		{"503 with Retry-After 0", policy, domain.SendResult{StatusCode: 503, HasRetryAfter: true}, 3, now, false,
			domain.RetryDecision{Verdict: domain.Retry}},
		{"503 Retry-After capped at ttl then discarded", policy, domain.SendResult{StatusCode: 503, RetryAfter: 2 * time.Hour, HasRetryAfter: true}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Discard}},
		{"500 Retry-After ignored", policy, domain.SendResult{StatusCode: 500, RetryAfter: 5 * time.Second, HasRetryAfter: true}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"429 with Retry-After discarded", policy, domain.SendResult{StatusCode: 429, RetryAfter: 2 * time.Second, HasRetryAfter: true}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Discard}},
		{"429 without Retry-After discarded", policy, domain.SendResult{StatusCode: 429}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Discard}},
		{"429 with Retry-After and retryClientErrors", retrying, domain.SendResult{StatusCode: 429, RetryAfter: 2 * time.Second, HasRetryAfter: true}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 2 * time.Second}},
		{"429 without Retry-After and retryClientErrors", retrying, domain.SendResult{StatusCode: 429}, 1, now, false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"ttl exceeded", shortTTL, domain.SendResult{StatusCode: 500}, 1, readAt.Add(10*time.Second - time.Millisecond), false,
			domain.RetryDecision{Verdict: domain.Discard, SlowsRate: true}},
		{"ttl just reached", shortTTL, domain.SendResult{StatusCode: 500}, 1, readAt.Add(10*time.Second - 100*time.Millisecond), false,
			domain.RetryDecision{Verdict: domain.Retry, Delay: 100 * time.Millisecond, SlowsRate: true}},
		{"zero ttl", zeroTTL, domain.SendResult{StatusCode: 500}, 1, readAt, false,
			domain.RetryDecision{Verdict: domain.Discard, SlowsRate: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.policy.Decide(tt.result, tt.attempt, readAt, tt.now, tt.oauth))
		})
	}
}

func TestSendResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r          domain.SendResult
		ok, client bool
		reason     string
	}{
		{domain.SendResult{StatusCode: 200}, true, false, ""},
		{domain.SendResult{StatusCode: 299}, true, false, ""},
		{domain.SendResult{StatusCode: 300}, false, false, "Message sending failed with status code: 300"},
		{domain.SendResult{StatusCode: 404}, false, true, "Message sending failed with status code: 404"},
		{domain.SendResult{StatusCode: 503}, false, false, "Message sending failed with status code: 503"},
		{domain.SendResult{Timeout: true, Err: errors.New("deadline")}, false, false, "Message sending failed: timeout"},
		{domain.SendResult{Err: errors.New("connection refused")}, false, false, "Message sending failed: connection refused"},
		{domain.SendResult{}, false, false, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ok, tt.r.Succeeded(), "%+v", tt.r)
		assert.Equal(t, tt.client, tt.r.ClientError(), "%+v", tt.r)
		if !tt.ok { // Reason is defined for failed attempts only.
			assert.Equal(t, tt.reason, tt.r.Reason(), "%+v", tt.r)
		}
	}
}
