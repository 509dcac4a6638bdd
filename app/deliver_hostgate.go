package app

import (
	"context"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// hostGates bound the send attempts in flight to each endpoint origin
// (scheme, host and port) over all subscriptions, at the connections the
// sender keeps per host (DeliveryConfig.SendsPerHost): more could only
// wait inside the sender for a connection.
//
// Why here and not there: a message waiting in the sender is a send
// goroutine with its request, its timers and a queued connection request,
// about 10 KiB of heap and a stack. 1 000 busy subscriptions to one host
// keep 100 000 of them (inflightSize 100 each): 2.4 GB, and a garbage
// collector that scans every stack (a fifth of the CPU of make bench's
// 1 000-subscription fan-out). A message waiting here is a job in its
// host's pool (deliver_hostpool.go), holding its subscription's in-flight
// slot and nothing else; the pool's goroutines take the tokens.
//
// A token is held only for an attempt, never while a message sleeps (its
// retry backoff, its sendingDelay, its output rate, a schema store that
// fails), so a failing or slowed subscription does not starve the others
// of its host. Waiters take tokens in turn (a channel's senders queue).
type hostGates struct {
	size  int
	idle  time.Duration // a pool's goroutine leaves after this long without a job
	pools sync.Map      // origin → *hostPool
}

// pool is the pool of the endpoint's origin (deliver_hostpool.go), nil
// when its attempts are not bounded here: no bound configured, a
// templated host, BROADCAST (several hosts per attempt) or HTTP/2 (many
// requests per connection).
func (g *hostGates) pool(sub domain.Subscription) *hostPool {
	if g.size <= 0 || sub.HTTP2Enabled || sub.Mode == domain.ModeBroadcast {
		return nil
	}
	origin, ok := domain.EndpointOrigin(sub.Endpoint)
	if !ok {
		return nil
	}
	if p, ok := g.pools.Load(origin); ok {
		return p.(*hostPool)
	}
	p, _ := g.pools.LoadOrStore(origin, newHostPool(g.size, g.idle))
	return p.(*hostPool)
}

// hostToken is one message's hold on its endpoint's gate; a nil one is
// never held.
type hostToken struct {
	gate chan struct{} // nil: not gated, take and release do nothing
	held bool
	// pool is the host pool whose goroutine sends the message, until the
	// message waits (pause).
	pool *hostPool
}

// take waits for a token; false when ctx ended first.
func (t *hostToken) take(ctx context.Context) bool {
	if t == nil || t.gate == nil || t.held {
		return true
	}
	// A free token without the select below, which locks ctx's channel
	// too (serialRun.waitFor does the same).
	select {
	case t.gate <- struct{}{}:
		t.held = true
		return true
	default:
	}
	select {
	case t.gate <- struct{}{}:
		t.held = true
		return true
	case <-ctx.Done():
		return false
	}
}

// release gives the token back, if held.
func (t *hostToken) release() {
	if t != nil && t.held {
		<-t.gate
		t.held = false
	}
}

// pause gives the token back before the message waits for something other
// than its attempt: a pool's goroutine then leaves the pool to this
// message (hostPool.detach).
func (t *hostToken) pause() {
	if t == nil {
		return
	}
	t.release()
	if t.pool != nil {
		t.pool.detach()
		t.pool = nil
	}
}
