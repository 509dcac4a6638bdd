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
	// changed is closed, and replaced, when the rate changes: every waiter
	// then reserves its permit again at the new rate.
	changed chan struct{}
}

func newRateLimiter(settings domain.RateSettings, maxRate int) *rateLimiter {
	l := &rateLimiter{settings: settings, maxRate: float64(max(maxRate, 1)), changed: make(chan struct{})}
	l.cur = settings.InitialRate(l.maxRate)
	return l
}

// acquire waits for a permit; it returns false when ctx ended first.
// beforeWait, when not nil, is called once before it waits at all.
//
// Each waiter reserves the next free permit time, so concurrent waiters
// (one per message in flight) are spaced at the rate. A reservation holds
// only while the rate stays: reserved at the HEARTBEAT rate (one a minute),
// the last of 100 waiters would otherwise still wait 100 minutes after the
// subscriber recovered.
func (l *rateLimiter) acquire(ctx context.Context, beforeWait func()) bool {
	for {
		l.mu.Lock()
		now := time.Now()
		at := l.next
		if at.Before(now) {
			at = now
		}
		l.next = at.Add(time.Duration(float64(time.Second) / l.cur.Rate))
		changed := l.changed
		wait := at.Sub(now)
		if wait <= 0 {
			l.permits++
			l.mu.Unlock()
			return ctx.Err() == nil
		}
		l.mu.Unlock()
		if beforeWait != nil {
			beforeWait()
			beforeWait = nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-changed:
			t.Stop()
			continue
		case <-t.C:
		}
		l.mu.Lock()
		l.permits++
		l.mu.Unlock()
		return true
	}
}

// rateChanged lets the waiters reserve again after the rate moved from
// prev (l.mu held). A slower rate postpones the next permit by a whole new
// interval, so a subscriber that just died is not sent the next burst at
// the old rate; a faster one frees it at once.
func (l *rateLimiter) rateChanged(prev float64) {
	if l.cur.Rate == prev {
		return
	}
	now := time.Now()
	if l.cur.Rate < prev {
		l.next = now.Add(time.Duration(float64(time.Second) / l.cur.Rate))
	} else {
		l.next = now
	}
	close(l.changed)
	l.changed = make(chan struct{})
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
// counts (see rateChanged for the permits already reserved).
func (l *rateLimiter) adjust() domain.OutputRate {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.cur.Rate
	l.cur = l.settings.Next(l.cur, l.maxRate, l.counts)
	l.counts = domain.SendCounts{}
	l.rateChanged(prev)
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
	prev := l.cur.Rate
	l.cur.Rate = min(l.cur.Rate, m)
	l.rateChanged(prev)
}

// takePermits returns the max rate and the permits handed out since the
// last call, and restarts the count.
func (l *rateLimiter) takePermits() (maxRate float64, permits int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	permits, l.permits = l.permits, 0
	return l.maxRate, permits
}
