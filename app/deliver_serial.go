package app

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// delivery is one subscription's running delivery: its compiled filters,
// its output rate and what it reports with.
type delivery struct {
	*Deliverer
	topic   domain.Topic
	sub     domain.Subscription
	filters domain.Filters
	limiter *rateLimiter
	labels  ports.Labels
	series  deliverySeries // per-message metrics (deliver_message.go)
	log     *slog.Logger
	// slots holds one token per message in flight (serial only; nil for
	// batch), so its length is the inflight gauge.
	slots chan struct{}
	// host sends the messages to the endpoint's host, bounding its attempts
	// in flight over all subscriptions (serial only; nil: unbounded and
	// sent by the loop's own workers, deliver_hostpool.go).
	host *hostPool
	// sender shadows the Deliverer's: it reports endpoint problems
	// (deliver_endpoint.go).
	sender ports.Sender
	// endpoint is the subscription endpoint as a URI template, parsed once
	// per delivery; endpointErr is why it could not be parsed.
	endpoint    domain.EndpointTemplate
	endpointErr error
	// broadcast holds a BROADCAST subscription's addresses as URI
	// templates, parsed once per delivery (deliver_broadcast.go).
	broadcast []parsedTarget
}

// consume runs one subscription's consumer (reading share of its
// partitions) until ctx ends, reopening it after failures, and returns
// when it stopped; start is the same without waiting.
func (d *Deliverer) consume(ctx context.Context, topic *domain.Topic, sub *domain.Subscription, share ports.PartitionShare) {
	done := make(chan struct{})
	d.start(ctx, topic, sub, share, func() { close(done) })
	<-done
}

// start delivers sub until ctx ends, then calls done. It runs on the
// calling goroutine until the subscription first rests (deliveryRun):
// with nothing to deliver and a consumer that calls back
// (ports.ReadyNotifier), no goroutine waits for it. topic and sub are
// copied; they come by pointer, and the setup is newDelivery's, so that
// the frames under a waiting subscription's Poll (a consumer that cannot
// call back) stay small: its goroutine's stack is then shrunk by the
// garbage collector to 8 KiB, where 4.4 KiB of frames kept it at 16.
func (d *Deliverer) start(ctx context.Context, topic *domain.Topic, sub *domain.Subscription, share ports.PartitionShare, done func()) {
	dl, err := d.newDelivery(topic, sub)
	if err != nil {
		// Validation rejects such filters; delivering unfiltered would
		// send what the subscriber asked not to get, so wait for a fix.
		dl.log.Error("subscription filters do not compile; not delivering", "err", err)
		context.AfterFunc(ctx, done)
		return
	}
	dl.begin(ctx, share, done).resume()
}

// newDelivery prepares the delivery of sub: its default policy, labels,
// sender, compiled filters and parsed endpoint. The error is the filters'
// (dl is usable for logging then).
func (d *Deliverer) newDelivery(topic *domain.Topic, sub *domain.Subscription) (*delivery, error) {
	name := sub.QualifiedName()
	dl := &delivery{Deliverer: d, topic: *topic, sub: *sub,
		labels: ports.Labels{"group": name.Topic.Group, "topic": name.Topic.Name, "subscription": name.Name},
		log:    d.log.With("subscription", name.String())}
	if dl.sub.Serial == nil && dl.sub.Batch == nil {
		p := domain.DefaultSubscriptionPolicy()
		dl.sub.Serial = &p
	}
	dl.sender = dl.oauthSender(&endpointSender{Sender: d.sender, log: dl.log})
	filters, err := domain.CompileFilters(dl.sub.Filters, d.jsonPath)
	if err != nil {
		return dl, err
	}
	dl.filters = filters
	dl.endpoint, dl.endpointErr = domain.ParseEndpointTemplate(dl.sub.Endpoint)
	if dl.sub.Mode == domain.ModeBroadcast {
		dl.broadcast = parseTargets(dl.sub.Endpoint)
	}
	return dl, nil
}

// deliveryRun is a running delivery's loop: its consumer and what is in
// flight, kept while the subscription rests.
type deliveryRun struct {
	dl    *delivery
	ctx   context.Context
	share ports.PartitionShare
	done  func()
	// ends are undone, last first, when the delivery stops.
	ends []func()
	// the open consumer (nil: to open) and its loop's state
	c       ports.MessageConsumer
	offsets *offsetTracker
	serial  *serialRun
}

