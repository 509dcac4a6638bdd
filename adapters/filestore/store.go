// Package filestore is a ports.MetadataStore kept as JSON files in a
// directory, so topics and subscriptions survive a restart without
// ZooKeeper: the embedded default of Hermes-Go.
//
// The tree mirrors Hermes's ZooKeeper layout:
//
//	<dir>/lock                                            held (flock) while open
//	<dir>/groups/{group}/group.json                       Group JSON
//	<dir>/groups/{group}/topics/{topic}/topic.json        Topic JSON
//	<dir>/groups/{group}/topics/{topic}/subscriptions/{sub}/subscription.json
//
// The files are the only state: every read goes to them (the page cache
// makes that cheap), so memory and disk cannot disagree. Every file is
// replaced atomically (temporary file, fsync, rename, fsync of the
// directory). The directory belongs to one process: Open takes an
// exclusive lock, and Watch reports the changes made through this Store.
// Names must be usable as file names: ".", "..", names with a slash and
// names over 255 bytes (NameLimits) are rejected, and a case-insensitive file system would merge names that
// differ in case only.
package filestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/watch"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetadataStore = (*Store)(nil)

const (
	groupFile        = "group.json"
	topicFile        = "topic.json"
	subscriptionFile = "subscription.json"
	tempPrefix       = ".tmp-"
	// maxUpdateAttempts bounds the optimistic retries of the Update methods;
	// beyond it they return domain.ErrConflict.
	maxUpdateAttempts = 100
)

// Store is a file-backed ports.MetadataStore. Open it with Open and Close
// it when done.
type Store struct {
	dir    string
	lock   *os.File
	closed atomic.Bool
	// mu orders mutations against each other and against reads: reads of
	// several files then see one state.
	mu  sync.RWMutex
	hub watch.Hub
	// bad holds the entries found unreadable (see unreadable.go).
	bad unreadableEntries
}

// Open opens (creating when missing) the store in dir and locks it. When
// another process (or another Store) holds dir, Open returns an error
// wrapping domain.ErrUnavailable.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "groups"), 0o755); err != nil {
		return nil, fmt.Errorf("filestore: create %s: %w", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("filestore: open lock of %s: %w", dir, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("filestore: %s is used by another process (one process per directory): %w: %w", dir, domain.ErrUnavailable, err)
	}
	s := &Store{dir: dir, lock: lock}
	if err := s.removeTemporaries(); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.scanUnreadable()
	return s, nil
}

// removeTemporaries deletes what writes interrupted by a crash left.
func (s *Store) removeTemporaries() error {
	return filepath.WalkDir(filepath.Join(s.dir, "groups"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return err
		}
		return os.Remove(path)
	})
}

// Close releases the directory. Later calls return domain.ErrUnavailable;
// watchers still end with their contexts.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN), s.lock.Close())
}

func (s *Store) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return fmt.Errorf("filestore: %s: store closed: %w", s.dir, domain.ErrUnavailable)
	}
	return nil
}

// NameLimits are the longest names the store can hold: each name is one
// path element, so at most domain.MaxFileName bytes.
func NameLimits() domain.NameLimits { return domain.NameLimits{MaxName: domain.MaxFileName} }

// validName reports whether name is one path element the file system
// accepts; other names never exist and cannot be created.
func validName(name string) bool {
	return name != "" && len(name) <= domain.MaxFileName && name != "." && name != ".." && !strings.ContainsAny(name, `/\`+"\x00")
}

func invalidName(kind, name string) error {
	return domain.Errorf(domain.ErrValidation, "%s name %q cannot be stored as a file name", kind, name)
}

func (s *Store) groupDir(group string) string { return filepath.Join(s.dir, "groups", group) }

func (s *Store) topicDir(n domain.TopicName) string {
	return filepath.Join(s.groupDir(n.Group), "topics", n.Name)
}

func (s *Store) subscriptionDir(n domain.SubscriptionName) string {
	return filepath.Join(s.topicDir(n.Topic), "subscriptions", n.Name)
}

func groupNotFound(name string) error {
	return domain.Errorf(domain.ErrGroupNotFound, "Group %s does not exist", name)
}

func topicNotFound(name domain.TopicName) error {
	return domain.Errorf(domain.ErrTopicNotFound, "Topic %s does not exist", name)
}

func subscriptionNotFound(name domain.SubscriptionName) error {
	return domain.Errorf(domain.ErrSubscriptionNotFound, "Subscription %s for topic %s does not exist.", name.Name, name.Topic)
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("filestore: %w", err)
	}
	return true, nil
}

// mustExist returns notFound unless path exists.
func mustExist(path string, notFound error) error {
	if ok, err := exists(path); err != nil || ok {
		return err
	}
	return notFound
}

// mustNotExist returns alreadyExists when path exists.
func mustNotExist(path string, alreadyExists error) error {
	if ok, err := exists(path); err != nil || !ok {
		return err
	}
	return alreadyExists
}

func (s *Store) requireGroup(name string) error {
	if !validName(name) {
		return groupNotFound(name)
	}
	return mustExist(filepath.Join(s.groupDir(name), groupFile), groupNotFound(name))
}

func (s *Store) requireTopic(n domain.TopicName) error {
	if !validName(n.Group) || !validName(n.Name) {
		return topicNotFound(n)
	}
	return mustExist(filepath.Join(s.topicDir(n), topicFile), topicNotFound(n))
}

// load reads one entity file; a missing file is an fs.ErrNotExist.
func load[T any](path string) (T, []byte, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, nil, fmt.Errorf("filestore: %w", err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, nil, &decodeError{path: path, err: err}
	}
	return v, b, nil
}

// encode renders v and decodes it again, so nothing is written that a
// restart could not read (e.g. an empty enum value). It returns the
// decoded value: v as later reads return it.
func encode[T any](v T) ([]byte, T, error) {
	var back T
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, back, domain.Errorf(domain.ErrValidation, "cannot store entity: %s", err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		return nil, back, domain.Errorf(domain.ErrValidation, "cannot store entity: %s", domain.ErrorMessage(err))
	}
	return b, back, nil
}

// write replaces path atomically with b.
func write(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("filestore: write %s: %w", path, err)
	}
	return syncDir(dir)
}

// remove deletes an entity: its file first, so a crash in between leaves a
// directory without an entity, which reads ignore and creates reuse.
func remove(dir, file string) error {
	if err := os.Remove(filepath.Join(dir, file)); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("filestore: sync %s: %w", dir, err)
	}
	return nil
}

// children lists the names of dir's subdirectories holding file, sorted.
func children(dir, file string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	names := []string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if ok, err := exists(filepath.Join(dir, e.Name(), file)); err != nil {
			return nil, err
		} else if ok {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func now() *domain.Instant {
	return &domain.Instant{Time: time.Now().UTC()}
}

// WatchBuffer is how many changes a watcher may fall behind before its
// pending changes are coalesced into one ports.ChangeResync.
const WatchBuffer = watch.Buffer
