package zookeeper

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// testServers returns HERMES_TEST_ZOOKEEPER (set by
// `eval "$(test/infra/zookeeper.sh env)"`), skipping without it outside CI.
func testServers(t *testing.T) []string {
	t.Helper()
	addr := testenv.Require(t, "HERMES_TEST_ZOOKEEPER", `eval "$(bash test/infra/zookeeper.sh start >&2 && bash test/infra/zookeeper.sh env)"`)
	return strings.Split(addr, ",")
}

var rootSeq atomic.Int64

// uniqueRoot is a Hermes root no other test (or run) uses.
func uniqueRoot() string {
	return fmt.Sprintf("/hermes-go-test/r%d-%d", time.Now().UnixNano(), rootSeq.Add(1))
}

// openStore opens a store closed at cleanup.
func openStore(t *testing.T, servers []string, root string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Servers: servers, Root: root, SessionTimeout: 4 * time.Second}, nil)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// rawConn is a plain client, as another Hermes process would use; the
// subtree at root is removed at cleanup.
func rawConn(t *testing.T, servers []string, root string) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect(servers, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(zkLogger{slog.New(slog.DiscardHandler)}))
	require.NoError(t, err)
	t.Cleanup(conn.Close)
	require.NoError(t, awaitSession(t.Context(), events, 10*time.Second))
	t.Cleanup(func() { require.NoError(t, removeTree(conn, root)) })
	return conn
}

func removeTree(conn *zk.Conn, path string) error {
	kids, _, err := conn.Children(path)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	} else if err != nil {
		return err
	}
	for _, k := range kids {
		if err := removeTree(conn, path+"/"+k); err != nil {
			return err
		}
	}
	if err := conn.Delete(path, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return err
	}
	return nil
}