// begin sets up the delivery's rate, max-rate share and periodic work.
func (dl *delivery) begin(ctx context.Context, share ports.PartitionShare, done func()) *deliveryRun {
	d := dl.Deliverer
	r := &deliveryRun{dl: dl, ctx: ctx, share: share, done: done}
	if dl.sub.Serial != nil && dl.sub.Batch == nil {
		dl.slots = make(chan struct{}, dl.inflightSize())
		dl.host = d.hosts.pool(dl.sub)
		dl.limiter = newRateLimiter(d.cfg.Rate, dl.sub.Serial.Rate)
		if d.maxRates.registry != nil {
			r.ends = append(r.ends, dl.shareMaxRate(ctx))
		}
		dl.reportRate(dl.limiter.current())
	}
	// Rate adjustment and gauges run on the Deliverer's shared periodic
	// goroutine: an idle subscription costs none of its own.
	r.ends = append(r.ends, d.periodic.add(dl.periodic))
	return r
}

// resume runs the loop on the calling goroutine until the subscription
// rests or ctx ends (then the delivery is undone and done called).
func (r *deliveryRun) resume() {
	if r.loop() {
		r.rest()
		return
	}
	for i := len(r.ends) - 1; i >= 0; i-- {
		r.ends[i]()
	}
	r.done()
}

// rest leaves the subscription without a goroutine until its consumer has
// something for it or ctx ends: the first of the two resumes the loop on a
// new goroutine.
func (r *deliveryRun) rest() {
	registered := make(chan struct{})
	var woken atomic.Bool
	var stopReady, stopCtx func() bool
	wake := func() {
		if !woken.CompareAndSwap(false, true) {
			return
		}
		go func() {
			<-registered
			stopReady()
			stopCtx()
			r.resume()
		}()
	}
	stopReady = r.c.(ports.ReadyNotifier).NotifyReady(wake)
	stopCtx = context.AfterFunc(r.ctx, wake)
	close(registered)
}

// loop delivers, reopening the consumer after failures, until ctx ends
// (false) or the subscription rests (true: the consumer stays open).
func (r *deliveryRun) loop() bool {
	d, dl := r.dl.Deliverer, r.dl
	name := dl.sub.QualifiedName()
	for {
		if r.c == nil {
			if r.ctx.Err() != nil {
				return false
			}
			// The messages' contexts do not end with the worker's: finish
			// gives those in flight RevokeWait first.
			offsets := newOffsetTracker(context.WithoutCancel(r.ctx))
			var c ports.MessageConsumer
			// The consumer calls revoked only inside Poll, so c is set by then.
			revoked := func(rctx context.Context, partitions []int32, lost bool) {
				if r.serial != nil {
					r.serial.withdraw(partitions)
				}
				dl.revoke(rctx, c, offsets, partitions, lost)
			}
			c, err := d.consumers.Consumer(r.ctx, dl.topic, name, ports.ConsumerOptions{Revoked: revoked, Share: r.share})
			if err != nil {
				dl.log.Error("opening consumer failed", "err", err)
				sleep(r.ctx, d.cfg.RestartBackoff)
				continue
			}
			r.c, r.offsets = c, offsets
			if dl.limiter != nil {
				r.serial = dl.newSerialRun(c, offsets)
			}
		}
		var err error
		if r.serial != nil {
			var resting bool
			if resting, err = r.serial.loop(r.ctx); resting {
				return true
			}
			r.serial.finish(r.ctx)
		} else {
			err = dl.batchLoop(r.ctx, r.c, r.offsets)
		}
		if cerr := r.c.Close(); cerr != nil {
			dl.log.Warn("closing consumer failed", "err", cerr)
		}
		r.c, r.offsets, r.serial = nil, nil, nil
		if err != nil && r.ctx.Err() == nil {
			dl.log.Error("consumer failed, reopening", "err", err)
			sleep(r.ctx, d.cfg.RestartBackoff)
		}
	}
}

