package domain

import (
	"fmt"
	"math"
	"strings"
)

// MaxRateSettings are Hermes's consumer.maxrate.* properties: how the
// consumer instances serving one serial subscription share its rate
// (hermes-api.md §4.5). Every instance publishes a history of used ratios
// (its send rate over its current max); one instance balances the maxes.
type MaxRateSettings struct {
	// BusyTolerance: an instance whose mean used ratio is above
	// 1 - BusyTolerance is busy and gets rate from the others. Hermes: 0.1.
	BusyTolerance float64
	// MinMaxRate is the least max an instance keeps. Hermes: 1.0.
	MinMaxRate float64
	// MinAllowedChangePercent is the smallest change of a max, in percent
	// of the subscription's rate, worth making. Hermes: 1.0.
	MinAllowedChangePercent float64
	// MinSignificantUpdatePercent is how far, in percent, a used ratio must
	// move before it is published again. Hermes: 9.0.
	MinSignificantUpdatePercent float64
	// HistorySize is how many used ratios an instance publishes. Hermes: 1.
	HistorySize int
}

// DefaultMaxRateSettings returns Hermes's defaults.
func DefaultMaxRateSettings() MaxRateSettings {
	return MaxRateSettings{BusyTolerance: 0.1, MinMaxRate: 1, MinAllowedChangePercent: 1, MinSignificantUpdatePercent: 9, HistorySize: 1}
}

// Validate reports every setting out of range, including Hermes's rule
// that a significant update must be smaller than the busy tolerance (else
// an instance could turn busy without publishing it).
func (s MaxRateSettings) Validate() error {
	var problems []string
	if s.BusyTolerance <= 0 || s.BusyTolerance >= 1 {
		problems = append(problems, fmt.Sprintf("busy_tolerance %g: want between 0 and 1", s.BusyTolerance))
	}
	if s.MinMaxRate <= 0 {
		problems = append(problems, fmt.Sprintf("min_max_rate %g: want more than 0", s.MinMaxRate))
	}
	if s.MinAllowedChangePercent < 0 || s.MinSignificantUpdatePercent < 0 {
		problems = append(problems, "min_allowed_change_percent and min_significant_update_percent: want 0 or more")
	}
	if s.MinSignificantUpdatePercent/100 >= s.BusyTolerance {
		problems = append(problems, fmt.Sprintf("min_significant_update_percent %g: want below busy_tolerance × 100 (%g)",
			s.MinSignificantUpdatePercent, s.BusyTolerance*100))
	}
	if s.HistorySize < 1 {
		problems = append(problems, fmt.Sprintf("history_size %d: want 1 or more", s.HistorySize))
	}
	if len(problems) > 0 {
		return Errorf(ErrValidation, "max rate: %s", strings.Join(problems, "; "))
	}
	return nil
}

// InstanceRate is what one consumer instance serving a subscription
// reports (Hermes's ConsumerRateInfo).
type InstanceRate struct {
	ConsumerID string
	// MaxRate is the max the last balance assigned; 0 when none yet.
	MaxRate float64
	// History holds the instance's used ratios, newest first.
	History []float64
}

// UsedRatio is the share of maxRate an instance used, at most 1.
func UsedRatio(actualRate, maxRate float64) float64 {
	return min(actualRate/max(maxRate, 1), 1)
}

// Significant reports whether ratio moved far enough from the last
// published one (negative when none was) to be published.
func (s MaxRateSettings) Significant(last, ratio float64) bool {
	return last < 0 || math.Abs(last-ratio) > s.MinSignificantUpdatePercent/100
}

// Record returns history with ratio prepended, cut to HistorySize.
func (s MaxRateSettings) Record(history []float64, ratio float64) []float64 {
	out := append([]float64{ratio}, history...)
	return out[:min(len(out), max(s.HistorySize, 1))]
}

// DefaultShare is the max every instance gets when the balance starts
// over: an equal share, at least MinMaxRate.
func (s MaxRateSettings) DefaultShare(rate float64, instances int) float64 {
	return max(s.MinMaxRate, rate/float64(max(instances, 1)))
}

