package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// MaxRateConfig tunes how the consumer instances serving one serial
// subscription share its rate (Hermes's consumer.maxrate.*).
type MaxRateConfig struct {
	// Settings are the balancing parameters (default
	// domain.DefaultMaxRateSettings).
	Settings domain.MaxRateSettings
	// UpdateInterval is how often an instance publishes its used ratio and
	// reads its max (Hermes: 15s).
	UpdateInterval time.Duration
	// BalanceInterval is how often the balancing instance recomputes
	// every instance's max (Hermes: 30s).
	BalanceInterval time.Duration
}

func (c MaxRateConfig) withDefaults() MaxRateConfig {
	if c.Settings == (domain.MaxRateSettings{}) {
		c.Settings = domain.DefaultMaxRateSettings()
	}
	if c.UpdateInterval <= 0 {
		c.UpdateInterval = 15 * time.Second
	}
	if c.BalanceInterval <= 0 {
		c.BalanceInterval = 30 * time.Second
	}
	return c
}

type maxRateRegistration struct {
	registry   ports.MaxRateRegistry
	instanceID string
}

// ShareMaxRate makes this Deliverer one of the consumer instances sharing
// each serial subscription's rate through registry, as instanceID (unique
// among the instances, e.g. host and process). Call it before Run; without
// it every instance may send at the subscription's whole rate. Batch
// subscriptions are not rate limited, as in Hermes.
func (d *Deliverer) ShareMaxRate(registry ports.MaxRateRegistry, instanceID string) *Deliverer {
	d.maxRates = maxRateRegistration{registry: registry, instanceID: instanceID}
	return d
}

// maxRateShare is one instance's part in one subscription's negotiation
// (Hermes's NegotiatedMaxRateProvider, plus the MaxRateCalculator run by
// the instance with the lowest id among those serving the subscription,
// which needs no election beyond the registry's listing: two instances
// that both think they balance write similar maxes and the next round
// settles it).
type maxRateShare struct {
	*delivery
	mu       sync.Mutex // one of update and balance at a time
	registry ports.MaxRateRegistry
	id       string
	name     domain.SubscriptionName
	settings domain.MaxRateSettings
	// rate is the subscription's rate, the sum of the shares.
	rate float64

	history     []float64
	published   float64 // last published used ratio; -1 before the first
	publishedAt time.Time
	measuredAt  time.Time
}

// shareMaxRate joins the negotiation of the limiter's max rate, which then
// runs on the Deliverer's periodic goroutines (an idle subscription costs
// no goroutine or ticker of its own for it), and returns what leaves it.
// The join is bounded by CommitTimeout: a registry that does not answer
// delays the subscription's start by that much at most, and it then sends
// up to the whole rate until the next update.
func (dl *delivery) shareMaxRate(ctx context.Context) (leave func()) {
	cfg := dl.cfg.MaxRate
	s := &maxRateShare{delivery: dl, registry: dl.maxRates.registry, id: dl.maxRates.instanceID, name: dl.sub.QualifiedName(),
		settings: cfg.Settings, rate: float64(max(dl.sub.Serial.Rate, 1)), published: -1}
	jctx, cancel := context.WithTimeout(ctx, dl.cfg.CommitTimeout)
	s.join(jctx)
	cancel()
	// update and balance run on two goroutines; mu keeps them one at a time,
	// as they were on the subscription's own goroutine.
	stopUpdates := dl.maxRateUpdates.add(func(ctx context.Context) { s.mu.Lock(); defer s.mu.Unlock(); s.update(ctx) })
	stopBalances := dl.maxRateBalances.add(func(ctx context.Context) { s.mu.Lock(); defer s.mu.Unlock(); s.balance(ctx) })
	return func() {
		stopUpdates()
		stopBalances()
		s.mu.Lock() // a round in progress ends before the lease does
		defer s.mu.Unlock()
		s.leave(ctx)
	}
}

