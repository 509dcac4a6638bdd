package messagestore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// These cases check that subscriptions of one topic read it independently
// of each other, which a store sharing its reads between subscriptions
// (the shared Kafka consumer) must keep: Hermes #1862 was a slow
// subscription stalling the others of its fetch.

// subscribeNamed creates the position of subscription name of topic.
func subscribeNamed(t *testing.T, h Harness, topic domain.Topic, name string) domain.SubscriptionName {
	t.Helper()
	sub := domain.SubscriptionName{Topic: topic.QualifiedName(), Name: name}
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	return sub
}

// produceLarge sends n messages of about size bytes each under one key
// and returns their IDs in order.
func produceLarge(t *testing.T, h Harness, topic domain.Topic, n, size int) []string {
	t.Helper()
	pad := strings.Repeat("x", size)
	var out []string
	for i := range n {
		m := newMessage(i, []byte("one"))
		m.Body = fmt.Appendf(nil, `{"n":"%04d","pad":"%s"}`, i, pad)
		require.NoError(t, h.Producer().Produce(t.Context(), topic, m))
		out = append(out, m.ID)
	}
	return out
}

// A subscription whose consumer is open but never polled (its buffers
// fill up) does not stop another subscription of the same topic and
// partition from receiving everything; once polled, it reads everything
// too, in order.
func testSlowReaderDoesNotBlockOthers(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	slowSub := subscribeNamed(t, h, topic, "slow")
	fastSub := subscribeNamed(t, h, topic, "fast")
	slow := openConsumer(t, h, topic, slowSub)
	fast := openConsumer(t, h, topic, fastSub)
	// Several MiB: more than any reasonable per-subscription buffer.
	sent := produceLarge(t, h, topic, 150, 20_000)

	assert.Equal(t, sent, ids(poll(t, fast, len(sent))), "the fast subscription reads everything while the slow one is not polled")
	assert.Equal(t, sent, ids(poll(t, slow, len(sent))), "the slow subscription reads everything once polled")
}

// Two subscriptions of one topic at different positions of the same
// partition, read at the same time, each get exactly their messages in
// order. The backlogs take several fetches, so that the two positions are
// read side by side.
func testSubscriptionsReadIndependently(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	ahead := subscribeNamed(t, h, topic, "ahead")
	behind := subscribeNamed(t, h, topic, "behind")
	first := produceLarge(t, h, topic, 60, 20_000)
	c := openConsumer(t, h, topic, ahead)
	got := poll(t, c, len(first))
	require.Equal(t, first, ids(got))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(got)))
	require.NoError(t, c.Close())
	second := produceLarge(t, h, topic, 60, 20_000)

	a := openConsumer(t, h, topic, ahead)
	b := openConsumer(t, h, topic, behind)
	var gotA, gotB []ports.ReceivedMessage
	var wg sync.WaitGroup
	wg.Go(func() { gotA = pollQuietly(t, a, len(second)) })
	wg.Go(func() { gotB = pollQuietly(t, b, len(first)+len(second)) })
	wg.Wait()
	assert.Equal(t, second, ids(gotA), "the subscription ahead resumes after its commit")
	assert.Equal(t, append(slices.Clone(first), second...), ids(gotB), "the subscription behind reads from its own position")
}

// pollQuietly is poll for another goroutine than the test's: it returns
// what it got by the deadline instead of failing the test.
func pollQuietly(t *testing.T, c ports.MessageConsumer, n int) []ports.ReceivedMessage {
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	var got []ports.ReceivedMessage
	for len(got) < n && ctx.Err() == nil {
		msgs, err := c.Poll(ctx)
		if err == nil {
			got = append(got, msgs...)
		}
	}
	return got
}

// Two instances of a subscription with shares {0 of 2} and {1 of 2} read
// disjoint partitions, each only partitions of its share, and together
// every message.
func testSharesSplitPartitions(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	sent := produceSpread(t, h, topic, 0, 24)
	open := func(index int) ports.MessageConsumer {
		c, err := h.Consumers().Consumer(t.Context(), topic, sub, ports.ConsumerOptions{Share: ports.PartitionShare{Index: index, Count: 2}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	c0, c1 := open(0), open(1)
	var got0, got1 []ports.ReceivedMessage
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	total := func() int { mu.Lock(); defer mu.Unlock(); return len(got0) + len(got1) }
	collect := func(c ports.MessageConsumer, into *[]ports.ReceivedMessage) {
		for ctx.Err() == nil {
			msgs, err := c.Poll(ctx)
			if err == nil {
				mu.Lock()
				*into = append(*into, msgs...)
				mu.Unlock()
			}
		}
	}
	wg.Go(func() { collect(c0, &got0) })
	wg.Go(func() { collect(c1, &got1) })
	require.Eventually(t, func() bool { return total() >= len(sent) }, wait, pollEvery, "the two shares read every message")
	cancel()
	wg.Wait()

	share := func(msgs []ports.ReceivedMessage) map[int32]bool {
		out := map[int32]bool{}
		for _, m := range msgs {
			out[m.Partition] = true
		}
		return out
	}
	for p := range share(got0) {
		assert.True(t, ports.PartitionShare{Index: 0, Count: 2}.Owns(p), "share 0 read partition %d", p)
	}
	for p := range share(got1) {
		assert.True(t, ports.PartitionShare{Index: 1, Count: 2}.Owns(p), "share 1 read partition %d", p)
	}
	assert.NotEmpty(t, got0, "the keys spread over partitions of both shares")
	assert.NotEmpty(t, got1, "the keys spread over partitions of both shares")
	assert.ElementsMatch(t, sent, append(ids(got0), ids(got1)...), "together, every message exactly once")
}
