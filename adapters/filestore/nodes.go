package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hermes-go/hermes/adapters/internal/nodes"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.NodeStore = (*Store)(nil)

// The management's documents are files at their znode paths, holding the
// znode's data:
//
//	<dir>/consumers-workload-constraints/{topic | topic$sub}
//	<dir>/oauth-providers/{name}
//	<dir>/offline-retransmission/tasks/{taskId}
//	<dir>/datacenter-readiness, <dir>/inactive-topics
func (s *Store) nodeFile(dir, name string) string {
	return filepath.Join(s.dir, filepath.FromSlash(nodes.Path(dir, name)))
}

// Children implements ports.NodeStore.
func (s *Store) Children(ctx context.Context, dir string) ([]string, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	if err := nodes.CheckDir(dir); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	entries, err := os.ReadDir(filepath.Join(s.dir, filepath.FromSlash(dir)))
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	out := []string{}
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), tempPrefix) && (dir != "" || e.Name() != "lock") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// Node implements ports.NodeStore.
func (s *Store) Node(ctx context.Context, dir, name string) ([]byte, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readNode(dir, name)
}

func (s *Store) readNode(dir, name string) ([]byte, error) {
	b, err := os.ReadFile(s.nodeFile(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nodes.NotFound(dir, name)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return b, nil
}

// CreateNode implements ports.NodeStore.
func (s *Store) CreateNode(ctx context.Context, dir, name string, data []byte) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := mustNotExist(s.nodeFile(dir, name), nodes.Exists(dir, name)); err != nil {
		return err
	}
	return write(s.nodeFile(dir, name), data)
}

// SetNode implements ports.NodeStore.
func (s *Store) SetNode(ctx context.Context, dir, name string, data []byte) (bool, error) {
	if err := s.usable(ctx); err != nil {
		return false, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	existed, err := exists(s.nodeFile(dir, name))
	if err != nil {
		return false, err
	}
	return !existed, write(s.nodeFile(dir, name), data)
}

// DeleteNode implements ports.NodeStore.
func (s *Store) DeleteNode(ctx context.Context, dir, name string) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := os.Remove(s.nodeFile(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nodes.NotFound(dir, name)
	}
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	return syncDir(filepath.Dir(s.nodeFile(dir, name)))
}
