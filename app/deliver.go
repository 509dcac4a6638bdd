package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// DeliveryConfig tunes the consumers.
type DeliveryConfig struct {
	// RestartBackoff is the pause before a failed consumer is reopened.
	RestartBackoff time.Duration
	// CommitTimeout bounds committing delivered offsets at shutdown.
	CommitTimeout time.Duration
	// ClusterName is reported in sent traces.
	ClusterName string
	// InflightSize is how many messages of one subscription may be in
	// flight at once when its policy sets none (Hermes's
	// consumer.serialConsumer.inflightSize, default 100).
	InflightSize int
	// Rate tunes the adaptive output rate (default domain.DefaultRateSettings).
	Rate domain.RateSettings
	// RateSupervisorPeriod is how often output rates are recomputed
	// (Hermes's consumer.rate.limiterSupervisorPeriod, default 30s).
	RateSupervisorPeriod time.Duration
	// CommitPeriod is how often finished offsets are committed while
	// messages are in flight or finished ones wait (default 1s), while
	// MaxCommitRate allows it.
	CommitPeriod time.Duration
	// MaxCommitRate bounds the commits a second of all serial
	// subscriptions together (default DefaultMaxCommitRate; negative:
	// unbounded): with more subscriptions running than it allows each
	// CommitPeriod, each commits less often (deliver_commitpace.go).
	MaxCommitRate float64
	// RevokeWait bounds how long a partition leaving a consumer waits for
	// its messages in flight before they are abandoned (default 5s; keep
	// it under the store's rebalance timeout).
	RevokeWait time.Duration
	// MaxRate tunes sharing a subscription's rate between the consumer
	// instances serving it (see Deliverer.ShareMaxRate).
	MaxRate MaxRateConfig
	// SplitPartitions says the consumer factory reads only the given
	// ports.PartitionShare of each subscription's partitions (the shared
	// Kafka consumer), so a worker restarts when its share changes.
	SplitPartitions bool
	// SendWorkerIdle is how long a serial subscription's send goroutine
	// waits for the next message before it ends (default 10s; it ends
	// between one and two such periods after its last message): a busy
	// subscription keeps up to inflightSize of them, an idle one none.
	SendWorkerIdle time.Duration
	// SendsPerHost bounds the send attempts in flight to one endpoint
	// host over all serial HTTP/1 subscriptions (deliver_hostgate.go): set
	// it to the sender's connections per host. 0: no bound here.
	SendsPerHost int
	// OmitKeepAliveHeader stops sending "Keep-Alive: true" to HTTP/1
	// subscribers (Hermes always sends it; default false: sent).
	OmitKeepAliveHeader bool
}

func (c DeliveryConfig) withDefaults() DeliveryConfig {
	if c.RestartBackoff <= 0 {
		c.RestartBackoff = time.Second
	}
	if c.CommitTimeout <= 0 {
		c.CommitTimeout = 5 * time.Second
	}
	if c.InflightSize <= 0 {
		c.InflightSize = 100
	}
	if c.Rate == (domain.RateSettings{}) {
		c.Rate = domain.DefaultRateSettings()
	}
	if c.RateSupervisorPeriod <= 0 {
		c.RateSupervisorPeriod = 30 * time.Second
	}
	if c.CommitPeriod <= 0 {
		c.CommitPeriod = time.Second
	}
	if c.MaxCommitRate == 0 {
		c.MaxCommitRate = DefaultMaxCommitRate
	}
	if c.RevokeWait <= 0 {
		c.RevokeWait = 5 * time.Second
	}
	if c.SendWorkerIdle <= 0 {
		c.SendWorkerIdle = 10 * time.Second
	}
	c.MaxRate = c.MaxRate.withDefaults()
	return c
}

// Deliverer runs one delivery worker per active subscription and keeps the
// set in step with the metadata store (the consumers module).
type Deliverer struct {
	cfg         DeliveryConfig
	store       ports.MetadataStore
	admin       ports.MessageStoreAdmin
	consumers   ports.MessageConsumerFactory
	sender      ports.Sender
	metrics     ports.Metrics
	tracker     ports.Tracker
	undelivered ports.UndeliveredLog
	log         *slog.Logger
	schemas     *Schemas // nil: AVRO topics are delivered as stored
	jsonPath    ports.JSONPathCompiler
	maxRates    maxRateRegistration
	oauth       *oauthDeps // nil: no OAuth tokens (deliver_oauth.go)
	workload    *Workload  // nil: this instance runs every subscription
	hosts       hostGates
	commits     commitPace

	workers  map[string]*worker // owned by Run's goroutine
	periodic periodicWork       // the workers' periodic work; Run runs it
	// maxRateUpdates and maxRateBalances are the workers' max-rate
	// negotiation (deliver_maxrate.go), every UpdateInterval and
	// BalanceInterval; Run runs them.
	maxRateUpdates, maxRateBalances periodicWork
	status                          runningStatus // what workers runs, for the status server
}

