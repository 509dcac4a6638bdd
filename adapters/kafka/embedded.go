package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hermes-go/hermes/domain"
)

// Embedded is an in-process single-broker Kafka (kfake) for the zero-config
// default and tests. It speaks the Kafka protocol on 127.0.0.1, so the
// Producer, Admin and ConsumerFactory use it like a real cluster.
//
// With a data dir it reports, as a ports.HealthCheck, whether it can write
// there: a full disk or an unwritable directory makes it DOWN until a probe
// of the directory succeeds again (see ProbeInterval).
type Embedded struct {
	cluster *kfake.Cluster
	dataDir string
	log     *slog.Logger
	health  writeHealth
	// syncWrites is WithSyncWrites.
	syncWrites bool

	probe     chan struct{} // wakes the probe at an outage's start
	stopProbe context.CancelFunc
	probeDone chan struct{}
}

// StartEmbedded starts a one-broker cluster listening on 127.0.0.1:port
// (port 0 picks a free port; read it from Addrs). With a non-empty dataDir
// topics, records and committed offsets are persisted there and reloaded by
// the next StartEmbedded on the same dir; with "" everything is in memory.
//
// Retention is applied every 30 s (kfake's default is once an hour), and
// group session timeouts down to 1 s are allowed so tests rebalance fast.
func StartEmbedded(dataDir string, port int, opts ...EmbeddedOption) (*Embedded, error) {
	e := &Embedded{dataDir: dataDir, log: slog.Default(), probe: make(chan struct{}, 1), probeDone: make(chan struct{})}
	for _, o := range opts {
		o(e)
	}
	kopts := []kfake.Opt{
		kfake.Ports(port),
		kfake.DefaultNumPartitions(DefaultConfig().Partitions),
		kfake.GroupMinSessionTimeout(time.Second),
		kfake.BrokerConfigs(map[string]string{
			"log.cleaner.backoff.ms": "30000",
			// Room for the largest topic maxMessageSize plus its wrapper.
			"message.max.bytes": strconv.Itoa(domain.MaxMessageSize + wrapperOverhead),
		}),
		kfake.WithLogger(kfakeLogger{e}),
	}
	if dataDir != "" {
		if err := quarantineUnloadable(dataDir, e.log); err != nil {
			return nil, err
		}
		kopts = append(kopts, kfake.DataDir(dataDir))
		if e.syncWrites {
			kopts = append(kopts, kfake.SyncWrites())
		}
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: start embedded broker on port %d: %w", port, err)
	}
	e.cluster = c
	ctx, cancel := context.WithCancel(context.Background())
	e.stopProbe = cancel
	if dataDir == "" {
		close(e.probeDone)
	} else {
		go e.runProbe(ctx)
	}
	return e, nil
}

// Addrs returns the broker's host:port, for Config.Brokers.
func (e *Embedded) Addrs() []string { return e.cluster.ListenAddrs() }

// Close stops the broker, flushing persisted state. Idempotent.
func (e *Embedded) Close() {
	e.stopProbe()
	<-e.probeDone
	e.cluster.Close()
}
