package domain

import "time"

// RateMode is the output rate calculator's mode (Hermes's
// OutputRateCalculator.Mode).
type RateMode string

// Rate modes: NORMAL follows the max rate, SLOW sends slowRate while most
// attempts fail, HEARTBEAT sends heartbeatRate while the subscriber stays dead.
const (
	RateNormal    RateMode = "NORMAL"
	RateSlow      RateMode = "SLOW"
	RateHeartbeat RateMode = "HEARTBEAT"
)

// RateSettings are Hermes's consumer.rate.* properties.
type RateSettings struct {
	// ConvergenceFactor is the share of the gap to the max rate won (or the
	// share of the rate lost) per period. Hermes: 0.2.
	ConvergenceFactor float64
	// SpeedUpTolerance is the failure ratio up to which the rate climbs.
	// Hermes: 0.01.
	SpeedUpTolerance float64
	// NoChangeTolerance is the failure ratio above which the rate drops.
	// Hermes: 0.05.
	NoChangeTolerance float64
	// SlowModeDelay is the pause between sends in SLOW mode (Hermes's code
	// default 1 s; its docs say 60 s).
	SlowModeDelay time.Duration
	// HeartbeatModeDelay is the pause between sends in HEARTBEAT mode.
	// Hermes: 60 s.
	HeartbeatModeDelay time.Duration
}

// DefaultRateSettings returns Hermes's code defaults.
func DefaultRateSettings() RateSettings {
	return RateSettings{
		ConvergenceFactor: 0.2, SpeedUpTolerance: 0.01, NoChangeTolerance: 0.05,
		SlowModeDelay: time.Second, HeartbeatModeDelay: time.Minute,
	}
}

// SlowRate is the SLOW mode rate in messages per second.
func (s RateSettings) SlowRate() float64 { return perSecond(s.SlowModeDelay) }

// HeartbeatRate is the HEARTBEAT mode rate in messages per second.
func (s RateSettings) HeartbeatRate() float64 { return perSecond(s.HeartbeatModeDelay) }

func perSecond(d time.Duration) float64 {
	if d <= 0 {
		return 1
	}
	return float64(time.Second) / float64(d)
}

// OutputRate is a subscription's current rate (messages per second) and mode.
type OutputRate struct {
	Rate float64
	Mode RateMode
}

// SendCounts are the outcomes of one supervisor period. Failures are the
// attempts that slow the rate (RetryDecision.SlowsRate); every other
// attempt counts as a success, as Hermes's ResilientMessageSender does.
type SendCounts struct {
	Successes int
	Failures  int
}

func (c SendCounts) failureRatioExceeds(r float64) bool {
	return c.Failures > 0 && float64(c.Failures)/float64(c.Failures+c.Successes) > r
}

func (c SendCounts) majorityOfFailures() bool { return c.Failures > c.Successes }
func (c SendCounts) onlySuccesses() bool      { return c.Successes > 0 && c.Failures == 0 }

// InitialRate is where a new consumer starts: the NORMAL calculation from
// zero, as Hermes's limiter is created (then adjusted once at start).
func (s RateSettings) InitialRate(maxRate float64) OutputRate {
	r := s.Next(OutputRate{Mode: RateNormal}, maxRate, SendCounts{})
	return s.Next(r, maxRate, SendCounts{})
}

// Next recomputes the rate after one supervisor period with counts c;
// maxRate is this consumer's share of the subscription's rate. The result
// never exceeds maxRate.
func (s RateSettings) Next(cur OutputRate, maxRate float64, c SendCounts) OutputRate {
	next := cur
	switch cur.Mode {
	case RateSlow:
		switch {
		case c.majorityOfFailures():
			next = OutputRate{Rate: s.HeartbeatRate(), Mode: RateHeartbeat}
		case c.onlySuccesses():
			next.Mode = RateNormal
		}
	case RateHeartbeat:
		if c.onlySuccesses() {
			next = OutputRate{Rate: s.SlowRate(), Mode: RateSlow}
		}
	default:
		next.Mode = RateNormal
		switch {
		case !c.failureRatioExceeds(s.SpeedUpTolerance) && cur.Rate < maxRate:
			next.Rate = min(maxRate, cur.Rate+(maxRate-cur.Rate)*s.ConvergenceFactor)
		case c.majorityOfFailures():
			next = OutputRate{Rate: s.SlowRate(), Mode: RateSlow}
		case c.failureRatioExceeds(s.NoChangeTolerance):
			next.Rate = max(s.SlowRate(), cur.Rate*(1-s.ConvergenceFactor))
		}
	}
	next.Rate = min(next.Rate, maxRate)
	return next
}
