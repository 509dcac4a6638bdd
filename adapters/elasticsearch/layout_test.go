package elasticsearch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// TestHermesLayout checks what Hermes tooling relies on: daily index names
// from the UTC write date, the template's keyword mappings and the alias.
func TestHermesLayout(t *testing.T) {
	t.Parallel()
	u := testURL(t)
	prefix := testPrefix + "layout_"
	day := time.Date(2024, 2, 3, 23, 30, 0, 0, time.FixedZone("UTC-2", -2*3600)) // 2024-02-04 in UTC
	tr := openTracker(t, Config{URL: u, IndexPrefix: prefix, RefreshOnWrite: true, Timeout: realServerTimeout, now: func() time.Time { return day }})
	t.Cleanup(func() { deleteTestData(t, tr, prefix) })

	tr.Sent(domain.SentMessageTrace{MessageID: "m1", Timestamp: day.UnixMilli(), Subscription: "s", TopicName: "g.t", Status: domain.SentDiscarded, Partition: new(int32(3)), Offset: new(int64(7))})
	tr.Published(domain.PublishedMessageTrace{MessageID: "m1", Timestamp: day.UnixMilli(), TopicName: "g.t", Status: domain.PublishSuccess})
	require.NoError(t, tr.Flush(t.Context()))
	require.Zero(t, tr.Dropped())

	for base, fields := range map[string][]string{
		"sent_messages":      {"messageId", "topicName", "subscription", "status", "batchId"},
		"published_messages": {"messageId", "topicName", "status"},
	} {
		index := prefix + base + "_2024_02_04"
		var mapping map[string]struct {
			Mappings struct {
				Properties map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
			} `json:"mappings"`
		}
		require.NoError(t, tr.rest.do(t.Context(), "GET", "/"+index+"/_mapping", "application/json", nil, &mapping), index)
		props := mapping[index].Mappings.Properties
		for _, f := range fields {
			assert.Equal(t, "keyword", props[f].Type, "%s.%s", index, f)
		}
		assert.Equal(t, "date", props["timestamp"].Type, index)

		var aliases map[string]any
		require.NoError(t, tr.rest.do(t.Context(), "GET", "/_alias/"+prefix+"alias_"+base, "application/json", nil, &aliases))
		assert.Contains(t, aliases, index)
	}
}