// Balance is Hermes's MaxRateBalancer: it returns the new max of the
// instances whose max changes, and false when nothing changes. Everyone
// gets DefaultShare when an instance has no max yet, when the rate per
// instance is at most 1, or when the maxes no longer add up to rate (the
// policy changed or an instance left). Otherwise instances whose mean used
// ratio is above 1 - BusyTolerance are busy; the others give away
// (2/(used+1) - 1) of their max (down to MinMaxRate), and busy instances
// above the equal share give some back; what is freed goes to the busy
// instances by their share.
func (s MaxRateSettings) Balance(rate float64, instances []InstanceRate) (map[string]float64, bool) {
	if len(instances) == 0 {
		return nil, false
	}
	if s.startOver(rate, instances) {
		out := make(map[string]float64, len(instances))
		for _, in := range instances {
			out[in.ConsumerID] = s.DefaultShare(rate, len(instances))
		}
		return out, true
	}
	var busy, idle []InstanceRate
	for _, in := range instances {
		switch {
		case s.busy(in.History):
			busy = append(busy, in)
		case len(in.History) > 0:
			idle = append(idle, in)
		}
	}
	if len(busy) == 0 {
		return nil, false
	}
	minChange := s.MinAllowedChangePercent / 100 * rate
	out := map[string]float64{}
	freed := 0.0
	for _, in := range idle {
		give := s.giveAway(in, minChange)
		out[in.ConsumerID] = in.MaxRate - give
		freed += give
	}
	balanceBusy(busy, freed, minChange, out)
	return out, true
}

// allowedDistributionError is how far the sum of maxes may be from the
// subscription's rate before the balance starts over (Hermes: 1.0).
const allowedDistributionError = 1.0

func (s MaxRateSettings) startOver(rate float64, instances []InstanceRate) bool {
	sum := 0.0
	for _, in := range instances {
		if in.MaxRate <= 0 {
			return true
		}
		sum += in.MaxRate
	}
	return rate/float64(len(instances)) <= 1 || math.Abs(sum-rate) > allowedDistributionError
}

func (s MaxRateSettings) busy(history []float64) bool {
	if len(history) == 0 {
		return false
	}
	sum := 0.0
	for _, r := range history {
		sum += r
	}
	return sum/float64(len(history)) > 1-s.BusyTolerance
}

// giveAway is what a not busy instance releases, judged by its newest
// used ratio: nothing when the change is too small, never below MinMaxRate.
func (s MaxRateSettings) giveAway(in InstanceRate, minChange float64) float64 {
	change := (2/(in.History[0]+1) - 1) * in.MaxRate
	if change <= minChange {
		change = 0
	}
	if in.MaxRate-change > s.MinMaxRate {
		return change
	}
	return in.MaxRate - s.MinMaxRate
}

// balanceBusy moves rate among the busy instances: the greedy ones (above
// the equal share by more than minChange) give part of their excess, and
// freed plus that excess goes to the others in proportion to their max.
func balanceBusy(busy []InstanceRate, freed, minChange float64, out map[string]float64) {
	sum := 0.0
	for _, in := range busy {
		sum += in.MaxRate
	}
	if len(busy) == 1 {
		out[busy[0].ConsumerID] = busy[0].MaxRate + freed
		return
	}
	equal := sum / float64(len(busy))
	var modest []InstanceRate
	modestSum := 0.0
	for _, in := range busy {
		if in.MaxRate <= equal+minChange {
			modest = append(modest, in)
			modestSum += in.MaxRate
			continue
		}
		share := in.MaxRate / sum
		take := max(in.MaxRate/2*(2/(share+1)-1), minChange)
		if in.MaxRate-take <= equal {
			take = in.MaxRate - equal
		}
		out[in.ConsumerID] = in.MaxRate - take
		freed += take
	}
	for _, in := range modest {
		out[in.ConsumerID] = in.MaxRate
		if modestSum > 0 {
			out[in.ConsumerID] += in.MaxRate / modestSum * freed
		}
	}
}
