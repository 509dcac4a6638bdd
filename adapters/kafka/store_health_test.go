package kafka_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// refuseProduces makes the broker answer every produce with code while
// refusing is set: a broker whose disk is full, injected at the protocol.
// answered, if given, counts those answers.
func refuseProduces(c *kfake.Cluster, refusing *atomic.Bool, code int16, answered ...*atomic.Int32) {
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !refusing.Load() {
			return nil, nil, false
		}
		for _, a := range answered {
			a.Add(1)
		}
		pr := req.(*kmsg.ProduceRequest)
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range pr.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

// A store that refuses writes (disk full: kfake's UNKNOWN_SERVER_ERROR)
// fails a publish at once with domain.ErrStoreUnavailable (503 upstream,
// was a 500), reports the store DOWN, explains why when told, and is UP
// again after the next write it takes (issue 15, defect 10).
func TestRefusedWritesMakeTheStoreDown(t *testing.T) {
	t.Parallel()
	c := fakeCluster(t)
	var refusing atomic.Bool
	refuseProduces(c, &refusing, kerr.UnknownServerError.Code)
	cfg := kafka.Config{Brokers: c.ListenAddrs()}
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	diskFull := errors.New("write: no space left on device")
	var explain atomic.Bool
	prod.WithWriteFailure(func() error {
		if explain.Load() {
			return diskFull
		}
		return nil
	})
	topic := jsonTopic("full.t")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte("{}")}))
	assert.Equal(t, ports.HealthUp, prod.Health().Status)

	refusing.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := prod.Produce(ctx, topic, domain.Message{ID: "2", Body: []byte("{}")})
	require.ErrorIs(t, err, domain.ErrStoreUnavailable)
	assert.NoError(t, ctx.Err(), "a refusal comes back at once, not at the deadline")
	h := prod.Health()
	assert.Equal(t, ports.HealthDown, h.Status)
	assert.Contains(t, h.Problem, kerr.UnknownServerError.Message)

	explain.Store(true)
	err = prod.Produce(t.Context(), topic, domain.Message{ID: "3", Body: []byte("{}")})
	require.ErrorIs(t, err, domain.ErrStoreUnavailable)
	assert.Contains(t, domain.ErrorMessage(err), diskFull.Error(), "the publisher is told why")

	refusing.Store(false)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "4", Body: []byte("{}")}))
	assert.Equal(t, ports.HealthUp, prod.Health().Status)
}
