package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/hermes-go/hermes/adapters/internal/tracking"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.Tracker         = (*Tracker)(nil)
	_ ports.TraceRepository = (*Tracker)(nil)
)

// codeNotImplemented is the server's answer to an unsupported index option
// (FerretDB's to expireAfterSeconds).
const codeNotImplemented = 238

// schemaRetry is how soon a failed index creation is retried.
const schemaRetry = 10 * time.Second

// createdAtField holds the trace time as a BSON date, the type a TTL index
// needs (Hermes stores "timestamp" as epoch millis, which TTL ignores).
const createdAtField = "createdAt"

// storedPublished and storedSent add the TTL date to Hermes's documents.
type storedPublished struct {
	tracking.PublishedDoc `bson:",inline"`
	CreatedAt             time.Time `bson:"createdAt"`
}

type storedSent struct {
	tracking.SentDoc `bson:",inline"`
	CreatedAt        time.Time `bson:"createdAt"`
}

// Tracker is a ports.Tracker and ports.TraceRepository over MongoDB (or a
// wire-compatible server such as FerretDB), in Hermes's collections
// published_messages and sent_messages.
//
// Writes go through a bounded queue to one background writer that inserts
// batches; a slow or dead server never blocks Published or Sent, it makes
// traces drop (see Dropped). Indexes are created by a background loop
// that retries until the server answers, so New succeeds while the server
// is down.
//
// Retention: on MongoDB a TTL index on createdAt (the trace time) removes
// traces older than Config.Retention. Servers without TTL indexes (FerretDB
// answers NotImplemented) get app-side expiry instead: every
// Config.ExpiryInterval the tracker deletes the traces whose timestamp is
// older than Retention. App-side expiry also covers documents written by
// Hermes itself, which lack createdAt.
type Tracker struct {
	*tracking.Recorder // Published, Sent, Dropped, Flush

	cfg       Config
	log       *slog.Logger
	client    *mdb.Client
	published *mdb.Collection
	sent      *mdb.Collection
	appExpiry atomic.Bool // set once indexes exist and TTL is unsupported
	ttl       atomic.Bool // set once the TTL index exists
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New connects lazily (it does not wait for the server) and starts the
// writer and maintenance goroutines; Close stops them. It fails only on an
// invalid configuration.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Tracker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	client, err := mdb.Connect(options.Client().ApplyURI(cfg.URI).SetServerSelectionTimeout(cfg.Timeout))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect %q: %w: %w", cfg.URI, domain.ErrValidation, err)
	}
	db := client.Database(cfg.Database)
	t := &Tracker{
		cfg: cfg, log: log, client: client,
		published: db.Collection(tracking.PublishedName),
		sent:      db.Collection(tracking.SentName),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	t.Recorder = tracking.NewRecorder(tracking.Config{QueueSize: cfg.QueueSize, BatchSize: cfg.BatchSize,
		FlushInterval: cfg.FlushInterval, CloseTimeout: cfg.CloseTimeout, WriteTimeout: cfg.Timeout}, log, t.write)
	go t.maintain()
	return t, nil
}

// Close flushes what is queued (bounded by Config.CloseTimeout), stops the
// goroutines and disconnects. Traces recorded after Close are dropped.
func (t *Tracker) Close() error {
	t.Recorder.Close()
	t.closeOnce.Do(func() { close(t.stop) })
	<-t.done
	ctx, cancel := context.WithTimeout(context.Background(), t.cfg.CloseTimeout)
	defer cancel()
	if err := t.client.Disconnect(ctx); err != nil && !errors.Is(err, mdb.ErrClientDisconnected) {
		return fmt.Errorf("mongo: disconnect: %w", err)
	}
	return nil
}

// write inserts one batch, split by collection.
func (t *Tracker) write(ctx context.Context, batch []tracking.Item) (int, error) {
	var published, sent []any
	for _, it := range batch {
		if it.Published != nil {
			published = append(published, storedPublished{*it.Published, time.UnixMilli(it.Published.Timestamp)})
		} else {
			sent = append(sent, storedSent{*it.Sent, time.UnixMilli(it.Sent.Timestamp)})
		}
	}
	failed, errs := 0, []error{}
	for _, w := range []struct {
		coll *mdb.Collection
		docs []any
	}{{t.published, published}, {t.sent, sent}} {
		if len(w.docs) == 0 {
			continue
		}
		if _, err := w.coll.InsertMany(ctx, w.docs, options.InsertMany().SetOrdered(false)); err != nil {
			failed += len(w.docs)
			errs = append(errs, fmt.Errorf("mongo: insert into %s: %w: %w", w.coll.Name(), domain.ErrUnavailable, err))
		}
	}
	return failed, errors.Join(errs...)
}

