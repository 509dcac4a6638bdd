package zookeeper

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metadata"
)

func TestContract(t *testing.T) {
	servers := testServers(t)
	metadata.Run(t, func(t *testing.T) metadata.Harness {
		root := uniqueRoot()
		conn := rawConn(t, servers, root) // removes the tree at cleanup
		s := openStore(t, servers, root)
		return metadata.Harness{
			Store: s,
			Reopen: func(t *testing.T) ports.MetadataStore {
				s.Close()
				return openStore(t, servers, root)
			},
			Other: func(t *testing.T) ports.MetadataStore { return openStore(t, servers, root) },
			Corrupt: func(t *testing.T, sub domain.SubscriptionName) func() {
				path := s.paths.node(subscriptionNames(sub))
				data, _, err := conn.Get(path)
				require.NoError(t, err)
				_, err = conn.Set(path, data[:len(data)/2], -1)
				require.NoError(t, err)
				return func() {
					_, err := conn.Set(path, data, -1)
					require.NoError(t, err)
				}
			},
		}
	}, metadata.Features{Persistent: true, CrossProcessWatch: true, WatchBuffer: WatchBuffer})
}
