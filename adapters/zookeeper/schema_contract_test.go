package zookeeper

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/test/contract/schema"
)

func TestSchemaRepositoryContract(t *testing.T) {
	servers := testServers(t)
	schema.Run(t, func(t *testing.T) schema.Harness {
		root := uniqueRoot()
		rawConn(t, servers, root) // removes the tree at cleanup
		s := openStore(t, servers, root)
		return schema.Harness{Repo: s, Prepare: func(t *testing.T, n domain.TopicName) {
			err := s.CreateGroup(t.Context(), domain.Group{GroupName: n.Group})
			if err != nil {
				require.ErrorIs(t, err, domain.ErrGroupAlreadyExists)
			}
			topic := domain.NewTopic()
			topic.Name, topic.ContentType = n.String(), domain.ContentTypeAvro
			require.NoError(t, s.CreateTopic(t.Context(), topic))
		}}
	}, schema.Features{IDIsVersion: true})
}
