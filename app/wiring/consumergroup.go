package wiring

import (
	"fmt"
	"time"
)

// ConsumerGroupConfig tunes the Kafka consumer group each subscription's
// consumers join (consumers.group.*). The session timeout is how long a
// consumer that died without leaving (kill -9, a lost machine) keeps its
// partitions: nothing is delivered from them until the broker expires its
// session and rebalances them to the others. A clean stop leaves at once.
type ConsumerGroupConfig struct {
	// SessionTimeout: a member that sent no heartbeat for this long is
	// removed from the group (default 10s; Hermes: 200s). The broker
	// bounds it with group.min.session.timeout.ms and
	// group.max.session.timeout.ms (Kafka's defaults: 6s and 30m).
	SessionTimeout time.Duration `koanf:"session_timeout"`
	// HeartbeatInterval is how often a member tells the coordinator it is
	// alive; below SessionTimeout, typically a third of it or less
	// (default 1s; Hermes: 3s).
	HeartbeatInterval time.Duration `koanf:"heartbeat_interval"`
	// RebalanceTimeout bounds how long the members may take to rejoin a
	// rebalancing group; a member that takes longer is removed (default 10s).
	RebalanceTimeout time.Duration `koanf:"rebalance_timeout"`
}

func defaultConsumerGroup() ConsumerGroupConfig {
	return ConsumerGroupConfig{SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second, RebalanceTimeout: 10 * time.Second}
}

// problems lists what is wrong, each with the fix.
func (g ConsumerGroupConfig) problems() []error {
	var errs []error
	if g.SessionTimeout <= 0 || g.HeartbeatInterval <= 0 || g.RebalanceTimeout <= 0 {
		errs = append(errs, fmt.Errorf("consumers.group: session_timeout %s, heartbeat_interval %s, rebalance_timeout %s: want all above 0",
			g.SessionTimeout, g.HeartbeatInterval, g.RebalanceTimeout))
	} else if g.HeartbeatInterval >= g.SessionTimeout {
		errs = append(errs, fmt.Errorf("consumers.group.heartbeat_interval %s: want it below session_timeout %s (a third of it or less)",
			g.HeartbeatInterval, g.SessionTimeout))
	}
	return errs
}
