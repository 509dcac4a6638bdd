package kafka_test

import (
	"context"
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
)

func startEmbedded(t *testing.T) *kafka.Embedded {
	t.Helper()
	emb, err := kafka.StartEmbedded("", 0)
	require.NoError(t, err)
	t.Cleanup(emb.Close)
	return emb
}

// newAdmin is an admin of cfg, closed when t ends.
func newAdmin(t *testing.T, cfg kafka.Config) *kafka.Admin {
	t.Helper()
	adm, err := kafka.NewAdmin(cfg, testLogger())
	require.NoError(t, err)
	t.Cleanup(adm.Close)
	return adm
}

// newProducer is a producer of cfg, closed when t ends.
func newProducer(t *testing.T, cfg kafka.Config) *kafka.Producer {
	t.Helper()
	prod, err := kafka.NewProducer(cfg, testLogger())
	require.NoError(t, err)
	t.Cleanup(prod.Close)
	return prod
}

func jsonTopic(name string) domain.Topic {
	topic := domain.NewTopic()
	topic.Name = name
	topic.ContentType = domain.ContentTypeJSON
	topic.RetentionTime = &domain.RetentionTime{Duration: 2, RetentionUnit: domain.Hours}
	return topic
}

// TestRecordFormatIsHermes reads a produced record with a plain Kafka
// client: what Hermes consumers would see.
func TestRecordFormatIsHermes(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	cfg := kafka.Config{Brokers: emb.Addrs(), Namespace: "ns"}
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)

	topic := jsonTopic("pl.allegro.events")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	msg := domain.Message{
		ID: "0f1b6a52-3c3e-4a5e-9a43-5a4a0b4f0d1e", Timestamp: time.UnixMilli(1700000000123),
		Key: []byte("k"), Body: []byte(`{"x": 1}`), Headers: map[string]string{"Trace": "t1"}, SchemaVersion: 7,
	}
	require.NoError(t, prod.Produce(t.Context(), topic, msg))

	cl, err := kgo.NewClient(kgo.SeedBrokers(emb.Addrs()...), kgo.ConsumeTopics("ns_pl.allegro.events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	fetches := cl.PollFetches(ctx)
	require.NoError(t, fetches.Err())
	recs := fetches.Records()
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, msg.Key, r.Key)
	assert.JSONEq(t, `{"_w":true,"metadata":{"timestamp":1700000000123,"id":"0f1b6a52-3c3e-4a5e-9a43-5a4a0b4f0d1e","externalMetadata":{"Trace":"t1"}},"message":{"x": 1}}`, string(r.Value))
	assert.Equal(t, msg.Timestamp.UnixMilli(), r.Timestamp.UnixMilli())
	headers := map[string][]byte{}
	for _, h := range r.Headers {
		headers[h.Key] = h.Value
	}
	assert.Equal(t, map[string][]byte{
		"id":      []byte(msg.ID),
		"sv":      binary.BigEndian.AppendUint32(nil, 7),
		"h-Trace": []byte("t1"),
	}, headers)

	configs, err := kadm.NewClient(cl).DescribeTopicConfigs(t.Context(), "ns_pl.allegro.events")
	require.NoError(t, err)
	rc, err := configs.On("ns_pl.allegro.events", nil)
	require.NoError(t, err)
	got := map[string]string{}
	for _, c := range rc.Configs {
		got[c.Key] = c.MaybeValue()
	}
	assert.Equal(t, "7200000", got["retention.ms"])
	assert.Equal(t, "delete", got["cleanup.policy"])
	assert.Equal(t, strconv.Itoa(kafka.DefaultMaxMessageBytes), got["max.message.bytes"], "small topics get Hermes's 1 MiB")
}