type worker struct {
	fingerprint [sha256.Size]byte
	cancel      context.CancelFunc
	done        chan struct{}
}

// NewDeliverer returns the delivery use case.
func NewDeliverer(cfg DeliveryConfig, store ports.MetadataStore, admin ports.MessageStoreAdmin, consumers ports.MessageConsumerFactory, sender ports.Sender, metrics ports.Metrics, tracker ports.Tracker, undelivered ports.UndeliveredLog, log *slog.Logger) *Deliverer {
	cfg = cfg.withDefaults()
	return &Deliverer{cfg: cfg, store: store, admin: admin, consumers: consumers, sender: sender, metrics: metrics,
		tracker: tracker, undelivered: undelivered, log: log, workers: map[string]*worker{}, hosts: hostGates{size: cfg.SendsPerHost, idle: cfg.SendWorkerIdle},
		commits: commitPace{period: cfg.CommitPeriod, rate: max(cfg.MaxCommitRate, 0)}}
}

// Run delivers until ctx ends, then stops every worker (committing what was
// delivered) and returns.
func (d *Deliverer) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { d.periodic.run(ctx, d.cfg.RateSupervisorPeriod) })
	if d.maxRates.registry != nil {
		wg.Go(func() { d.maxRateUpdates.run(ctx, d.cfg.MaxRate.UpdateInterval) })
		wg.Go(func() { d.maxRateBalances.run(ctx, d.cfg.MaxRate.BalanceInterval) })
	}
	defer d.stopAll()
	for ctx.Err() == nil {
		changes, err := d.store.Watch(ctx)
		if err != nil {
			d.log.Error("metadata watch failed", "err", err)
			sleep(ctx, d.cfg.RestartBackoff)
			continue
		}
		d.resyncAll(ctx)
		for open := true; open; {
			select {
			case c, ok := <-changes:
				open = ok
				if ok {
					d.apply(ctx, c)
				}
			case <-d.assignmentChanged():
				d.resyncAll(ctx)
			}
		}
	}
	return nil
}

// apply reconciles what one metadata change touches.
func (d *Deliverer) apply(ctx context.Context, c ports.Change) {
	switch {
	case c.Kind == ports.ChangeResync:
		d.resyncAll(ctx)
	case c.Subscription != "":
		d.reconcile(ctx, domain.SubscriptionName{Topic: c.Topic, Name: c.Subscription})
	case c.Topic != (domain.TopicName{}) && c.Kind == ports.ChangeUpdated:
		// A topic change that matters to delivery (its move to
		// AVRO) restarts its subscriptions' workers.
		d.reconcileTopic(ctx, c.Topic)
	}
}

// resyncAll lists every subscription and reconciles each, stopping workers
// of subscriptions that are gone.
func (d *Deliverer) resyncAll(ctx context.Context) {
	seen := map[string]bool{}
	var kept []string // topics whose listing failed: their workers stay as they are
	topics, err := d.store.Topics(ctx, "")
	if err != nil {
		d.log.Error("listing topics failed", "err", err)
		return
	}
	for _, qualified := range topics {
		t, err := domain.ParseTopicName(qualified)
		if err != nil {
			continue
		}
		subs, err := d.store.Subscriptions(ctx, t)
		switch {
		case errors.Is(err, domain.ErrTopicNotFound):
			continue
		case errors.Is(err, domain.ErrUnavailable), ctx.Err() != nil:
			d.log.Error("listing subscriptions failed", "topic", qualified, "err", err)
			return // the backend is away: change nothing
		case err != nil:
			// This topic only (e.g. its data is unreadable): the others
			// go on (issue 15, defect 8).
			d.log.Error("listing subscriptions failed", "topic", qualified, "err", err)
			kept = append(kept, qualified+"$")
			continue
		}
		for _, s := range subs {
			seen[s.QualifiedName().String()] = true
			d.reconcile(ctx, s.QualifiedName())
		}
	}
	for key := range d.workers {
		if !seen[key] && !slices.ContainsFunc(kept, func(prefix string) bool { return strings.HasPrefix(key, prefix) }) {
			d.stopWorker(key)
			d.log.Info("subscription removed; delivery stopped", "subscription", key)
		}
	}
}