// maintain creates the indexes (retrying until the server answers), then
// runs app-side expiry where TTL indexes are unsupported.
func (t *Tracker) maintain() {
	defer close(t.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-t.stop
		cancel()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	ready := false
	for {
		select {
		case <-t.stop:
			return
		case <-timer.C:
		}
		next := t.cfg.ExpiryInterval
		if !ready {
			if err := t.ensureIndexes(ctx); err != nil {
				t.log.Warn("creating trace indexes failed, retrying", "err", err)
				timer.Reset(min(schemaRetry, next))
				continue
			}
			ready = true
		}
		if t.appExpiry.Load() {
			if err := t.expire(ctx); err != nil {
				t.log.Warn("expiring old traces failed", "err", err)
			}
		}
		timer.Reset(next)
	}
}

// ensureIndexes creates the indexes of the two queries, the timestamp
// index of app-side expiry, and the TTL index where supported.
func (t *Tracker) ensureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	byMessage := mdb.IndexModel{Keys: bson.D{{Key: tracking.FieldMessageID, Value: 1}}}
	byTime := mdb.IndexModel{Keys: bson.D{{Key: tracking.FieldTimestamp, Value: 1}}}
	undelivered := mdb.IndexModel{Keys: bson.D{
		{Key: tracking.FieldTopicName, Value: 1}, {Key: tracking.FieldSubscription, Value: 1},
		{Key: tracking.FieldStatus, Value: 1}, {Key: tracking.FieldTimestamp, Value: -1},
	}}
	if _, err := t.published.Indexes().CreateMany(ctx, []mdb.IndexModel{byMessage, byTime}); err != nil {
		return fmt.Errorf("mongo: create indexes: %w: %w", domain.ErrUnavailable, err)
	}
	if _, err := t.sent.Indexes().CreateMany(ctx, []mdb.IndexModel{byMessage, byTime, undelivered}); err != nil {
		return fmt.Errorf("mongo: create indexes: %w: %w", domain.ErrUnavailable, err)
	}
	ttl := mdb.IndexModel{
		Keys:    bson.D{{Key: createdAtField, Value: 1}},
		Options: options.Index().SetExpireAfterSeconds(int32(t.cfg.Retention / time.Second)),
	}
	for _, coll := range []*mdb.Collection{t.published, t.sent} {
		_, err := coll.Indexes().CreateOne(ctx, ttl)
		var serr mdb.ServerError
		switch {
		case err == nil:
			continue
		case errors.As(err, &serr) && serr.HasErrorCode(codeNotImplemented):
			t.log.Info("server has no TTL indexes, expiring traces from the app", "interval", t.cfg.ExpiryInterval)
		case errors.As(err, &serr):
			// Typically a TTL index with another Retention exists; keep it
			// and enforce this Retention from the app as well.
			t.log.Warn("TTL index not created, expiring traces from the app", "err", err)
		default:
			return fmt.Errorf("mongo: create TTL index: %w: %w", domain.ErrUnavailable, err)
		}
		t.appExpiry.Store(true)
		return nil
	}
	t.ttl.Store(true)
	return nil
}

// expire deletes traces older than Retention.
func (t *Tracker) expire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	cutoff := t.cfg.now().Add(-t.cfg.Retention).UnixMilli()
	filter := bson.D{{Key: tracking.FieldTimestamp, Value: bson.D{{Key: "$lt", Value: cutoff}}}}
	for _, coll := range []*mdb.Collection{t.published, t.sent} {
		if _, err := coll.DeleteMany(ctx, filter); err != nil {
			return fmt.Errorf("mongo: expire %s: %w: %w", coll.Name(), domain.ErrUnavailable, err)
		}
	}
	return nil
}

// MessageTraces implements ports.TraceRepository.
func (t *Tracker) MessageTraces(ctx context.Context, sub domain.SubscriptionName, messageID string) ([]domain.PublishedMessageTrace, []domain.SentMessageTrace, error) {
	byTime := options.Find().SetSort(bson.D{{Key: tracking.FieldTimestamp, Value: 1}}).SetLimit(tracking.MaxTraces)
	published, err := find[tracking.PublishedDoc](ctx, t.published, bson.D{
		{Key: tracking.FieldMessageID, Value: messageID},
		{Key: tracking.FieldTopicName, Value: sub.Topic.String()},
	}, byTime)
	if err != nil {
		return nil, nil, err
	}
	sent, err := find[tracking.SentDoc](ctx, t.sent, bson.D{
		{Key: tracking.FieldMessageID, Value: messageID},
		{Key: tracking.FieldTopicName, Value: sub.Topic.String()},
		{Key: tracking.FieldSubscription, Value: sub.Name},
	}, byTime)
	if err != nil {
		return nil, nil, err
	}
	return tracking.Traces[tracking.PublishedDoc, domain.PublishedMessageTrace](published),
		tracking.Traces[tracking.SentDoc, domain.SentMessageTrace](sent), nil
}

// Undelivered implements ports.TraceRepository.
func (t *Tracker) Undelivered(ctx context.Context, sub domain.SubscriptionName, limit int) ([]domain.SentMessageTrace, error) {
	if limit <= 0 {
		return []domain.SentMessageTrace{}, ctx.Err()
	}
	sent, err := find[tracking.SentDoc](ctx, t.sent, bson.D{
		{Key: tracking.FieldTopicName, Value: sub.Topic.String()},
		{Key: tracking.FieldSubscription, Value: sub.Name},
		{Key: tracking.FieldStatus, Value: domain.SentDiscarded},
	}, options.Find().SetSort(bson.D{{Key: tracking.FieldTimestamp, Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	return tracking.Traces[tracking.SentDoc, domain.SentMessageTrace](sent), nil
}

func find[D any](ctx context.Context, coll *mdb.Collection, filter bson.D, opts *options.FindOptionsBuilder) ([]D, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: find in %s: %w: %w", coll.Name(), domain.ErrUnavailable, err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: read %s: %w: %w", coll.Name(), domain.ErrUnavailable, err)
	}
	return docs, nil
}
