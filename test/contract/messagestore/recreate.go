package messagestore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// testRecreateUnderLoad deletes a store topic and creates it again under
// the same name while a publisher keeps producing to it, as management
// does when a topic is removed and re-added. Publishing must recover by
// itself: a client that keeps the old topic's id would fail every record
// with UNKNOWN_TOPIC_ID until restarted (issue 15, defect 12).
func testRecreateUnderLoad(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	require.NoError(t, h.Producer().Produce(t.Context(), topic, newMessage(0, nil)))

	var recreated atomic.Bool
	var afterRecreation atomic.Int64 // publishes begun after recreation and acked
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				began := recreated.Load()
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err := h.Producer().Produce(pctx, topic, newMessage(i, nil))
				cancel()
				if err == nil && began {
					afterRecreation.Add(1)
				}
			}
		})
	}
	t.Cleanup(func() { stop(); wg.Wait() })

	require.NoError(t, h.Admin().DeleteTopic(t.Context(), topic.QualifiedName()))
	require.NoError(t, h.Admin().CreateTopic(t.Context(), topic))
	recreated.Store(true)
	require.Eventually(t, func() bool { return afterRecreation.Load() >= 10 }, wait, 10*time.Millisecond,
		"publishes to the recreated topic must succeed without a restart")
	stop()
	wg.Wait()

	// What is acked now lands in the new topic, where a new subscription
	// reads it.
	sub := subscribe(t, h, topic)
	ids := produce(t, h, topic, 0, 3, "")
	got := receive(t, h, topic, sub, len(ids))
	gotIDs := make([]string, 0, len(got))
	for _, m := range got {
		gotIDs = append(gotIDs, m.ID)
	}
	assert.Subset(t, gotIDs, ids)
}
