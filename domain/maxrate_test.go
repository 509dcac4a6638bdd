package domain_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func instance(id string, maxRate float64, history ...float64) domain.InstanceRate {
	return domain.InstanceRate{ConsumerID: id, MaxRate: maxRate, History: history}
}

func TestMaxRateBalance(t *testing.T) {
	t.Parallel()
	s := domain.DefaultMaxRateSettings()
	tests := []struct {
		name      string
		rate      float64
		instances []domain.InstanceRate
		want      map[string]float64 // nil: no change
		check     func(t *testing.T, got map[string]float64)
	}{
		{name: "no instances", rate: 100},
		{name: "equal shares initially", rate: 100,
			instances: []domain.InstanceRate{instance("a", 0), instance("b", 0)},
			want:      map[string]float64{"a": 50, "b": 50}},
		{name: "a newcomer restarts the distribution", rate: 100,
			instances: []domain.InstanceRate{instance("a", 99, 1), instance("b", 1, 0), instance("c", 0)},
			want:      map[string]float64{"a": 100.0 / 3, "b": 100.0 / 3, "c": 100.0 / 3}},
		{name: "rate per instance at most 1 gives min max rate", rate: 2,
			instances: []domain.InstanceRate{instance("a", 1.5, 1), instance("b", 0.5, 1), instance("c", 0.5, 1)},
			want:      map[string]float64{"a": 1, "b": 1, "c": 1}},
		{name: "policy rate changed", rate: 200,
			instances: []domain.InstanceRate{instance("a", 50, 0.7), instance("b", 50, 0.99)},
			want:      map[string]float64{"a": 100, "b": 100}},
		{name: "nobody busy: no change", rate: 100,
			instances: []domain.InstanceRate{instance("a", 50, 0.7), instance("b", 50, 0.7)}},
		{name: "from not busy to busy", rate: 100,
			instances: []domain.InstanceRate{instance("busy", 70, 1, 1, 1), instance("idle", 30, 0.2, 0.3, 0.5)},
			check: func(t *testing.T, got map[string]float64) {
				assert.Less(t, got["idle"], 29.0)
				assert.Greater(t, got["busy"], 71.0)
			}},
		{name: "everything from an unoccupied instance", rate: 200,
			instances: []domain.InstanceRate{instance("a", 100, 0), instance("b", 100, 1)},
			want:      map[string]float64{"a": 1, "b": 199}},
		{name: "min max rate is kept", rate: 200,
			instances: []domain.InstanceRate{instance("i1", 1, 0), instance("i2", 1, 0), instance("b1", 99, 1), instance("b2", 99, 1)},
			want:      map[string]float64{"i1": 1, "i2": 1, "b1": 99, "b2": 99}},
		{name: "an instance without history keeps its max", rate: 100,
			instances: []domain.InstanceRate{instance("a", 50, 1), instance("b", 50)},
			want:      map[string]float64{"a": 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := s.Balance(tt.rate, tt.instances)
			if tt.check != nil {
				require.True(t, changed)
				tt.check(t, got)
				return
			}
			require.Equal(t, tt.want != nil, changed, "%v", got)
			require.Len(t, got, len(tt.want))
			for id, want := range tt.want {
				assert.InDelta(t, want, got[id], 1e-9, id)
			}
		})
	}
}

// Two busy instances converge to equal shares from any split, as in
// Hermes's balancer test; the sum stays the subscription's rate.
func TestMaxRateBalanceConvergesForBusyInstances(t *testing.T) {
	t.Parallel()
	s := domain.DefaultMaxRateSettings()
	const rate = 100.0
	for _, start := range [][2]float64{{99.9, 0.1}, {99, 1}, {95, 5}, {80, 20}, {60, 40}, {52, 48}, {50, 50}} {
		t.Run(fmt.Sprint(start), func(t *testing.T) {
			t.Parallel()
			a, b := start[0], start[1]
			for range 100 {
				got, changed := s.Balance(rate, []domain.InstanceRate{instance("a", a, 1, 1, 1), instance("b", b, 1, 1, 1)})
				require.True(t, changed)
				a, b = got["a"], got["b"]
				require.InDelta(t, rate, a+b, 1e-6, "the sum is kept")
				if math.Abs(a-b) <= rate*s.MinAllowedChangePercent/100 {
					return
				}
			}
			t.Fatalf("no convergence: %g and %g", a, b)
		})
	}
}

// A busy instance next to an idle one ends up with almost all the rate.
func TestMaxRateBalanceMovesRateToTheBusyInstance(t *testing.T) {
	t.Parallel()
	s := domain.DefaultMaxRateSettings()
	busy, idle := 50.0, 50.0
	for range 10 {
		got, changed := s.Balance(100, []domain.InstanceRate{instance("busy", busy, 1), instance("idle", idle, 0.05)})
		if !changed {
			break
		}
		busy, idle = got["busy"], got["idle"]
	}
	assert.InDelta(t, 100, busy+idle, 1e-6)
	assert.Greater(t, busy, 90.0)
	assert.GreaterOrEqual(t, idle, s.MinMaxRate)
}

func TestMaxRateHistory(t *testing.T) {
	t.Parallel()
	s := domain.DefaultMaxRateSettings()
	assert.Equal(t, []float64{0.5}, s.Record([]float64{0.9}, 0.5), "history size 1 keeps the newest")
	s.HistorySize = 3
	assert.Equal(t, []float64{0.1, 0.2, 0.3}, s.Record([]float64{0.2, 0.3, 0.4}, 0.1))
	assert.Equal(t, []float64{0.1}, s.Record(nil, 0.1))

	assert.True(t, s.Significant(-1, 0.5), "nothing published yet")
	assert.True(t, s.Significant(0.5, 0.6))
	assert.False(t, s.Significant(0.5, 0.55))

	assert.InDelta(t, 0.5, domain.UsedRatio(5, 10), 1e-9)
	assert.InDelta(t, 1, domain.UsedRatio(12, 10), 1e-9, "at most 1")
	assert.InDelta(t, 0.5, domain.UsedRatio(0.5, 0.2), 1e-9, "max below 1 counts as 1")
	assert.InDelta(t, 25, s.DefaultShare(100, 4), 1e-9)
	assert.InDelta(t, 1, s.DefaultShare(2, 4), 1e-9)
}

func TestMaxRateSettingsValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, domain.DefaultMaxRateSettings().Validate())
	for name, mutate := range map[string]func(*domain.MaxRateSettings){
		"busy tolerance":          func(s *domain.MaxRateSettings) { s.BusyTolerance = 1 },
		"min max rate":            func(s *domain.MaxRateSettings) { s.MinMaxRate = 0 },
		"significant above busy":  func(s *domain.MaxRateSettings) { s.MinSignificantUpdatePercent = 10 },
		"history size":            func(s *domain.MaxRateSettings) { s.HistorySize = 0 },
		"negative change percent": func(s *domain.MaxRateSettings) { s.MinAllowedChangePercent = -1 },
	} {
		s := domain.DefaultMaxRateSettings()
		mutate(&s)
		assert.ErrorIs(t, s.Validate(), domain.ErrValidation, name)
	}
}
