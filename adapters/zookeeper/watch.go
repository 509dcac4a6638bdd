package zookeeper

import "github.com/hermes-go/hermes/adapters/internal/watch"

// WatchBuffer is how many changes a watcher may fall behind before its
// pending changes are coalesced into one ports.ChangeResync.
const WatchBuffer = watch.Buffer

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