// TestSubscriptionPositionUsesHermesGroupID checks the group id, so Hermes
// and Hermes-Go consumers share positions.
func TestSubscriptionPositionUsesHermesGroupID(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	adm := newAdmin(t, kafka.Config{Brokers: emb.Addrs(), Namespace: "ns"})
	topic := jsonTopic("my_group.my_topic")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "my_sub"}))

	cl, err := kgo.NewClient(kgo.SeedBrokers(emb.Addrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	offsets, err := kadm.NewClient(cl).FetchOffsets(t.Context(), "ns_my__group_my__topic_my__sub")
	require.NoError(t, err)
	require.NoError(t, offsets.Error())
	assert.Len(t, offsets["ns_my_group.my_topic"], kafka.DefaultConfig().Partitions)
}

// TestBrokerDown checks the errors when nothing listens at the brokers.
func TestBrokerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg := kafka.Config{Brokers: []string{addr}}
	topic := jsonTopic("g.t")

	prod := newProducer(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	assert.ErrorIs(t, prod.Produce(ctx, topic, domain.Message{ID: "1", Body: []byte("{}")}), domain.ErrStoreTimeout)

	adm := newAdmin(t, cfg)
	ctx, cancel = context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	assert.ErrorIs(t, adm.CreateTopic(ctx, topic), domain.ErrUnavailable)
}

func TestStartEmbeddedOnTakenPortFails(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	_, port, err := net.SplitHostPort(emb.Addrs()[0])
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	_, err = kafka.StartEmbedded("", p)
	require.Error(t, err)
}

// A broker that goes away after the producer knew it: the publish must
// time out (503 upstream), not fail at once as unavailable (500), and work
// again once the broker is back.
func TestBrokerGoneProduceTimesOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emb, err := kafka.StartEmbedded(dir, 0)
	require.NoError(t, err)
	addr := emb.Addrs()[0]
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	cfg := kafka.Config{Brokers: []string{addr}}
	topic := jsonTopic("gone.t")
	adm := newAdmin(t, cfg)
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	prod := newProducer(t, cfg)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte("{}")}))

	emb.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	assert.ErrorIs(t, prod.Produce(ctx, topic, domain.Message{ID: "2", Body: []byte("{}")}), domain.ErrStoreTimeout)

	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	emb, err = kafka.StartEmbedded(dir, p)
	require.NoError(t, err)
	t.Cleanup(emb.Close)
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	assert.NoError(t, prod.Produce(ctx, topic, domain.Message{ID: "3", Body: []byte("{}")}))
}

// The producer compresses as Hermes's does by default: not at all (the
// franz-go default is snappy), and with the configured codec otherwise.
func TestProducerCompressionCodec(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int16{"": 0, "none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4} {
		t.Run("codec "+name, func(t *testing.T) {
			t.Parallel()
			cluster := fakeCluster(t)
			var codecs []int16
			var mu sync.Mutex
			cluster.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				cluster.KeepControl()
				for _, tp := range req.(*kmsg.ProduceRequest).Topics {
					for _, p := range tp.Partitions {
						var b kmsg.RecordBatch
						if err := b.ReadFrom(p.Records); err == nil {
							mu.Lock()
							codecs = append(codecs, b.Attributes&0x07)
							mu.Unlock()
						}
					}
				}
				return nil, nil, false
			})
			cfg := kafka.Config{Brokers: cluster.ListenAddrs(), Partitions: 1, CompressionCodec: name}
			topic := jsonTopic("compression.codec")
			require.NoError(t, newAdmin(t, cfg).CreateTopic(t.Context(), topic))
			body := []byte(`{"text": "` + strings.Repeat("compressible ", 200) + `"}`)
			require.NoError(t, newProducer(t, cfg).Produce(t.Context(), topic, domain.Message{ID: "1", Body: body}))
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []int16{want}, codecs)
		})
	}
}

func TestProducerRejectsAnUnknownCodec(t *testing.T) {
	t.Parallel()
	_, err := kafka.NewProducer(kafka.Config{CompressionCodec: "brotli"}, testLogger())
	assert.ErrorIs(t, err, domain.ErrValidation)
	assert.ErrorContains(t, err, `"brotli"`)
}
