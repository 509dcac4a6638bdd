package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/adapters/internal/watch"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetadataStore = (*Store)(nil)

// Config says where the metadata lives.
type Config struct {
	// Servers are the ZooKeeper host:port addresses.
	Servers []string
	// Root is the Hermes root znode; default "/hermes" (zookeeper.root in Hermes).
	Root string
	// SessionTimeout is the ZooKeeper session timeout and the bound Open
	// waits for a session; default 10s.
	SessionTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Root == "" {
		c.Root = "/hermes"
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 10 * time.Second
	}
	var problems []string
	if len(c.Servers) == 0 {
		problems = append(problems, "servers: want at least one host:port")
	}
	if !strings.HasPrefix(c.Root, "/") || strings.HasSuffix(c.Root, "/") || strings.Contains(c.Root, "//") {
		problems = append(problems, fmt.Sprintf("root %q: want an absolute path without a trailing slash, e.g. /hermes", c.Root))
	}
	if len(problems) > 0 {
		return c, domain.Errorf(domain.ErrValidation, "zookeeper: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// MaxName is the longest group, topic or subscription name this store
// takes, in bytes. ZooKeeper has no limit of its own on one node name, but
// every request and answer must fit in jute.maxbuffer (1 MiB by default),
// and listing a topic's subscriptions answers every child name at once:
// 1 KiB names leave room for a thousand siblings.
const MaxName = 1024

// NameLimits are the longest names this store can hold (see MaxName).
func NameLimits() domain.NameLimits { return domain.NameLimits{MaxName: MaxName} }

// Store is a ports.MetadataStore on ZooKeeper. Create it with Open and
// release it with Close.
type Store struct {
	conn  *zk.Conn
	paths layout
	log   *slog.Logger
	// timeout is Config.SessionTimeout, also the bound of waits for ZooKeeper.
	timeout time.Duration
	hub     watch.Hub
	bad     unreadableEntries // znodes whose data does not decode
	cache   *cache
	// done ends the cache and every watcher on Close.
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// Open connects to ZooKeeper, waits for a session (at most
// cfg.SessionTimeout) and makes sure {root}/groups exists. A ZooKeeper that
// cannot be reached gives domain.ErrUnavailable.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{paths: layout{root: cfg.Root}, log: log, timeout: cfg.SessionTimeout, done: make(chan struct{})}
	s.cache = newCache(s)
	conn, events, err := zk.Connect(cfg.Servers, cfg.SessionTimeout,
		zk.WithLogger(zkLogger{s.log}), zk.WithLogInfo(false), zk.WithEventCallback(s.cache.enqueue))
	if err != nil {
		return nil, fmt.Errorf("zookeeper: connect to %v: %w: %w", cfg.Servers, domain.ErrUnavailable, err)
	}
	s.conn = conn
	if err := awaitSession(ctx, events, cfg.SessionTimeout); err != nil {
		conn.Close()
		return nil, fmt.Errorf("zookeeper: connect to %v: %w", cfg.Servers, err)
	}
	if err := s.ensurePath(s.paths.kids(nil)); err != nil {
		conn.Close()
		return nil, err
	}
	s.wg.Go(s.cache.run)
	return s, nil
}

func awaitSession(ctx context.Context, events <-chan zk.Event, bound time.Duration) error {
	timeout := time.NewTimer(bound)
	defer timeout.Stop()
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return nil
			}
		case <-timeout.C:
			return fmt.Errorf("%w: no session after %s", domain.ErrUnavailable, bound)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the tree cache, closes every Watch channel and the
// ZooKeeper session. It is safe to call more than once.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hub.Close()
		// Closing the connection first fails a cache request in flight,
		// so the wait below is short even when ZooKeeper is down.
		s.conn.Close()
		s.wg.Wait()
	})
}

// ensurePath creates every missing znode of path.
func (s *Store) ensurePath(path string) error {
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		_, err := s.conn.Create(path[:i], []byte{}, 0, acl)
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return s.fail("create "+path[:i], err)
		}
	}
	return nil
}

var acl = zk.WorldACL(zk.PermAll)

// ready returns ctx's error, or domain.ErrUnavailable while there is no
// session (as Hermes refuses repository calls when Curator is not
// connected), so calls fail fast while ZooKeeper is down.
func (s *Store) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st := s.conn.State(); st != zk.StateHasSession {
		return domain.Errorf(domain.ErrUnavailable, "Could not establish connection to a Zookeeper instance (state %s)", st)
	}
	return nil
}

