package kafka

import (
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// recreations lets a producer client follow a store topic that was deleted
// and created again under the same name (by our management, another
// process, or a broker whose state was wiped). kgo keeps the id of the
// topic it first saw and fails every later record with UNKNOWN_TOPIC_ID
// until the topic is purged from the client and added again; the next
// produce then loads the new topic's metadata.
//
// Purging also fails the topic's other buffered records (kgo's
// "topic purged while buffered", which Produce retries), so concurrent
// produces that all see UNKNOWN_TOPIC_ID must purge once, not once each:
// a produce purges only if no purge happened since it started its attempt
// (the topic's generation is unchanged), and an attempt that fails while
// its generation moved on is sent again whatever the error.
type recreations struct {
	mu          sync.Mutex
	generations map[recreationKey]uint64
}

type recreationKey struct {
	cl    *kgo.Client
	topic string
}

// generation is the number of purges of topic from cl so far.
func (r *recreations) generation(cl *kgo.Client, topic string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.generations[recreationKey{cl, topic}]
}

// forget purges topic from cl unless another attempt purged it since
// generation.
func (r *recreations) forget(cl *kgo.Client, topic string, generation uint64, log *slog.Logger) {
	r.mu.Lock()
	key := recreationKey{cl, topic}
	if r.generations[key] != generation {
		r.mu.Unlock()
		return
	}
	if r.generations == nil {
		r.generations = map[recreationKey]uint64{}
	}
	r.generations[key]++
	// Purge outside the lock: it waits for kgo's metadata loop, and
	// produces to other topics must not wait with it.
	r.mu.Unlock()
	log.Info("store topic was recreated: producing to its new incarnation", "topic", topic)
	cl.PurgeTopicsFromProducing(topic)
	// Records produced while the purge ran may have been purged too:
	// moving on once more tells their attempts to send them again.
	r.mu.Lock()
	r.generations[key]++
	r.mu.Unlock()
}