// revoke hands partitions over (their messages still queued in the
// host's pool were withdrawn unsent before: serialRun.withdraw): it waits
// up to RevokeWait for their messages in flight, abandons those still
// running (they stay unfinished, so they are delivered again by the next
// owner), commits what finished and forgets the partitions. Lost
// partitions cannot be committed any more: their messages are abandoned
// at once.
func (dl *delivery) revoke(ctx context.Context, c ports.MessageConsumer, offsets *offsetTracker, partitions []int32, lost bool) {
	if lost {
		offsets.forget(partitions)
		dl.log.Warn("partitions lost; their messages in flight are abandoned", "partitions", partitions)
		return
	}
	offsets.drain(ctx, partitions, dl.cfg.RevokeWait)
	dl.commit(ctx, c, offsets)
	offsets.forget(partitions)
	dl.log.Debug("partitions revoked", "partitions", partitions)
}
func (dl *delivery) reportRate(r domain.OutputRate) {
	dl.metrics.Gauge("subscription.output-rate", dl.labels, r.Rate)
	dl.log.Debug("output rate", "rate", r.Rate, "mode", string(r.Mode))
}

// periodic adjusts the output rate (serial subscriptions) and reports
// the inflight and lag gauges: every RateSupervisorPeriod, from the
// Deliverer's periodicWork, bounded by the period.
func (dl *delivery) periodic(ctx context.Context) {
	if dl.limiter != nil {
		dl.reportRate(dl.limiter.adjust())
	}
	dl.reportOnce(ctx)
}

// reportOnce sets the inflight gauge (serial subscriptions) and the lag
// gauge; a lag that cannot be read (no committed position yet, store
// down) leaves the gauge as it was.
func (dl *delivery) reportOnce(ctx context.Context) {
	if dl.slots != nil {
		dl.metrics.Gauge("subscription.inflight", dl.labels, float64(len(dl.slots)))
	}
	if dl.admin == nil {
		return
	}
	lag, err := dl.admin.Lag(ctx, dl.sub.QualifiedName())
	if err != nil {
		dl.log.Debug("lag cannot be read", "err", err)
		return
	}
	dl.metrics.Gauge("subscription.lag", dl.labels, float64(lag))
}

// inflightSize is the policy's inflightSize, else the configured default.
func (dl *delivery) inflightSize() int {
	if p := dl.sub.Serial.InflightSize; p != nil && *p > 0 {
		return *p
	}
	return dl.cfg.InflightSize
}

// serialRun is a serial subscription's loop over one consumer: see loop.
type serialRun struct {
	dl      *delivery
	c       ports.MessageConsumer
	offsets *offsetTracker
	ticker  *time.Ticker // stopped while resting
	// The messages are sent by the host's pool when the host is gated
	// (dl.host), else by the loop's own workers.
	pooled  pooled
	workers *sendWorkers
	canRest bool // c is a ports.ReadyNotifier
	resting bool
	// running: counted in the Deliverer's commitPace (neither resting
	// nor finished); lastCommit is when a tick last committed.
	running    bool
	lastCommit time.Time
}

func (dl *delivery) newSerialRun(c ports.MessageConsumer, offsets *offsetTracker) *serialRun {
	_, canRest := c.(ports.ReadyNotifier)
	s := &serialRun{dl: dl, c: c, offsets: offsets, canRest: canRest,
		ticker: time.NewTicker(dl.cfg.CommitPeriod)}
	if dl.host != nil {
		s.pooled = pooled{room: make(chan struct{}, 1)}
	} else {
		s.workers = newSendWorkers(cap(dl.slots), dl.cfg.SendWorkerIdle, func(j sendJob) { s.send(j, nil) })
	}
	return s
}

// send delivers a job's message and ends the job.
func (s *serialRun) send(j sendJob, host *hostToken) {
	defer s.endJob(j)
	if s.dl.deliverMessage(j.ctx, j.m, host) {
		s.offsets.finish(j.m)
	}
}

// endJob ends a job, sent or not: its delivery and its in-flight slot.
func (s *serialRun) endJob(j sendJob) {
	s.offsets.end(j.ctx, j.m)
	<-s.dl.slots
	if s.dl.host != nil {
		s.pooled.jobs.Done()
	}
}

