package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

func healthSub(batch bool) domain.Subscription {
	s := domain.NewSubscription()
	s.TopicName, s.Name, s.State = "g.t", "s", domain.StateActive
	if batch {
		s.Serial, s.Batch = nil, &domain.BatchSubscriptionPolicy{}
	}
	return s
}

func codes(h domain.SubscriptionHealth) []string {
	out := []string{}
	for _, p := range h.Problems {
		out = append(out, p.Code)
	}
	return out
}

// Hermes's indicators with their default thresholds.
func TestCheckHealth(t *testing.T) {
	th := domain.DefaultHealthThresholds()
	healthy := domain.HealthFigures{TopicRate: 10, SubscriptionRate: 10, Lag: 100}
	cases := []struct {
		name   string
		change func(*domain.HealthFigures)
		want   []string
	}{
		{"healthy", func(*domain.HealthFigures) {}, []string{}},
		{"lag over 600 s of topic rate", func(f *domain.HealthFigures) { f.Lag = 6001 }, []string{domain.ProblemLagging}},
		{"lag at 600 s of topic rate", func(f *domain.HealthFigures) { f.Lag = 6000 }, []string{}},
		{"lag without publishing", func(f *domain.HealthFigures) { f.Lag, f.TopicRate = 1<<40, 0 }, []string{}},
		{"other errors over half", func(f *domain.HealthFigures) { f.OtherErrors = 5.1 }, []string{domain.ProblemUnreachable}},
		{"timeouts over a tenth", func(f *domain.HealthFigures) { f.Timeouts = 1.1 }, []string{domain.ProblemTimingOut}},
		{"5xx over a tenth", func(f *domain.HealthFigures) { f.Codes5xx = 1.1 }, []string{domain.ProblemMalfunctioning}},
		{"4xx without retrying client errors", func(f *domain.HealthFigures) { f.Codes4xx = 5 }, []string{}},
		{"unreliable below 2/s", func(f *domain.HealthFigures) { f.SubscriptionRate, f.Codes5xx, f.Timeouts = 2, 2, 2 }, []string{}},
	}
	for _, c := range cases {
		f := healthy
		c.change(&f)
		h := domain.CheckHealth(healthSub(false), &f, th)
		assert.Equal(t, c.want, codes(h), c.name)
		if len(c.want) == 0 {
			assert.Equal(t, domain.HealthHealthy, h.Status, c.name)
		} else {
			assert.Equal(t, domain.HealthUnhealthy, h.Status, c.name)
		}
	}

	s := healthSub(false)
	s.Serial.RetryClientErrors = true
	f := healthy
	f.Codes4xx = 1.5
	h := domain.CheckHealth(s, &f, th)
	assert.Equal(t, []domain.HealthProblem{{Code: domain.ProblemReceivingMalformedMessages,
		Description: "Consuming service returns a lot of 4xx codes for subscription g.t$s, currently 2 4xx/s"}}, h.Problems)

	// A batch subscription's reliability is its batch rate.
	f = domain.HealthFigures{TopicRate: 10, SubscriptionRate: 100, BatchRate: 1, Codes5xx: 50}
	assert.Equal(t, domain.HealthHealthy, domain.CheckHealth(healthSub(true), &f, th).Status)

	f = healthy
	f.Lag = 7000
	h = domain.CheckHealth(healthSub(false), &f, th)
	assert.Equal(t, "Lag is growing on subscription g.t$s, current value is 7000 messages", h.Problems[0].Description)
	th.LaggingEnabled = false
	assert.Equal(t, domain.HealthHealthy, domain.CheckHealth(healthSub(false), &f, th).Status)

	assert.Equal(t, domain.SubscriptionHealth{Status: domain.HealthNoData, Problems: []domain.HealthProblem{}},
		domain.CheckHealth(healthSub(false), nil, th))
	suspended := healthSub(false)
	suspended.State = domain.StateSuspended
	assert.Equal(t, domain.HealthHealthy, domain.CheckHealth(suspended, nil, th).Status)
}
