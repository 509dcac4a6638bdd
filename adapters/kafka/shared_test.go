package kafka_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Poll returns at most MaxPollRecords, in offset order without gaps
// across Polls; after Close it fails instead of blocking.
func TestSharedPollIsBoundedAndCloseEndsIt(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	cfg.MaxPollRecords = 5
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("shared.bounded")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}))
	const n = 23
	for i := range n {
		require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: fmt.Sprint(i), Body: []byte(`{}`)}))
	}
	c := sharedConsumer(t, newSharedFactory(t, cfg), topic)

	var next int64
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for next < n {
		got, err := c.Poll(ctx)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(got), cfg.MaxPollRecords)
		for _, m := range got {
			require.Equal(t, next, m.Offset, "offsets in order, no gap, no repeat")
			require.Equal(t, fmt.Sprint(next), m.ID)
			next++
		}
	}

	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
	_, err := c.Poll(t.Context())
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

// NotifyReady calls back once when there is something to poll: at once
// when records are buffered, when one is produced, when the consumer
// closes; a stopped call never comes.
func TestSharedNotifyReady(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("shared.notify")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}))
	c := sharedConsumer(t, newSharedFactory(t, cfg), topic).(ports.ReadyNotifier)
	poll := c.(ports.MessageConsumer)
	notified := func() (<-chan struct{}, func() bool) {
		ch := make(chan struct{}, 2)
		stop := c.NotifyReady(func() { ch <- struct{}{} })
		return ch, stop
	}
	wait := func(ch <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatal("no call back: " + what)
		}
	}

	stopped, stop := notified()
	assert.True(t, stop(), "stopped before anything came")
	ready, _ := notified()
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte(`{}`)}))
	wait(ready, "a record was produced")

	again, stop := notified()
	wait(again, "a record is buffered already")
	assert.False(t, stop(), "the call came before stop")
	got, err := poll.Poll(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 1)

	closing, _ := notified()
	require.NoError(t, poll.Close())
	wait(closing, "the consumer closed")
	assert.Empty(t, stopped, "a stopped call never comes")
	assert.Len(t, ready, 0, "one call per NotifyReady")
}

// Subscriptions of one topic at one position share the fetched records,
// and a record is decoded once for them: their messages carry the same
// Headers map. A consumer that reads the topic in another format (its
// AVRO version, during a migration) still gets the record as that
// format reads it.
func TestSharedConsumersDecodeARecordOnce(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("shared.decodeonce")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	avroTopic := topic
	avroTopic.ContentType = domain.ContentTypeAvro
	f := newSharedFactory(t, cfg)
	open := func(name string, topic domain.Topic) ports.MessageConsumer {
		sub := domain.SubscriptionName{Topic: topic.QualifiedName(), Name: name}
		require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), sub))
		c, err := f.Consumer(t.Context(), topic, sub, ports.ConsumerOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	a, b, raw := open("a", topic), open("b", topic), open("raw", avroTopic)
	next := func(c ports.MessageConsumer) ports.ReceivedMessage {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		got, err := c.Poll(ctx)
		require.NoError(t, err)
		require.Len(t, got, 1)
		return got[0]
	}
	// The first fetches may each serve one consumer (it opened while
	// another's fetch waited at the broker); once all read at one
	// position, one fetch serves them all.
	shared := false
	for i := 0; i < 100 && !shared; i++ {
		id := fmt.Sprint(i)
		require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: id, Body: []byte(`{"n":` + id + `}`), Headers: map[string]string{"h": id}}))
		ma, mb, mr := next(a), next(b), next(raw)
		for _, m := range []ports.ReceivedMessage{ma, mb} {
			require.Equal(t, id, m.ID)
			require.Equal(t, `{"n":`+id+`}`, string(m.Body))
			require.Equal(t, map[string]string{"h": id}, m.Headers)
		}
		require.True(t, domain.IsWrappedJSON(mr.Body), "the AVRO reading keeps the stored value: %s", mr.Body)
		require.Equal(t, id, mr.ID, "the id header")
		shared = reflect.ValueOf(ma.Headers).UnsafePointer() == reflect.ValueOf(mb.Headers).UnsafePointer()
	}
	assert.True(t, shared, "subscriptions at one position never shared a decoded record")
}
