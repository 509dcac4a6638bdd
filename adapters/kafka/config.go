package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
)

// DefaultMaxMessageBytes is Hermes's management.topic.maxMessageSize: the
// smallest max.message.bytes given to a store topic.
const DefaultMaxMessageBytes = 1024 * 1024

// wrapperOverhead is room for the JSON wrapper and record headers on top
// of a topic's maxMessageSize.
const wrapperOverhead = 64 * 1024

// Config configures the Kafka clients.
type Config struct {
	// Brokers are the seed brokers, host:port. Default ["127.0.0.1:9092"].
	Brokers []string
	// Namespace prefixes every Kafka topic and consumer group. Default "".
	Namespace string
	// NamespaceSeparator joins Namespace and the topic name. Default "_".
	NamespaceSeparator string
	// Partitions is the partition count of new store topics. Default 3
	// (Hermes's management default is 10; 3 keeps the embedded broker
	// light, set 10 for parity with a Hermes cluster).
	Partitions int
	// ReplicationFactor of new store topics. Default 1.
	ReplicationFactor int16
	// MaxMessageBytes is the least max.message.bytes of a store topic and
	// the producer's batch limit. Default DefaultMaxMessageBytes (1 MiB),
	// as Hermes: a topic gets max(MaxMessageBytes, maxMessageSize+64 KiB).
	MaxMessageBytes int
	// ClusterName names this cluster in retransmission reports. Default
	// "primary-dc".
	ClusterName string
	// ClientID is the Kafka client id. Default "hermes-go".
	ClientID string
	// SessionTimeout is the consumer group session timeout: how long a
	// consumer that died without leaving keeps its partitions. Default 10s.
	SessionTimeout time.Duration
	// HeartbeatInterval is how often a consumer heartbeats its group.
	// Default a tenth of SessionTimeout.
	HeartbeatInterval time.Duration
	// RebalanceTimeout bounds how long members may take to rejoin a
	// rebalancing group. Default 10s.
	RebalanceTimeout time.Duration
	// MaxPollRecords bounds the messages one Poll returns. Default 500.
	MaxPollRecords int
	// CompressionCodec compresses the producer's batches: one of
	// CompressionCodecs. Default "none", as Hermes's
	// frontend.kafka.producer.compressionCodec (franz-go's own default
	// is snappy).
	CompressionCodec string
}

// CompressionCodecs are the producer compression codecs by Kafka's
// compression.type names.
var CompressionCodecs = map[string]kgo.CompressionCodec{
	"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
	"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	return Config{
		Brokers:            []string{"127.0.0.1:9092"},
		NamespaceSeparator: "_",
		Partitions:         3,
		ReplicationFactor:  1,
		MaxMessageBytes:    DefaultMaxMessageBytes,
		ClusterName:        "primary-dc",
		ClientID:           "hermes-go",
		SessionTimeout:     10 * time.Second,
		RebalanceTimeout:   10 * time.Second,
		MaxPollRecords:     500,
		CompressionCodec:   "none",
	}
}

// withDefaults fills zero fields from DefaultConfig, so callers may set
// only Brokers.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if len(c.Brokers) == 0 {
		c.Brokers = d.Brokers
	}
	if c.NamespaceSeparator == "" {
		c.NamespaceSeparator = d.NamespaceSeparator
	}
	if c.Partitions <= 0 {
		c.Partitions = d.Partitions
	}
	if c.ReplicationFactor <= 0 {
		c.ReplicationFactor = d.ReplicationFactor
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = d.MaxMessageBytes
	}
	if c.ClusterName == "" {
		c.ClusterName = d.ClusterName
	}
	if c.ClientID == "" {
		c.ClientID = d.ClientID
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = d.SessionTimeout
	}
	if c.HeartbeatInterval <= 0 || c.HeartbeatInterval >= c.SessionTimeout {
		c.HeartbeatInterval = c.SessionTimeout / 10
	}
	if c.RebalanceTimeout <= 0 {
		c.RebalanceTimeout = d.RebalanceTimeout
	}
	if c.MaxPollRecords <= 0 {
		c.MaxPollRecords = d.MaxPollRecords
	}
	if c.CompressionCodec == "" {
		c.CompressionCodec = d.CompressionCodec
	}
	return c
}

func (c Config) topicName(t domain.TopicName) string {
	return domain.KafkaTopicName(c.Namespace, c.NamespaceSeparator, t)
}

// NameLimits are the longest names this message store can hold: Kafka's
// topic name limit (domain.MaxStoreTopicName) less the namespace prefix.
func (c Config) NameLimits() domain.NameLimits {
	c = c.withDefaults()
	prefix := len(domain.KafkaTopicName(c.Namespace, c.NamespaceSeparator, domain.TopicName{})) - 1
	return domain.NameLimits{MaxQualifiedTopic: domain.MaxStoreTopicName - prefix}
}

func (c Config) groupID(s domain.SubscriptionName) string {
	return domain.ConsumerGroupID(c.Namespace, s)
}

// maxMessageBytes is a topic's max.message.bytes. It never goes below
// MaxMessageBytes because Hermes does not enforce maxMessageSize on publish
// by default, and because a broker rejects a whole batch that is too large
// (KAFKA-8202), so the limit must cover the producer's batches.
func (c Config) maxMessageBytes(maxMessageSize int) int {
	return max(c.MaxMessageBytes, maxMessageSize+wrapperOverhead)
}

// clientOpts are the options every client of this package shares.
func (c Config) clientOpts(log *slog.Logger) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(c.ClientID),
		kgo.WithLogger(slogAdapter{log}),
		// Notice deleted and recreated topics quickly instead of after 5 s.
		kgo.MetadataMinAge(time.Second),
	}
}

// slogAdapter routes kgo logs into slog (franz-go's plugin/kslog is a
// separate module; this is all it does).
type slogAdapter struct{ log *slog.Logger }

// Level keeps kgo's chatty info logs unless slog asks for debug.
func (a slogAdapter) Level() kgo.LogLevel {
	if a.log.Enabled(context.Background(), slog.LevelDebug) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (a slogAdapter) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l := slog.LevelDebug
	switch level {
	case kgo.LogLevelError:
		l = slog.LevelError
	case kgo.LogLevelWarn:
		l = slog.LevelWarn
	case kgo.LogLevelInfo:
		l = slog.LevelInfo
	}
	a.log.Log(context.Background(), l, msg, keyvals...)
}

// loggerOrDefault is log, or slog.Default() for nil. The caller names the
// component (app/wiring does): adding it here again doubled it on every line.
func loggerOrDefault(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}

// unavailable wraps err as domain.ErrUnavailable, or as
// domain.ErrTopicNotFound when Kafka says the topic does not exist.
func unavailable(op string, err error) error {
	if errors.Is(err, kerr.InvalidTopicException) {
		return fmt.Errorf("kafka: %s: %w: %w", op, domain.ErrValidation, err)
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
		return fmt.Errorf("kafka: %s: %w: %w", op, domain.ErrTopicNotFound, err)
	}
	return fmt.Errorf("kafka: %s: %w: %w", op, domain.ErrUnavailable, err)
}