// fail wraps a ZooKeeper error; connection losses become domain.ErrUnavailable.
func (s *Store) fail(op string, err error) error {
	switch {
	case errors.Is(err, zk.ErrNoServer), errors.Is(err, zk.ErrConnectionClosed),
		errors.Is(err, zk.ErrSessionExpired), errors.Is(err, zk.ErrClosing),
		errors.Is(err, zk.ErrSessionMoved):
		return fmt.Errorf("zookeeper: %s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("zookeeper: %s: %w", op, err)
}

// layout maps entity names to Hermes's znodes. names is [group],
// [group, topic] or [group, topic, subscription].
type layout struct{ root string }

// containers[i] holds the children of a level-i entity.
var containers = [...]string{"topics", "subscriptions"}

// node is the znode holding the entity's JSON.
func (l layout) node(names []string) string {
	p := l.root + "/groups/" + names[0]
	for i := 1; i < len(names); i++ {
		p += "/" + containers[i-1] + "/" + names[i]
	}
	return p
}

// kids is the znode whose children are the entity's children; nil names
// are the groups.
func (l layout) kids(names []string) string {
	if len(names) == 0 {
		return l.root + "/groups"
	}
	return l.node(names) + "/" + containers[len(names)-1]
}

// parse is the inverse of node and kids.
func (l layout) parse(path string) (names []string, isKids, ok bool) {
	rest, found := strings.CutPrefix(path, l.root+"/groups")
	if !found || (rest != "" && rest[0] != '/') {
		return nil, false, false
	}
	if rest == "" {
		return nil, true, true
	}
	parts := strings.Split(rest[1:], "/")
	if len(parts) > 2*len(containers)+1 {
		return nil, false, false
	}
	for i, p := range parts {
		if i%2 == 1 && p != containers[i/2] {
			return nil, false, false
		}
		if i%2 == 0 {
			names = append(names, p)
		}
	}
	return names, len(parts)%2 == 0, true
}

// validNames rejects names that would leave their znode.
func validNames(names ...string) bool {
	for _, n := range names {
		if n == "" || n == "." || n == ".." || len(n) > MaxName || strings.ContainsAny(n, "/\x00") {
			return false
		}
	}
	return true
}

func changeOf(kind ports.ChangeKind, names []string) ports.Change {
	c := ports.Change{Kind: kind}
	switch len(names) {
	case 1:
		c.Group = names[0]
	case 3:
		c.Subscription = names[2]
		fallthrough
	case 2:
		c.Topic = domain.TopicName{Group: names[0], Name: names[1]}
	}
	return c
}

// zkLogger routes the client library's logs to slog at debug level: it
// logs every reconnect attempt, which the cache already reports once.
type zkLogger struct{ log *slog.Logger }

func (l zkLogger) Printf(format string, args ...any) { l.log.Debug(fmt.Sprintf(format, args...)) }

// ownEphemeral makes p an ephemeral znode of this session holding data:
// one left by an earlier session of this instance (expiring, or another
// process's) is replaced, so the lease follows the current session. The
// max-rate histories and the workload registrations are such leases.
func (s *Store) ownEphemeral(p string, data []byte) error {
	conn := s.conn
	for range maxUpdateAttempts {
		stat, err := conn.Set(p, data, -1)
		switch {
		case err == nil && stat.EphemeralOwner == conn.SessionID():
			return nil
		case err == nil:
			if err := conn.Delete(p, stat.Version); err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrBadVersion) {
				return s.fail("delete "+p, err)
			}
		case errors.Is(err, zk.ErrNoNode):
			if err := s.ensurePath(p[:strings.LastIndex(p, "/")]); err != nil {
				return err
			}
			_, err := conn.Create(p, data, zk.FlagEphemeral, acl)
			if err == nil {
				return nil
			}
			if !errors.Is(err, zk.ErrNodeExists) && !errors.Is(err, zk.ErrNoNode) {
				return s.fail("create "+p, err)
			}
		default:
			return s.fail("set "+p, err)
		}
	}
	return domain.Errorf(domain.ErrConflict, "zookeeper: %s kept changing", p)
}
