package app

import (
	"sync/atomic"
	"time"
)

// DefaultMaxCommitRate is how many offset commits a second the serial
// subscriptions of one consumer node make at most, together (see
// commitPace).
const DefaultMaxCommitRate = 200

// commitPace spreads the offset commits of a node's serial subscriptions
// so that together they make at most rate a second: each commits every
// CommitPeriod, or every running/rate seconds when more than rate times
// CommitPeriod subscriptions run (a resting one does not count). 1 000
// busy subscriptions committed 1 000 times a second, each a request to
// Kafka's group coordinator, a commit for every nine messages delivered
// in make bench's fan-out. With the default 200, up to 200 busy
// subscriptions still commit every second, 1 000 every 5 s, 10 000 every
// 50 s (Hermes commits every 60 s whatever their number). Not paced: the
// commit of a subscription that caught up (nothing in flight, nothing to
// poll), so a burst's end is committed at once and the subscription can
// rest, and those that end a delivery (a stop, a revoke).
type commitPace struct {
	period  time.Duration // CommitPeriod
	rate    float64       // commits a second; 0: unbounded
	running atomic.Int64  // serial loops not resting
}

// every is how often each running subscription commits now.
func (p *commitPace) every() time.Duration {
	if p.rate <= 0 {
		return p.period
	}
	return max(p.period, time.Duration(float64(p.running.Load())/p.rate*float64(time.Second)))
}

// due reports whether a subscription that last committed at last (zero:
// never) commits at a tick at now. Ticks come every period, so a commit
// half a period early is taken rather than put off to the next tick.
func (p *commitPace) due(last, now time.Time) bool {
	return last.IsZero() || now.Sub(last)+p.period/2 >= p.every()
}
