package mongo

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/hermes-go/hermes/domain"
)

// TestRetention checks that traces older than Retention go away: by the TTL
// index on MongoDB, by app-side expiry on servers without TTL (FerretDB).
// The expiry clock starts three hours behind, so nothing is old enough
// until the test moves it to the present.
func TestRetention(t *testing.T) {
	t.Parallel()
	uri := testURI(t)
	var lag atomic.Int64
	lag.Store(int64(3 * time.Hour))
	cfg := Config{
		URI: uri, Database: testDatabase + "_ret", Retention: time.Hour,
		ExpiryInterval: 20 * time.Millisecond, FlushInterval: 20 * time.Millisecond,
		now: func() time.Time { return time.Now().Add(-time.Duration(lag.Load())) },
	}
	tr := openTracker(t, cfg)
	t.Cleanup(func() { _ = tr.client.Database(cfg.Database).Drop(context.Background()) })
	require.Eventually(t, func() bool { return tr.ttl.Load() || tr.appExpiry.Load() }, 15*time.Second, 20*time.Millisecond, "indexes created")

	if tr.ttl.Load() {
		for _, coll := range []string{"published_messages", "sent_messages"} {
			require.Equal(t, int32(3600), ttlSeconds(t, tr, coll), coll)
		}
		return
	}

	sub := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "retention"}, Name: "s"}
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	oldID, recentID := "old-"+suffix, "recent-"+suffix
	now := time.Now()
	for id, ts := range map[string]time.Time{oldID: now.Add(-2 * time.Hour), recentID: now.Add(-10 * time.Minute)} {
		tr.Published(domain.PublishedMessageTrace{MessageID: id, Timestamp: ts.UnixMilli(), TopicName: sub.Topic.String(), Status: domain.PublishSuccess})
		tr.Sent(domain.SentMessageTrace{MessageID: id, Timestamp: ts.UnixMilli(), TopicName: sub.Topic.String(), Subscription: sub.Name, Status: domain.SentSuccess})
	}
	require.NoError(t, tr.Flush(t.Context()))
	count := func(id string) int {
		published, sent, err := tr.MessageTraces(t.Context(), sub, id)
		assert.NoError(t, err) // not require: Eventually calls this off the test goroutine
		return len(published) + len(sent)
	}
	require.Equal(t, 2, count(oldID), "kept while within retention")

	lag.Store(0)
	require.Eventually(t, func() bool { return count(oldID) == 0 }, 15*time.Second, 20*time.Millisecond, "expired")
	assert.Equal(t, 2, count(recentID), "recent traces stay")
}

// ttlSeconds returns expireAfterSeconds of the TTL index of a collection.
func ttlSeconds(t *testing.T, tr *Tracker, coll string) int32 {
	t.Helper()
	cur, err := tr.client.Database(tr.cfg.Database).Collection(coll).Indexes().List(t.Context())
	require.NoError(t, err)
	var specs []bson.M
	require.NoError(t, cur.All(t.Context(), &specs))
	for _, s := range specs {
		if v, ok := s["expireAfterSeconds"]; ok {
			n, ok := v.(int32)
			require.True(t, ok, "expireAfterSeconds is %T", v)
			return n
		}
	}
	t.Fatalf("no TTL index on %s", coll)
	return 0
}
