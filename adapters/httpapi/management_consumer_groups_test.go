package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeGroups struct {
	fakeManagement
	groups []ports.ConsumerGroup
}

func (f *fakeGroups) ConsumerGroups(_ context.Context, topic, sub string) ([]ports.ConsumerGroup, error) {
	return f.groups, f.record("ConsumerGroups", topic, sub)
}

func TestConsumerGroupsRoute(t *testing.T) {
	t.Parallel()
	f := &fakeGroups{groups: []ports.ConsumerGroup{{ClusterName: "primary-dc", GroupID: "pl.group.topic_sub", State: "Stable",
		Members: []ports.ConsumerGroupMember{{ConsumerID: "m-1", ClientID: "hermes", Host: "localhost",
			Partitions: []ports.ConsumerGroupPartition{{Partition: 0, Topic: "pl.group.topic", CurrentOffset: 3, LogEndOffset: 5, Lag: 2,
				OffsetMetadata: "", ContentType: domain.ContentTypeJSON}}}}}}}
	h := NewManagement(f, nil)
	rec := serve(h, "GET", subPath+"/consumer-groups", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `[{"clusterName":"primary-dc","groupId":"pl.group.topic_sub","state":"Stable","members":[
		{"consumerId":"m-1","clientId":"hermes","host":"localhost","partitions":[{"partition":0,"topic":"pl.group.topic",
		"currentOffset":3,"logEndOffset":5,"lag":2,"offsetMetadata":"","contentType":"JSON"}]}]}]`, rec.Body.String())
	assert.Equal(t, call{"ConsumerGroups", []any{"pl.group.topic", "sub"}}, f.lastCall())

	f.groups = nil
	assert.JSONEq(t, `[]`, serve(h, "GET", subPath+"/consumer-groups", "").Body.String())
	f.err = fmt.Errorf("store: %w", domain.ErrTopicNotFound)
	requireError(t, serve(h, "GET", subPath+"/consumer-groups", ""), http.StatusNotFound, codeTopicNotExists)
}
