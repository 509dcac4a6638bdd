package app

import (
	"context"
	"sync"
	"time"

	"github.com/hermes-go/hermes/ports"
)

// sendJob is one message a serial loop handed to its send workers or its
// host's pool, with the context its delivery runs under (its partition's,
// offsetTracker.start).
type sendJob struct {
	ctx context.Context
	m   ports.ReceivedMessage
}

// sendWorkers are the goroutines that deliver a serial loop's messages:
// started as messages arrive, at most size of them, each kept for the next
// message until an idle period passed without one (see work). A goroutine per
// message cost its closure, the message copied into it and a new stack
// (about 260 of the 378 bytes a delivered message allocated, and the stack
// growth showed in the CPU profile); an idle subscription still runs none.
//
// The caller holds one of size slots for each job from before submit until
// run returned for it, so at most size jobs are queued or running. The
// queue holds only sendQueue of them (a job is 184 bytes: a queue of
// inflightSize, 100 by default, was half the memory of an idle
// subscription): submit then waits for a worker to take one, and there
// always is one on its way (see pending). The queue exists only while
// workers run: the last worker to leave drops it, and the next submit
// makes a new one (sendQueue jobs were 1.5 KB of every idle
// subscription). One goroutine submits and then closes; wait returns once
// every submitted job ran.
type sendWorkers struct {
	size int
	idle time.Duration
	run  func(sendJob)
	wg   sync.WaitGroup

	mu sync.Mutex
	// jobs is the queue, nil while no worker runs; each worker reads the
	// one it was started for.
	jobs chan sendJob
	done bool // close was called
	// running counts the workers; waiting those not running a job (a worker
	// just started counts as waiting); pending the jobs submitted and not
	// yet taken. A worker starts only while pending > waiting, and leaves
	// only while pending < waiting, so a queued job always has a worker on
	// its way to it.
	running, waiting, pending int
}

// sendQueue bounds the jobs queued for the send workers.
const sendQueue = 8

func newSendWorkers(size int, idle time.Duration, run func(sendJob)) *sendWorkers {
	return &sendWorkers{size: size, idle: idle, run: run}
}

// submit queues j for a worker, starting one when none is free and fewer
// than size run. Busy workers come back for the queue when size already
// run: with one slot per job, size workers are enough for every job.
func (w *sendWorkers) submit(j sendJob) {
	w.mu.Lock()
	w.pending++
	if w.jobs == nil {
		w.jobs = make(chan sendJob, min(w.size, sendQueue))
	}
	jobs := w.jobs
	if w.pending > w.waiting && w.running < w.size {
		w.running++
		w.waiting++
		w.wg.Go(func() { w.work(jobs) })
	}
	w.mu.Unlock()
	jobs <- j
}

// close ends the workers once the queue is empty; no submit may follow.
// The queued jobs still run (under their contexts, cancelled by then when
// the loop stops).
func (w *sendWorkers) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	if w.jobs != nil {
		close(w.jobs)
	}
}

// wait waits for the workers to end (after close, or after they all went
// idle).
func (w *sendWorkers) wait() { w.wg.Wait() }

// work is one worker: it takes jobs until the queue closes or a whole
// idle period passed without one (idleClock).
func (w *sendWorkers) work(jobs <-chan sendJob) {
	clock := idleClock{idle: w.idle}
	defer clock.stop()
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				w.closed()
				return
			}
			clock.worked()
			w.mu.Lock()
			w.waiting--
			w.pending--
			w.mu.Unlock()
			w.run(j)
			w.mu.Lock()
			w.waiting++
			w.mu.Unlock()
		case <-clock.C():
			if clock.idled() && w.leave() {
				return
			}
		}
	}
}

// idleClock tells a goroutine of a pool (send workers, a host's pool)
// when it has idled a whole period. Its timer is not reset per job (a
// timer operation per message showed in the delivery profile): it ticks
// every period, and a goroutine that worked since the last tick stays. So
// a goroutine leaves between one and two idle periods after its last job.
// The timer starts at the first wait.
type idleClock struct {
	idle  time.Duration
	timer *time.Timer
	busy  bool
}

// C is the channel of the clock's ticks, to wait on with the work.
func (c *idleClock) C() <-chan time.Time {
	if c.timer == nil {
		c.timer = time.NewTimer(c.idle)
	}
	return c.timer.C
}

// worked records a job.
func (c *idleClock) worked() { c.busy = true }

// idled, at a tick, reports whether no job came since the previous one;
// the clock ticks on either way.
func (c *idleClock) idled() bool {
	idled := !c.busy
	c.busy = false
	c.timer.Reset(c.idle)
	return idled
}

func (c *idleClock) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
}

// leave ends an idle worker unless a queued job would then lack one.
func (w *sendWorkers) leave() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending >= w.waiting {
		return false
	}
	w.waiting--
	w.running--
	if w.running == 0 && !w.done {
		// No job is pending (pending < waiting, now 0), so nobody sends on
		// the queue: it can go, and the next submit makes another.
		w.jobs = nil
	}
	return true
}

// closed accounts for a worker that found the queue closed.
func (w *sendWorkers) closed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting--
	w.running--
}

// queued reports whether the queue exists (for tests).
func (w *sendWorkers) queued() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.jobs != nil
}

// workers reports how many workers run (for tests).
func (w *sendWorkers) workers() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}
