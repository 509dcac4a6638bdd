package messagestore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// pollingMember is a consumer of a subscription polled on its own
// goroutine (partitions move only inside Poll), whose RevokeFunc commits
// everything it polled of the revoked partitions, as a delivery loop does
// once their messages finished.
type pollingMember struct {
	c ports.MessageConsumer

	mu        sync.Mutex
	got       []ports.ReceivedMessage
	revoked   []int32 // every partition revoked so far
	afterward []ports.ReceivedMessage
	commitErr error
}

func startMember(t *testing.T, h Harness, topic domain.Topic, sub domain.SubscriptionName) *pollingMember {
	t.Helper()
	m := &pollingMember{}
	revoke := func(ctx context.Context, partitions []int32, lost bool) {
		m.mu.Lock()
		defer m.mu.Unlock()
		var done []ports.ReceivedMessage
		for _, r := range m.got {
			if slices.Contains(partitions, r.Partition) {
				done = append(done, r)
			}
		}
		if !lost {
			m.commitErr = m.c.Commit(ctx, nextOffsets(done))
		}
		m.revoked = append(m.revoked, partitions...)
	}
	c, err := h.Consumers().Consumer(t.Context(), topic, sub, ports.ConsumerOptions{Revoked: revoke})
	require.NoError(t, err)
	m.c = c
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			msgs, err := c.Poll(ctx)
			if err != nil {
				continue
			}
			m.mu.Lock()
			for _, r := range msgs {
				if slices.Contains(m.revoked, r.Partition) {
					m.afterward = append(m.afterward, r)
				}
			}
			m.got = append(m.got, msgs...)
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = c.Close()
	})
	return m
}

func (m *pollingMember) snapshot() (got []ports.ReceivedMessage, revoked []int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.got), slices.Clone(m.revoked)
}

// produceSpread sends n messages over n keys, so that they land on
// several partitions.
func produceSpread(t *testing.T, h Harness, topic domain.Topic, first, n int) []string {
	t.Helper()
	var out []string
	for i := first; i < first+n; i++ {
		out = append(out, produce(t, h, topic, i, 1, fmt.Sprintf("key-%d", i))...)
	}
	return out
}

// A consumer keeps polling while its messages are in flight; when a second
// consumer joins the subscription, partitions leave the first only after
// its RevokeFunc ran (inside Poll), a Commit there succeeds, the second
// resumes from what was committed, and the first reads nothing more of
// the revoked partitions.
func testRevokeCommitsBeforeHandOver(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	first := produceSpread(t, h, topic, 0, 12)
	a := startMember(t, h, topic, sub)
	require.Eventually(t, func() bool { got, _ := a.snapshot(); return len(got) >= len(first) }, wait, pollEvery,
		"the first consumer reads everything")

	b := startMember(t, h, topic, sub)
	require.Eventually(t, func() bool { _, revoked := a.snapshot(); return len(revoked) > 0 }, wait, pollEvery,
		"partitions are revoked from the first consumer for the second")
	a.mu.Lock()
	require.NoError(t, a.commitErr, "a Commit inside the RevokeFunc succeeds")
	a.mu.Unlock()

	second := produceSpread(t, h, topic, 100, 12)
	require.Eventually(t, func() bool {
		ga, _ := a.snapshot()
		gb, _ := b.snapshot()
		return len(ga)+len(gb) >= len(first)+len(second)
	}, wait, pollEvery, "the two consumers read everything published after the join")
	ga, revoked := a.snapshot()
	gb, _ := b.snapshot()
	assert.Subset(t, append(ids(ga), ids(gb)...), second, "nothing published after the join is missed")
	for _, id := range ids(gb) {
		assert.NotContains(t, first, id, "the second consumer resumes from what the first committed when revoked")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	assert.Empty(t, a.afterward, "after the RevokeFunc returned, no message of a revoked partition (%v) is polled", revoked)
}
