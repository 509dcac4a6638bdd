package kafka

import (
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hermes-go/hermes/domain"
)

// Embedded is an in-process single-broker Kafka (kfake) for the zero-config
// default and tests. It speaks the Kafka protocol on 127.0.0.1, so the
// Producer, Admin and ConsumerFactory use it like a real cluster.
type Embedded struct {
	cluster *kfake.Cluster
}

// StartEmbedded starts a one-broker cluster listening on 127.0.0.1:port
// (port 0 picks a free port; read it from Addrs). With a non-empty dataDir
// topics, records and committed offsets are persisted there and reloaded by
// the next StartEmbedded on the same dir; with "" everything is in memory.
//
// Retention is applied every 30 s (kfake's default is once an hour), and
// group session timeouts down to 1 s are allowed so tests rebalance fast.
func StartEmbedded(dataDir string, port int) (*Embedded, error) {
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.DefaultNumPartitions(DefaultConfig().Partitions),
		kfake.GroupMinSessionTimeout(time.Second),
		kfake.BrokerConfigs(map[string]string{
			"log.cleaner.backoff.ms": "30000",
			// Room for the largest topic maxMessageSize plus its wrapper.
			"message.max.bytes": strconv.Itoa(domain.MaxMessageSize + wrapperOverhead),
		}),
	}
	if dataDir != "" {
		opts = append(opts, kfake.DataDir(dataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: start embedded broker on port %d: %w", port, err)
	}
	return &Embedded{cluster: c}, nil
}

// Addrs returns the broker's host:port, for Config.Brokers.
func (e *Embedded) Addrs() []string { return e.cluster.ListenAddrs() }

// Close stops the broker, flushing persisted state. Idempotent.
func (e *Embedded) Close() {
	e.cluster.Close()
}
