package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/hermes-go/hermes/adapters/internal/nodes"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.NodeStore = (*MetadataStore)(nil)

// nodeMap holds the ports.NodeStore documents by path; its zero value is
// empty and usable.
type nodeMap struct {
	mu   sync.RWMutex
	data map[string][]byte
}

// Children implements ports.NodeStore.
func (s *MetadataStore) Children(ctx context.Context, dir string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := nodes.CheckDir(dir); err != nil {
		return nil, err
	}
	s.nodes.mu.RLock()
	defer s.nodes.mu.RUnlock()
	out := []string{}
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	for p := range s.nodes.data {
		if rest, ok := strings.CutPrefix(p, prefix); ok && !strings.Contains(rest, "/") {
			out = append(out, rest)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Node implements ports.NodeStore.
func (s *MetadataStore) Node(ctx context.Context, dir, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return nil, err
	}
	s.nodes.mu.RLock()
	defer s.nodes.mu.RUnlock()
	b, ok := s.nodes.data[nodes.Path(dir, name)]
	if !ok {
		return nil, nodes.NotFound(dir, name)
	}
	return slices.Clone(b), nil
}

// CreateNode implements ports.NodeStore.
func (s *MetadataStore) CreateNode(ctx context.Context, dir, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	s.nodes.mu.Lock()
	defer s.nodes.mu.Unlock()
	p := nodes.Path(dir, name)
	if _, ok := s.nodes.data[p]; ok {
		return nodes.Exists(dir, name)
	}
	s.setLocked(p, data)
	return nil
}

// SetNode implements ports.NodeStore.
func (s *MetadataStore) SetNode(ctx context.Context, dir, name string, data []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := nodes.Check(dir, name); err != nil {
		return false, err
	}
	s.nodes.mu.Lock()
	defer s.nodes.mu.Unlock()
	p := nodes.Path(dir, name)
	_, existed := s.nodes.data[p]
	s.setLocked(p, data)
	return !existed, nil
}

func (s *MetadataStore) setLocked(p string, data []byte) {
	if s.nodes.data == nil {
		s.nodes.data = map[string][]byte{}
	}
	s.nodes.data[p] = slices.Clone(data)
}

// DeleteNode implements ports.NodeStore.
func (s *MetadataStore) DeleteNode(ctx context.Context, dir, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := nodes.Check(dir, name); err != nil {
		return err
	}
	s.nodes.mu.Lock()
	defer s.nodes.mu.Unlock()
	p := nodes.Path(dir, name)
	if _, ok := s.nodes.data[p]; !ok {
		return nodes.NotFound(dir, name)
	}
	delete(s.nodes.data, p)
	return nil
}