// join registers the instance and starts from its assigned max, else from
// an equal share. Hermes starts every instance at minMaxRate (1/s) until
// the next balance, up to 30s later; an equal share is what that balance
// assigns to a newcomer, without the stall. While the registry cannot be
// reached the instance keeps the whole rate: delivering beats throttling.
func (s *maxRateShare) join(ctx context.Context) {
	s.measuredAt = time.Now()
	if err := s.registry.WriteHistory(ctx, s.name, s.id, nil); err != nil {
		s.log.Warn("registering for the max rate failed; sending up to the whole rate", "err", err)
		return
	}
	s.publishedAt = time.Now()
	instances, err := s.registry.Instances(ctx, s.name)
	if err != nil {
		s.log.Warn("reading max rates failed; sending up to the whole rate", "err", err)
		return
	}
	m := s.settings.DefaultShare(s.rate, len(instances))
	for _, in := range instances {
		if in.ConsumerID == s.id && in.MaxRate > 0 {
			m = in.MaxRate
		}
	}
	s.apply(m)
	s.balance(ctx)
}

// update publishes the used ratio when it moved significantly (and at
// least every balance interval, which renews a lease lost with a backend
// session) and reads the max the balancer assigned.
func (s *maxRateShare) update(ctx context.Context) {
	now := time.Now()
	maxRate, permits := s.limiter.takePermits()
	actual := float64(permits) / now.Sub(s.measuredAt).Seconds()
	ratio := domain.UsedRatio(actual, maxRate)
	s.measuredAt = now
	s.metrics.Gauge("max-rate.actual-rate", s.labels, actual)
	significant := s.settings.Significant(s.published, ratio)
	if significant || now.Sub(s.publishedAt) >= s.cfg.MaxRate.BalanceInterval {
		history := s.history
		if significant {
			history = s.settings.Record(s.history, ratio)
		}
		if err := s.registry.WriteHistory(ctx, s.name, s.id, history); err != nil {
			s.metrics.Count("max-rate.history-update.failures", s.labels, 1)
			s.log.Warn("publishing the used rate failed", "err", err)
		} else {
			s.history, s.publishedAt = history, now
			if significant {
				s.published = ratio
			}
		}
	}
	m, err := s.registry.MaxRate(ctx, s.name, s.id)
	switch {
	case err == nil:
		s.apply(m)
	case !errors.Is(err, domain.ErrNotFound) && ctx.Err() == nil:
		s.metrics.Count("max-rate.fetch.failures", s.labels, 1)
		s.log.Warn("reading the max rate failed; keeping the last one", "err", err)
	}
}

// balance recomputes every instance's max when this instance has the
// lowest id among those serving the subscription.
func (s *maxRateShare) balance(ctx context.Context) {
	instances, err := s.registry.Instances(ctx, s.name)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reading max rates failed", "err", err)
		}
		return
	}
	if len(instances) == 0 || instances[0].ConsumerID != s.id {
		return
	}
	rates, changed := s.settings.Balance(s.rate, instances)
	if !changed {
		return
	}
	if err := s.registry.SetMaxRates(ctx, s.name, rates); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("writing max rates failed", "err", err)
		}
		return
	}
	s.log.Debug("max rates balanced", "max_rates", rates)
	if m, ok := rates[s.id]; ok {
		s.apply(m)
	}
}

func (s *maxRateShare) apply(m float64) {
	s.limiter.setMax(m)
	s.metrics.Gauge("max-rate.calculated-rate", s.labels, m)
}

// leave ends the instance's lease at once, so the others need not wait for
// a backend session to expire; bounded by CommitTimeout.
func (s *maxRateShare) leave(ctx context.Context) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.CommitTimeout)
	defer cancel()
	if err := s.registry.Leave(lctx, s.name, s.id); err != nil {
		s.log.Warn("leaving the max rate negotiation failed", "err", err)
	}
}
