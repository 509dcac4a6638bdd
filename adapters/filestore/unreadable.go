package filestore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.UnreadableMetadata = (*Store)(nil)

// decodeError is a file whose JSON does not decode; its text has the path,
// for logs, while the domain error made of it (note) has none.
type decodeError struct {
	path string
	err  error
}

func (e *decodeError) Error() string { return fmt.Sprintf("filestore: decode %s: %v", e.path, e.err) }
func (e *decodeError) Unwrap() error { return e.err }

// entry is one entity as Unreadable reports it, with the Change that
// announces its repair.
type entry struct {
	ports.UnreadableEntry
	change ports.Change
}

func groupEntry(name string) entry {
	return entry{UnreadableEntry: ports.UnreadableEntry{Kind: "group", Name: name},
		change: ports.Change{Kind: ports.ChangeUpdated, Group: name}}
}

func topicEntry(n domain.TopicName) entry {
	return entry{UnreadableEntry: ports.UnreadableEntry{Kind: "topic", Name: n.String()},
		change: ports.Change{Kind: ports.ChangeUpdated, Topic: n}}
}

func subscriptionEntry(n domain.SubscriptionName) entry {
	return entry{UnreadableEntry: ports.UnreadableEntry{Kind: "subscription", Name: n.String()},
		change: ports.Change{Kind: ports.ChangeUpdated, Topic: n.Topic, Subscription: n.Name}}
}

// unreadableEntries is the set of entity files that do not decode, by
// path. Entries are added when a read fails to decode and dropped when a
// read succeeds, the entity is deleted, or Unreadable finds it repaired.
type unreadableEntries struct {
	mu      sync.Mutex
	entries map[string]entry
}

// note records the outcome of reading e at path and returns the error the
// caller gives: a decode failure becomes domain.ErrCorrupt with a message
// naming the entity, not the file.
func (u *unreadableEntries) note(path string, e entry, err error) error {
	de, corrupt := errors.AsType[*decodeError](err)
	u.mu.Lock()
	defer u.mu.Unlock()
	if !corrupt {
		if err == nil && len(u.entries) > 0 {
			delete(u.entries, path)
		}
		return err
	}
	if u.entries == nil {
		u.entries = map[string]entry{}
	}
	e.Reason = "stored JSON does not decode: " + de.err.Error()
	u.entries[path] = e
	return fmt.Errorf("%w: %w", domain.Errorf(domain.ErrCorrupt, "%s %s is stored but unreadable (%s); repair or delete it",
		kindTitle(e.Kind), e.Name, e.Reason), err)
}

func kindTitle(kind string) string {
	switch kind {
	case "group":
		return "Group"
	case "topic":
		return "Topic"
	}
	return "Subscription"
}

func (u *unreadableEntries) forget(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.entries, path)
}

// Unreadable implements ports.UnreadableMetadata. A file repaired by hand
// is noticed here, and announced to watchers, since nothing else watches
// the directory.
func (s *Store) Unreadable(ctx context.Context) []ports.UnreadableEntry {
	if s.usable(ctx) != nil {
		return nil
	}
	s.bad.mu.Lock()
	paths := make(map[string]entry, len(s.bad.entries))
	for p, e := range s.bad.entries {
		paths[p] = e
	}
	s.bad.mu.Unlock()
	var out []ports.UnreadableEntry
	for path, e := range paths {
		s.mu.RLock()
		err := s.decodeAs(path, e.Kind)
		s.mu.RUnlock()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			s.bad.forget(path)
			c := e.change
			c.Kind = ports.ChangeDeleted
			s.hub.Publish(c)
		case err == nil:
			s.bad.forget(path)
			s.hub.Publish(e.change)
		default:
			if de, corrupt := errors.AsType[*decodeError](err); corrupt {
				e.Reason = "stored JSON does not decode: " + de.err.Error()
			}
			out = append(out, e.UnreadableEntry)
		}
	}
	slices.SortFunc(out, func(a, b ports.UnreadableEntry) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// decodeAs reads path as an entity of kind.
func (s *Store) decodeAs(path, kind string) error {
	var err error
	switch kind {
	case "group":
		_, _, err = load[domain.Group](path)
	case "topic":
		_, _, err = load[domain.Topic](path)
	default:
		_, _, err = load[domain.Subscription](path)
	}
	return err
}

// scanUnreadable reads every entity once at Open, so unreadable entries
// are reported from the start, before anything asks for them.
func (s *Store) scanUnreadable() {
	groups, err := children(filepath.Join(s.dir, "groups"), groupFile)
	if err != nil {
		return
	}
	for _, g := range groups {
		_, _ = s.Group(context.Background(), g)
		topics, err := children(filepath.Join(s.groupDir(g), "topics"), topicFile)
		if err != nil {
			continue
		}
		for _, t := range topics {
			tn := domain.TopicName{Group: g, Name: t}
			_, _, _ = s.loadTopic(tn)
			subs, err := children(filepath.Join(s.topicDir(tn), "subscriptions"), subscriptionFile)
			if err != nil {
				continue
			}
			for _, sub := range subs {
				_, _, _ = s.loadSubscription(domain.SubscriptionName{Topic: tn, Name: sub})
			}
		}
	}
}
