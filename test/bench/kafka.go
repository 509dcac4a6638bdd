package bench

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
)

// Partitions of every topic a run creates: Hermes-Go's default
// (message_store.partitions), given to the baselines' topics too.
const Partitions = 3

// Kafka is the one cluster both sides of a comparison use: an in-process
// kfake broker, or a real one.
type Kafka struct {
	Name    string // "kfake" or "kafka"
	Brokers string // comma-separated, as HERMES_MESSAGE_STORE__BROKERS takes them
	cluster *kfake.Cluster
	cl      *kgo.Client
	adm     *kadm.Client
}

// StartKfake starts a one-broker kfake cluster on 127.0.0.1, configured as
// Hermes-Go's embedded broker is.
func StartKfake() (*Kafka, error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(Partitions),
		kfake.GroupMinSessionTimeout(time.Second))
	if err != nil {
		return nil, fmt.Errorf("bench: start kfake: %w", err)
	}
	k, err := ConnectKafka("kfake", c.ListenAddrs())
	if err != nil {
		c.Close()
		return nil, err
	}
	k.cluster = c
	return k, nil
}

// ConnectKafka uses the cluster at brokers.
func ConnectKafka(name string, brokers []string) (*Kafka, error) {
	// Linger 0: the harness's paced produces must leave at once, or the
	// latency it measures would include kgo's default 10 ms linger.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerLinger(0),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	if err != nil {
		return nil, fmt.Errorf("bench: connect %s: %w", name, err)
	}
	return &Kafka{Name: name, Brokers: strings.Join(brokers, ","), cl: cl, adm: kadm.NewClient(cl)}, nil
}

// CreateTopic creates a Kafka topic with Partitions partitions.
func (k *Kafka) CreateTopic(ctx context.Context, topic string) error {
	resp, err := k.adm.CreateTopic(ctx, Partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("bench: create topic %q: %w", topic, err)
	}
	return nil
}

// Produce writes n records of size bytes to topic and waits for their
// acks. With hermesFormat the values are what Hermes-Go's frontend writes
// (the JSON wrapper and the id header), otherwise bare bodies.
func (k *Kafka) Produce(ctx context.Context, topic string, n, size int, hermesFormat bool) error {
	rs := make([]*kgo.Record, n)
	for i := range rs {
		rs[i] = Record(topic, size, hermesFormat)
	}
	if err := k.cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		return fmt.Errorf("bench: produce to %q: %w", topic, err)
	}
	return nil
}

// ProduceAsync writes r without waiting; errors are counted into failed.
func (k *Kafka) ProduceAsync(ctx context.Context, r *kgo.Record, failed func()) {
	k.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
		if err != nil {
			failed()
		}
	})
}

// Record is one message stamped now (see Body), for topic.
func Record(topic string, size int, hermesFormat bool) *kgo.Record {
	now := time.Now()
	body := Body(size, now)
	if !hermesFormat {
		return &kgo.Record{Topic: topic, Value: body}
	}
	id := uuid.NewString()
	return &kgo.Record{Topic: topic, Value: domain.WrapJSON(domain.Message{ID: id, Timestamp: now, Body: body}),
		Headers: []kgo.RecordHeader{{Key: "id", Value: []byte(id)}}}
}

// Close disconnects and stops kfake if it was started here.
func (k *Kafka) Close() {
	k.cl.Close()
	if k.cluster != nil {
		k.cluster.Close()
	}
}

// Ports are the brokers' TCP ports.
func (k *Kafka) Ports() []int {
	var out []int
	for _, b := range strings.Split(k.Brokers, ",") {
		if _, port, err := net.SplitHostPort(b); err == nil {
			if n, err := strconv.Atoi(port); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
