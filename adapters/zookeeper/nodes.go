package zookeeper

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/adapters/internal/nodes"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.NodeStore = (*Store)(nil)

// The management's documents are znodes at Hermes's paths, e.g.
// {root}/consumers-workload-constraints/{topic | topic$sub} and
// {root}/oauth-providers/{name}, holding Hermes's JSON; the metadata cache
// watches only {root}/groups and ignores them.
func (s *Store) nodePath(dir, name string) string {
	return s.paths.root + "/" + nodes.Path(dir, name)
}

func (s *Store) nodeDir(dir string) string {
	if dir == "" {
		return s.paths.root
	}
	return s.paths.root + "/" + dir
}

// Children implements ports.NodeStore.
func (s *Store) Children(ctx context.Context, dir string) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if err := nodes.CheckDir(dir); err != nil {
		return nil, err
	}
	kids, _, err := s.conn.Children(s.nodeDir(dir))
	if errors.Is(err, zk.ErrNoNode) {
		return []string{}, nil
	}
	if err != nil {
		return nil, s.fail("list "+s.nodeDir(dir), err)
	}
	slices.Sort(kids)
	return kids, nil
}

// Node implements ports.NodeStore.
func (s *Store) Node(ctx context.Context, dir, name string) ([]byte, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return nil, err
	}
	data, _, err := s.conn.Get(s.nodePath(dir, name))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nodes.NotFound(dir, name)
	}
	if err != nil {
		return nil, s.fail("read "+s.nodePath(dir, name), err)
	}
	return data, nil
}

// CreateNode implements ports.NodeStore.
func (s *Store) CreateNode(ctx context.Context, dir, name string, data []byte) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	p := s.nodePath(dir, name)
	_, err := s.conn.Create(p, data, 0, acl)
	if errors.Is(err, zk.ErrNoNode) {
		if err := s.ensurePath(p[:strings.LastIndex(p, "/")]); err != nil {
			return err
		}
		_, err = s.conn.Create(p, data, 0, acl)
	}
	if errors.Is(err, zk.ErrNodeExists) {
		return nodes.Exists(dir, name)
	}
	if err != nil {
		return s.fail("create "+p, err)
	}
	return nil
}

// SetNode implements ports.NodeStore.
func (s *Store) SetNode(ctx context.Context, dir, name string, data []byte) (bool, error) {
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return false, err
	}
	p := s.nodePath(dir, name)
	for range maxAttempts {
		_, err := s.conn.Set(p, data, -1)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, zk.ErrNoNode) {
			return false, s.fail("write "+p, err)
		}
		err = s.CreateNode(ctx, dir, name, data)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, domain.ErrAlreadyExists) {
			return false, err
		}
		// Another writer created it between our set and create: set again.
	}
	return false, s.fail("write "+p, zk.ErrBadVersion)
}

// DeleteNode implements ports.NodeStore.
func (s *Store) DeleteNode(ctx context.Context, dir, name string) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	p := s.nodePath(dir, name)
	err := s.conn.Delete(p, -1)
	if errors.Is(err, zk.ErrNoNode) {
		return nodes.NotFound(dir, name)
	}
	if err != nil {
		return s.fail("delete "+p, err)
	}
	return nil
}
