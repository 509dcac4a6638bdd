package zookeeper

import (
	"testing"

	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metadata"
)

func TestContract(t *testing.T) {
	servers := testServers(t)
	metadata.Run(t, func(t *testing.T) metadata.Harness {
		root := uniqueRoot()
		rawConn(t, servers, root) // removes the tree at cleanup
		s := openStore(t, servers, root)
		return metadata.Harness{
			Store: s,
			Reopen: func(t *testing.T) ports.MetadataStore {
				s.Close()
				return openStore(t, servers, root)
			},
			Other: func(t *testing.T) ports.MetadataStore { return openStore(t, servers, root) },
		}
	}, metadata.Features{Persistent: true, CrossProcessWatch: true, WatchBuffer: WatchBuffer})
}
