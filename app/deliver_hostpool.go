package app

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// hostPool sends the messages of every gated serial subscription of one
// endpoint host (deliver_hostgate.go) on a few goroutines: at most size of
// them serve its queue, one job after another, so a thousand busy
// subscriptions to one host run about size send goroutines, not a thousand
// loops that each park on the host's gate per message and wake a send
// worker of their own.
//
// A job's goroutine serves the pool while its message is sent; when the
// message has to wait for anything but the attempt itself (its retry
// backoff, its sendingDelay, its output rate, a schema store that fails:
// hostToken.pause), the goroutine leaves the pool for that message's sake
// and another takes its place. So a failing or slowed subscription never
// holds the pool, and no goroutine waits for a message that is not due yet.
// Attempts in flight to the host stay bounded by its gate, which pooled
// and detached attempts take in turn.
//
// Each subscription has at most poolQueue jobs queued (serialRun.queued),
// so the queue is a round of the host's busy subscriptions: a subscription
// that refills its share joins the end.
type hostPool struct {
	gate chan struct{} // the host's tokens, one per attempt in flight
	size int           // goroutines serving the queue at most
	idle time.Duration // a serving goroutine leaves after this long without a job

	mu    sync.Mutex
	queue []poolJob // first in, first out: queue[head:]
	head  int
	// attached counts the goroutines serving the queue; idlers are those
	// of them waiting for a job, the last to go idle last. A queued job
	// never waits while a goroutine idles.
	attached int
	idlers   []*poolIdler
}

// poolJob is a message of run waiting for the pool.
type poolJob struct {
	run *serialRun
	job sendJob
}

// poolIdler is a serving goroutine without a job: submit hands it one.
type poolIdler struct{ wake chan poolJob }

func newHostPool(size int, idle time.Duration) *hostPool {
	return &hostPool{gate: make(chan struct{}, size), size: size, idle: idle}
}

// submit queues a job, handing it to an idle goroutine or a new one when
// fewer than size serve.
func (p *hostPool) submit(pj poolJob) {
	p.mu.Lock()
	if n := len(p.idlers); n > 0 {
		w := p.idlers[n-1]
		p.idlers = p.idlers[:n-1]
		w.wake <- pj // its only job: never blocks
		p.mu.Unlock()
		return
	}
	if p.attached < p.size {
		p.attached++
		p.mu.Unlock()
		go p.serve(pj)
		return
	}
	pj.run.pooled.queued.Add(1)
	p.push(pj)
	p.mu.Unlock()
}

// push appends a job to the queue, under p.mu. A queue that is never
// empty would grow for good behind its head: when it is full and half of
// it is taken, what is left moves to the front instead.
func (p *hostPool) push(pj poolJob) {
	if len(p.queue) == cap(p.queue) && p.head > 0 && p.head >= len(p.queue)/2 {
		n := copy(p.queue, p.queue[p.head:])
		clear(p.queue[n:])
		p.queue, p.head = p.queue[:n], 0
	}
	p.queue = append(p.queue, pj)
}

// emptied resets an empty queue, under p.mu; a large one is dropped, so
// that a burst's queue is not kept while the host idles.
func (p *hostPool) emptied() {
	if cap(p.queue) > poolKept {
		p.queue, p.head = nil, 0
		return
	}
	p.queue, p.head = p.queue[:0], 0
}

// poolKept is the largest queue kept empty.
const poolKept = 64

// pop takes the first queued job, under p.mu.
func (p *hostPool) pop() (poolJob, bool) {
	if p.head == len(p.queue) {
		return poolJob{}, false
	}
	pj := p.queue[p.head]
	p.queue[p.head] = poolJob{}
	p.head++
	if p.head == len(p.queue) {
		p.emptied()
	}
	pj.run.dequeued()
	return pj, true
}

// serve runs jobs, first the one it was started for, until it leaves: when
// its job paused (then only if fewer than size serve), or when it idled a
// whole idle period (idleClock).
func (p *hostPool) serve(pj poolJob) {
	w := &poolIdler{wake: make(chan poolJob, 1)}
	clock := idleClock{idle: p.idle}
	defer clock.stop()
	for {
		if detached := pj.run.runPooled(pj.job, p); detached && !p.reattach() {
			return
		}
		clock.worked()
		p.mu.Lock()
		next, ok := p.pop()
		if !ok {
			p.idlers = append(p.idlers, w)
		}
		p.mu.Unlock()
		for !ok {
			select {
			case next = <-w.wake:
				ok = true
			case <-clock.C():
				if clock.idled() && p.leave(w) {
					return
				}
			}
		}
		pj = next
	}
}

// leave ends an idle goroutine, unless a job is on its way to it.
func (p *hostPool) leave(w *poolIdler) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := slices.Index(p.idlers, w)
	if i < 0 {
		return false // submit took it off the idlers: its job is in w.wake
	}
	p.idlers = slices.Delete(p.idlers, i, i+1)
	p.attached--
	return true
}

// detach takes a goroutine whose message waits off the pool, starting
// another for the queue if it has jobs.
func (p *hostPool) detach() {
	p.mu.Lock()
	p.attached--
	pj, ok := p.pop()
	if ok {
		p.attached++
	}
	p.mu.Unlock()
	if ok {
		go p.serve(pj)
	}
}

// reattach brings a detached goroutine whose message finished back to
// the pool, if fewer than size serve it.
func (p *hostPool) reattach() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.attached >= p.size {
		return false
	}
	p.attached++
	return true
}

// withdraw takes run's queued jobs of partitions (all when nil) off the
// queue and ends them unsent, so unfinished: a revoked partition or a
// stopping delivery does not wait behind the host's other subscriptions
// for messages that were never sent, and the next reader delivers them.
func (p *hostPool) withdraw(run *serialRun, partitions []int32) {
	var gone []poolJob
	p.mu.Lock()
	kept := p.queue[:p.head]
	for _, pj := range p.queue[p.head:] {
		if pj.run == run && (partitions == nil || slices.Contains(partitions, pj.job.m.Partition)) {
			gone = append(gone, pj)
			run.dequeued()
			continue
		}
		kept = append(kept, pj)
	}
	clear(p.queue[len(kept):])
	p.queue = kept
	if p.head == len(p.queue) {
		p.emptied()
	}
	p.mu.Unlock()
	for _, pj := range gone {
		run.endJob(pj.job)
	}
}

// poolQueue bounds the jobs a subscription has queued in its host's pool;
// its loop polls again when poolRefill or fewer are left (one wake of the
// loop per poolQueue-poolRefill messages).
const (
	poolQueue  = 8
	poolRefill = 4
)

// pooled is a serial loop's share of its host's pool (delivery.host).
type pooled struct {
	queued atomic.Int32  // jobs in the pool's queue
	room   chan struct{} // signalled when queued falls to poolRefill
	jobs   sync.WaitGroup
}

// dequeued counts a job taken off the queue, waking the loop when its
// share fell to poolRefill.
func (s *serialRun) dequeued() {
	if s.pooled.queued.Add(-1) == poolRefill {
		select {
		case s.pooled.room <- struct{}{}:
		default:
		}
	}
}

// waitRoom waits until the subscription's share of the queue is down to
// poolRefill, ticking meanwhile; false when ctx ended first.
func (s *serialRun) waitRoom(ctx context.Context) bool {
	for s.pooled.queued.Load() > poolRefill {
		select {
		case <-s.pooled.room:
		case <-s.ticker.C:
			s.tick(ctx)
		case <-ctx.Done():
			return false
		}
	}
	return true
}