// runPooled sends a job on a goroutine of the host's pool, and reports
// whether the goroutine left the pool meanwhile (hostToken.pause).
func (s *serialRun) runPooled(j sendJob, p *hostPool) (detached bool) {
	host := &hostToken{gate: p.gate, pool: p}
	s.send(j, host)
	return host.pool == nil
}

// pollNow is an ended context: a Poll with it takes what is there
// without waiting.
var pollNow = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// loop polls and sends messages with up to inflightSize in flight, as
// Hermes does: with more than one in flight, messages of one partition
// may reach the subscriber out of order (inflightSize 1 keeps partition
// order). It polls again as soon as a poll's messages all have a slot, so
// a message retried for its whole messageTtl holds one slot, not the
// subscription. Offsets are committed up to the lowest unfinished message
// of each partition, every CommitPeriod: while anything is in flight or
// uncommitted, Poll is bounded by CommitPeriod. An idle subscription
// (nothing in flight or uncommitted, nothing to poll) rests when its
// consumer can call back: loop returns true, and is called again when
// there is something to poll. Otherwise it waits in Poll without waking
// up. Partitions move only inside Poll, where revoke settles them (see
// revoke). The messages are sent by the host's pool when the host is gated
// (deliver_hostpool.go; the loop polls when its share of the pool's queue
// is down to poolRefill), else by up to inflightSize send workers of its
// own (deliver_workers.go), which leave after SendWorkerIdle without a
// message. On false, the caller calls finish.
func (s *serialRun) loop(ctx context.Context) (resting bool, err error) {
	dl, c, offsets, slots := s.dl, s.c, s.offsets, s.dl.slots
	if s.resting {
		s.resting = false
		s.ticker.Reset(dl.cfg.CommitPeriod)
	}
	s.setRunning(true)
	for {
		if ctx.Err() != nil || (s.dl.host != nil && !s.waitRoom(ctx)) {
			return false, nil
		}
		var msgs []ports.ReceivedMessage
		if s.canRest && !offsets.delivering() {
			msgs, err = pollUpTo(pollNow, c, s.pollLimit())
			if errors.Is(err, pollNow.Err()) && len(msgs) == 0 {
				// Caught up: what finished is committed now, not at the
				// pace of busy subscriptions, and the subscription rests.
				s.commitNow(ctx)
				if !offsets.busy() {
					s.ticker.Stop()
					s.resting = true
					s.setRunning(false)
					return true, nil
				}
				msgs, err = s.poll(ctx) // the commit failed: wait as a busy one
			}
		} else {
			msgs, err = s.poll(ctx)
		}
		switch {
		case ctx.Err() != nil:
			return false, nil
		case errors.Is(err, context.DeadlineExceeded):
			if offsets.delivering() {
				s.tick(ctx)
			} else {
				s.commitNow(ctx) // caught up (a consumer that cannot rest)
			}
			continue
		case err != nil:
			return false, err
		}
		offsets.add(msgs)
		for _, m := range msgs {
			if !s.waitFor(ctx, slots) {
				return false, nil
			}
			mctx, ok := offsets.start(m)
			if !ok {
				<-slots
				continue
			}
			j := sendJob{ctx: mctx, m: m}
			if s.dl.host != nil {
				s.pooled.jobs.Add(1)
				s.dl.host.submit(poolJob{run: s, job: j})
			} else {
				s.workers.submit(j)
			}
		}
		select {
		case <-s.ticker.C:
			s.tick(ctx)
		default:
		}
	}
}

// tick commits at a tick of the loop, when the Deliverer's commitPace
// says this subscription's commit is due.
func (s *serialRun) tick(ctx context.Context) {
	if s.dl.commits.due(s.lastCommit, time.Now()) {
		s.commitNow(ctx)
	}
}

// commitNow commits what finished, whatever the pace: a subscription
// that caught up commits once at the end of its burst.
func (s *serialRun) commitNow(ctx context.Context) {
	if s.offsets.busy() {
		s.lastCommit = time.Now()
		s.dl.commit(ctx, s.c, s.offsets)
	}
}

// setRunning counts the loop in the commitPace, or stops counting it.
func (s *serialRun) setRunning(running bool) {
	if s.running == running {
		return
	}
	s.running = running
	if running {
		s.dl.commits.running.Add(1)
	} else {
		s.dl.commits.running.Add(-1)
	}
}

