package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// StoreTopicRepair re-creates the store topics of metadata topics that
// lost theirs: a topic created while the embedded store could not persist
// its state, the embedded data dir restored without its kafka part, or a
// broker whose state was wiped. Without it such a topic answers every
// publish with a timeout for ever (issue 15, defect 9). Each repair is
// logged at WARN: the messages the lost store topic held are gone.
type StoreTopicRepair struct {
	store ports.MetadataStore
	admin ports.MessageStoreAdmin
	log   *slog.Logger
}

// NewStoreTopicRepair returns the repair use case.
func NewStoreTopicRepair(store ports.MetadataStore, admin ports.MessageStoreAdmin, log *slog.Logger) *StoreTopicRepair {
	return &StoreTopicRepair{store: store, admin: admin, log: log}
}

// Run repairs at once and then every interval until ctx ends. A failed
// pass (a backend down) is logged and retried at the next tick.
func (r *StoreTopicRepair) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Repair(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("checking store topics against metadata failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Repair creates the missing store topics once and returns their names.
func (r *StoreTopicRepair) Repair(ctx context.Context) ([]domain.TopicName, error) {
	qualified, err := r.store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	names := make([]domain.TopicName, 0, len(qualified))
	for _, q := range qualified {
		if n, err := domain.ParseTopicName(q); err == nil {
			names = append(names, n)
		}
	}
	missing, err := r.admin.MissingTopics(ctx, names)
	if err != nil {
		return nil, err
	}
	var repaired []domain.TopicName
	var errs []error
	for _, n := range missing {
		// Read again: management deletes the metadata before the store
		// topic, so a topic deleted meanwhile is not brought back.
		t, err := r.store.Topic(ctx, n)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err == nil {
			err = r.admin.CreateTopic(ctx, t)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.log.Warn("store topic was missing: re-created it from metadata; messages it held are lost", "topic", n.String())
		repaired = append(repaired, n)
	}
	return repaired, errors.Join(errs...)
}
