package zookeeper

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// proxy forwards TCP to ZooKeeper until partitioned: then it cuts every
// connection and refuses new ones until healed.
type proxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	blocked bool
	frozen  bool
	conns   []net.Conn
	wg      sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.partition()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) serve() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		p.mu.Lock()
		if err != nil || p.blocked {
			down.Close()
			if up != nil {
				up.Close()
			}
			p.mu.Unlock()
			continue
		}
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		for _, pair := range [][2]net.Conn{{down, up}, {up, down}} {
			p.wg.Go(func() {
				_, _ = io.Copy(pair[0], gated{pair[1], p})
				pair[0].Close()
				pair[1].Close()
			})
		}
	}
}

// gated reads from r, holding what it read while the proxy is frozen.
type gated struct {
	r net.Conn
	p *proxy
}

func (g gated) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	for g.p.isFrozen() {
		time.Sleep(10 * time.Millisecond) // a SIGSTOPped server: the bytes wait
	}
	return n, err
}

func (p *proxy) isFrozen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen
}

// freeze stops forwarding without closing anything, like a SIGSTOPped
// server: connections stay open and requests get no answer.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
}

func (p *proxy) partition() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked, p.frozen = true, false
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = false
}

// TestSessionExpiry cuts the store off for longer than its session
// timeout, so ZooKeeper expires the session and drops its watches: the
// store must get a new session, resync its watchers and watch again.
func TestSessionExpiry(t *testing.T) {
	servers, root := testServers(t), uniqueRoot()
	if testing.Short() {
		t.Skip("waits for a session to expire")
	}
	t.Parallel()
	other := openStore(t, servers, root)
	rawConn(t, servers, root)
	p := startProxy(t, servers[0])
	s := openStore(t, []string{p.ln.Addr().String()}, root)
	ctx := t.Context()
	ch, err := s.Watch(ctx)
	require.NoError(t, err)
	require.NoError(t, other.CreateGroup(ctx, domain.Group{GroupName: "before"}))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: "before"}, false)
	session := s.conn.SessionID()
	// An ephemeral node of the store's session tells when ZooKeeper
	// expired it: the node goes with the session.
	marker := root + "/session-marker"
	_, err = s.conn.Create(marker, nil, zk.FlagEphemeral, acl)
	require.NoError(t, err)

	p.partition()
	require.Eventually(t, func() bool {
		_, err := s.Groups(ctx)
		return errors.Is(err, domain.ErrUnavailable)
	}, waitFor, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		exists, _, err := other.conn.Exists(marker)
		return err == nil && !exists
	}, 6*waitFor, 50*time.Millisecond, "ZooKeeper never expired the cut-off session")
	require.NoError(t, other.CreateGroup(ctx, domain.Group{GroupName: "while-away"}))
	p.heal()

	awaitChange(t, ch, ports.Change{Kind: ports.ChangeResync}, true)
	require.NotEqual(t, session, s.conn.SessionID(), "the session expired")
	require.NoError(t, other.CreateGroup(ctx, domain.Group{GroupName: "after"}))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: "after"}, false)
	_, err = s.Group(ctx, "while-away")
	require.NoError(t, err)
}