// finish ends the loop for good before the consumer is closed: the
// messages in flight get RevokeWait to finish, as on a revoke, so that a
// stop (suspension, removal, a configuration change, shutdown) does not
// deliver again what the subscriber just took; those still running then
// are cancelled and stay uncommitted. Messages still queued in the host's
// pool are withdrawn first: never sent, they stay uncommitted too. It
// commits what finished.
func (s *serialRun) finish(ctx context.Context) {
	s.ticker.Stop()
	s.setRunning(false)
	s.withdraw(nil)
	s.offsets.drainAll(context.WithoutCancel(ctx), s.dl.cfg.RevokeWait)
	if s.dl.host != nil {
		s.pooled.jobs.Wait()
	} else {
		s.workers.close()
		s.workers.wait()
	}
	s.dl.commit(ctx, s.c, s.offsets)
}

// poll polls up to pollLimit messages, bounded by CommitPeriod while
// offsets are busy (then it returns context.DeadlineExceeded when nothing
// came); what is buffered already is taken without a timer.
func (s *serialRun) poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	n := s.pollLimit()
	if !s.offsets.busy() {
		return pollUpTo(ctx, s.c, n)
	}
	if msgs, err := pollUpTo(pollNow, s.c, n); len(msgs) > 0 || (err != nil && !errors.Is(err, pollNow.Err())) {
		return msgs, err
	}
	pctx, cancel := context.WithTimeout(ctx, s.dl.cfg.CommitPeriod)
	defer cancel()
	msgs, err := pollUpTo(pctx, s.c, n)
	if err != nil && pctx.Err() != nil && ctx.Err() == nil {
		return nil, context.DeadlineExceeded
	}
	return msgs, err
}

// pollLimit is how many messages a poll takes: no more than there are
// free in-flight slots (at least one, which then waits for its slot), and
// no more than the subscription's room in its host's pool (poolQueue): a
// message that waits for its host waits there, so more would only wait
// decoded. The rest stay in the consumer's buffer (ports.BoundedPoller).
func (s *serialRun) pollLimit() int {
	n := cap(s.dl.slots) - len(s.dl.slots)
	if s.dl.host != nil {
		n = min(n, poolQueue-int(s.pooled.queued.Load()))
	}
	return max(n, 1)
}

// withdraw takes the loop's messages of partitions (all when nil) that
// wait in its host's pool off it, unsent (hostPool.withdraw).
func (s *serialRun) withdraw(partitions []int32) {
	if s.dl.host != nil {
		s.dl.host.withdraw(s, partitions)
	}
}

// pollUpTo polls at most n messages from a ports.BoundedPoller, and
// what Poll returns from another consumer.
func pollUpTo(ctx context.Context, c ports.MessageConsumer, n int) ([]ports.ReceivedMessage, error) {
	if b, ok := c.(ports.BoundedPoller); ok {
		return b.PollUpTo(ctx, n)
	}
	return c.Poll(ctx)
}

// waitFor takes a token of slots (an in-flight slot, or a host's token),
// ticking (tick) while it waits; it returns false when ctx ended first.
func (s *serialRun) waitFor(ctx context.Context, slots chan struct{}) bool {
	// A free token is taken without the select below, which locks the
	// ticker's and ctx's channels too: a thousand busy subscriptions'
	// channels are not in the CPU's cache.
	if ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
			return true
		default:
		}
	}
	for {
		select {
		case slots <- struct{}{}:
			return true
		case <-s.ticker.C:
			s.tick(ctx)
		case <-ctx.Done():
			return false
		}
	}
}

// commit commits the finished prefix of each partition; it still runs when
// ctx ended (shutdown), bounded by CommitTimeout.
func (dl *delivery) commit(ctx context.Context, c ports.MessageConsumer, offsets *offsetTracker) {
	next := offsets.committable()
	if len(next) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dl.cfg.CommitTimeout)
	defer cancel()
	if err := c.Commit(cctx, next); err != nil {
		offsets.failed(next)
		dl.log.Warn("commit failed; messages may be redelivered", "err", err)
	}
}
