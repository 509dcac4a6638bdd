package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A topic deleted and created again through management while publishers
// keep going takes publishes again without a restart (issue 15, defect
// 12: the producer held the old store topic's id and answered 503 for
// ever), and its new subscription receives them.
func TestRecreatedTopicTakesPublishesUnderLoad(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	createTopic(t, h, "recreate", "t")
	publish(t, h, "recreate.t", `{"n":0}`)

	var recreated atomic.Bool
	var afterRecreation atomic.Int64
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				began := recreated.Load()
				req, err := http.NewRequestWithContext(ctx, "POST", h.frontend+"/topics/recreate.t", strings.NewReader(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := publishClient.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated && began {
					afterRecreation.Add(1)
				}
			}
		})
	}
	t.Cleanup(func() { stop(); wg.Wait() })

	mustCall(t, http.StatusOK, "DELETE", h.management+"/topics/recreate.t", "")
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name":"recreate.t","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}}`)
	recreated.Store(true)
	require.Eventually(t, func() bool { return afterRecreation.Load() >= 10 }, 30*time.Second, 20*time.Millisecond,
		"publishes to the recreated topic must succeed without a restart")
	stop()
	wg.Wait()

	sub := newSubscriber(t)
	createSubscription(t, h, "recreate.t", "s", sub.URL, "")
	publish(t, h, "recreate.t", `{"after":"recreation"}`)
	sub.waitForBodies(t, 1, 30*time.Second)
}
