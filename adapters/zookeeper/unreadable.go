package zookeeper

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.UnreadableMetadata = (*Store)(nil)

// unreadableEntries is the set of topic and subscription znodes whose
// data did not decode when last read, by path: a znode with broken JSON
// (written by hand or by another tool) is isolated and reported instead
// of failing what lists it.
type unreadableEntries struct {
	mu      sync.Mutex
	entries map[string]unreadable
}

type unreadable struct {
	names  []string
	reason string
}

// noteCorrupt records that the znode of names at path does not decode and
// returns the error readers get: domain.ErrCorrupt naming the entity,
// without the path.
func (u *unreadableEntries) noteCorrupt(names []string, path string, err error) error {
	u.mu.Lock()
	if u.entries == nil {
		u.entries = map[string]unreadable{}
	}
	reason := "stored JSON does not decode: " + err.Error()
	u.entries[path] = unreadable{names: slices.Clone(names), reason: reason}
	u.mu.Unlock()
	var what string
	if len(names) == 2 {
		what = fmt.Sprintf("Topic %s.%s", names[0], names[1])
	} else {
		what = fmt.Sprintf("Subscription %s for topic %s.%s", names[2], names[0], names[1])
	}
	return fmt.Errorf("%w: %w", domain.Errorf(domain.ErrCorrupt, "%s is stored but unreadable (%s); repair or delete it", what, reason),
		malformed(path, err))
}

// noteReadable drops path after a successful read.
func (u *unreadableEntries) noteReadable(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.entries) > 0 {
		delete(u.entries, path)
	}
}

// forgetTree drops path and everything under it (a deleted subtree).
func (u *unreadableEntries) forgetTree(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for p := range u.entries {
		if p == path || strings.HasPrefix(p, path+"/") {
			delete(u.entries, p)
		}
	}
}

// Unreadable implements ports.UnreadableMetadata. The tree cache already
// reports a repair made by another process as a change; this store
// reports it too (a second report is allowed).
func (s *Store) Unreadable(ctx context.Context) []ports.UnreadableEntry {
	s.bad.mu.Lock()
	pending := make([]unreadable, 0, len(s.bad.entries))
	for _, e := range s.bad.entries {
		pending = append(pending, e)
	}
	s.bad.mu.Unlock()
	var out []ports.UnreadableEntry
	for _, e := range pending {
		var err error
		if len(e.names) == 2 {
			_, err = read(ctx, s, e.names, topicCodec)
		} else {
			_, err = read(ctx, s, e.names, subscriptionCodec)
		}
		switch {
		case err == nil:
			s.hub.Publish(changeOf(ports.ChangeUpdated, e.names))
			continue
		case errors.Is(err, domain.ErrTopicNotFound), errors.Is(err, domain.ErrSubscriptionNotFound):
			s.bad.forgetTree(s.paths.node(e.names))
			s.hub.Publish(changeOf(ports.ChangeDeleted, e.names))
			continue
		case errors.Is(err, domain.ErrCorrupt):
			s.bad.mu.Lock()
			if cur, ok := s.bad.entries[s.paths.node(e.names)]; ok {
				e = cur
			}
			s.bad.mu.Unlock()
		}
		// Still broken, or ZooKeeper is away: keep reporting it.
		topic := domain.TopicName{Group: e.names[0], Name: e.names[1]}
		entry := ports.UnreadableEntry{Kind: "topic", Name: topic.String(), Reason: e.reason}
		if len(e.names) == 3 {
			entry.Kind, entry.Name = "subscription", domain.SubscriptionName{Topic: topic, Name: e.names[2]}.String()
		}
		out = append(out, entry)
	}
	slices.SortFunc(out, func(a, b ports.UnreadableEntry) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}