// reconcile makes the worker of one subscription match its stored state.
func (d *Deliverer) reconcile(ctx context.Context, name domain.SubscriptionName) {
	key := name.String()
	sub, err := d.store.Subscription(ctx, name)
	if errors.Is(err, domain.ErrCorrupt) {
		// Its settings cannot be read, so it cannot be delivered; its
		// position stays for when it is repaired (MetadataEntries reports it).
		if d.stopWorker(key) {
			d.log.Error("subscription is unreadable; delivery stopped until it is repaired", "subscription", key, "err", err)
		}
		return
	}
	if err != nil && !errors.Is(err, domain.ErrSubscriptionNotFound) {
		d.log.Error("reading subscription failed", "subscription", key, "err", err)
		return
	}
	if err == nil && d.workload != nil && !d.workload.Assigned(key) {
		if d.stopWorker(key) {
			d.log.Info("subscription assigned to other instances; delivery stopped", "subscription", key)
		}
		return
	}
	if err != nil || sub.State == domain.StateSuspended {
		if d.stopWorker(key) {
			if err != nil {
				d.log.Info("subscription removed; delivery stopped", "subscription", key)
			} else {
				d.log.Info("subscription suspended; delivery stopped", "subscription", key)
			}
		}
		if err != nil {
			if err := d.admin.DeleteSubscriptionPosition(ctx, name); err != nil {
				d.log.Warn("deleting position of removed subscription failed", "subscription", key, "err", err)
			}
		}
		return
	}
	w := d.workers[key]
	topic, err := d.store.Topic(ctx, name.Topic)
	if err != nil {
		d.log.Error("reading topic failed", "topic", name.Topic.String(), "err", err)
		if w != nil {
			w.stop()
		}
		delete(d.workers, key)
		d.status.stopped(key)
		return
	}
	var share ports.PartitionShare
	if d.workload != nil && d.cfg.SplitPartitions {
		share, _ = d.workload.Share(key)
	}
	fp := fingerprint(topic, sub, share)
	if w != nil && w.fingerprint == fp {
		return
	}
	if w != nil {
		w.stop()
	}
	wctx, cancel := context.WithCancel(ctx)
	signal := signalStart
	if w != nil {
		signal = signalUpdate
	}
	d.status.signal(key, signal)
	w = &worker{fingerprint: fp, cancel: cancel, done: make(chan struct{})}
	d.workers[key] = w
	// The worker's goroutine ends when the subscription first rests;
	// whichever goroutine ends the delivery closes done.
	go d.start(wctx, &topic, &sub, share, func() { close(w.done) })
	if sub.State == domain.StatePending {
		_, err := d.store.UpdateSubscription(ctx, name, func(s domain.Subscription) (domain.Subscription, error) {
			if s.State == domain.StatePending {
				s.State = domain.StateActive
			}
			return s, nil
		})
		if err != nil {
			d.log.Warn("activating subscription failed", "subscription", key, "err", err)
		}
	}
}

// stopWorker stops and forgets the worker of key, reporting whether one
// ran.
func (d *Deliverer) stopWorker(key string) bool {
	w := d.workers[key]
	if w == nil {
		return false
	}
	w.stop()
	delete(d.workers, key)
	d.status.stopped(key)
	return true
}

// fingerprint identifies the delivery-relevant configuration: a change
// restarts the worker; a state flip between PENDING and ACTIVE does not.
// A digest, not the configuration itself: a worker keeps it while it
// runs, and the JSON was 1.3 KB of every idle subscription's memory.
func fingerprint(t domain.Topic, s domain.Subscription, share ports.PartitionShare) [sha256.Size]byte {
	s.State, s.CreatedAt, s.ModifiedAt = "", nil, nil
	b, _ := json.Marshal(s)
	return sha256.Sum256(fmt.Appendf(nil, "%s/%t/%d/%d/%s", t.ContentType, t.MigratedFromJSONType, share.Index, share.Count, b))
}

// reconcileTopic reconciles every subscription of topic.
func (d *Deliverer) reconcileTopic(ctx context.Context, topic domain.TopicName) {
	subs, err := d.store.Subscriptions(ctx, topic)
	if err != nil {
		if !errors.Is(err, domain.ErrTopicNotFound) {
			d.log.Error("listing subscriptions failed", "topic", topic.String(), "err", err)
		}
		return
	}
	for _, s := range subs {
		d.reconcile(ctx, s.QualifiedName())
	}
}

func (w *worker) stop() {
	w.cancel()
	<-w.done
}

// stopAll stops every worker at once: each may give its messages in
// flight RevokeWait to finish.
func (d *Deliverer) stopAll() {
	for _, w := range d.workers {
		w.cancel()
	}
	for key, w := range d.workers {
		w.stop()
		delete(d.workers, key)
		d.status.stopped(key)
	}
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
