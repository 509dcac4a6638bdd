package app

import (
	"context"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// rateLimiter is one subscription's output rate: a token bucket acquired
// before every send attempt (first sends and retries, as Hermes), whose
// rate the supervisor recomputes every period from the period's outcomes
// (domain.RateSettings.Next).
//
// The max rate starts as the subscription policy's rate; when instances
// share it (Deliverer.ShareMaxRate) it is this instance's negotiated share
// (setMax, hermes-api.md §4.5).
type rateLimiter struct {
	settings domain.RateSettings

	mu      sync.Mutex
	maxRate float64
	cur     domain.OutputRate
	counts  domain.SendCounts
	// permits counts the permits handed out since takePermits, the actual
	// send rate the max rate negotiation measures.
	permits int
	// next is when the next permit is free. Unlike Guava's bursty limiter
	// no unused permits are stored: a limiter idle for a while still spaces
	// its sends.
	next time.Time
}

func newRateLimiter(settings domain.RateSettings, maxRate int) *rateLimiter {
	l := &rateLimiter{settings: settings, maxRate: float64(max(maxRate, 1))}
	l.cur = settings.InitialRate(l.maxRate)
	return l
}

// acquire waits for a permit; it returns false when ctx ended first.
func (l *rateLimiter) acquire(ctx context.Context) bool {
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(time.Duration(float64(time.Second) / l.cur.Rate))
	l.permits++
	l.mu.Unlock()
	if wait := time.Until(at); wait > 0 {
		return sleep(ctx, wait)
	}
	return ctx.Err() == nil
}

// record counts one attempt's outcome for the current period.
func (l *rateLimiter) record(slowsRate bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if slowsRate {
		l.counts.Failures++
	} else {
		l.counts.Successes++
	}
}

// adjust ends a supervisor period: it recomputes the rate and resets the
// counts. A slower rate postpones the permit already handed out, so a
// subscriber that just died is not sent the next burst at the old rate.
func (l *rateLimiter) adjust() domain.OutputRate {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.cur
	l.cur = l.settings.Next(l.cur, l.maxRate, l.counts)
	l.counts = domain.SendCounts{}
	if l.cur.Rate < prev.Rate && !l.next.IsZero() {
		l.next = l.next.Add(time.Duration(float64(time.Second)/l.cur.Rate - float64(time.Second)/prev.Rate))
	}
	return l.cur
}

func (l *rateLimiter) current() domain.OutputRate {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// setMax changes the max rate; a current rate above it drops at once.
func (l *rateLimiter) setMax(m float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxRate = m
	l.cur.Rate = min(l.cur.Rate, m)
}

// takePermits returns the max rate and the permits handed out since the
// last call, and restarts the count.
func (l *rateLimiter) takePermits() (maxRate float64, permits int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	permits, l.permits = l.permits, 0
	return l.maxRate, permits
}
