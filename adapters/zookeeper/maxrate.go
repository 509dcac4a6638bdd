package zookeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MaxRateRegistry = (*MaxRateRegistry)(nil)

// MaxRateRegistry is a ports.MaxRateRegistry on the Store's ZooKeeper
// session. Hermes keeps one binary-encoded znode per consumer under
// {root}/consumers-rate/{cluster}/runtime-bin; Hermes-Go writes the same
// facts as JSON under a sibling, so a Hermes cluster sharing the root is
// not confused:
//
//	{root}/consumers-rate/{cluster}/runtime-json/{group.topic$sub}/history/{consumerID}   ephemeral, {"rates":[0.93]}
//	{root}/consumers-rate/{cluster}/runtime-json/{group.topic$sub}/max-rate/{consumerID}  persistent, {"maxRate":12.5}
//
// The history znode is the instance's lease: it vanishes with the
// instance's session. Max znodes are written by the balancing instance,
// which also drops those whose history is gone.
type MaxRateRegistry struct {
	s    *Store
	base string
}

// NewMaxRateRegistry returns the registry of consumer cluster cluster
// (Hermes's kafka cluster name, e.g. "primary-dc") on s's session; it is
// valid while s is open.
func NewMaxRateRegistry(s *Store, cluster string) (*MaxRateRegistry, error) {
	if !validNames(cluster) {
		return nil, domain.Errorf(domain.ErrValidation, "zookeeper: cluster name %q: want a non-empty name without /", cluster)
	}
	return &MaxRateRegistry{s: s, base: s.paths.root + "/consumers-rate/" + cluster + "/runtime-json"}, nil
}

type rateHistory struct {
	Rates []float64 `json:"rates"`
}

type maxRate struct {
	MaxRate float64 `json:"maxRate"`
}

func (r *MaxRateRegistry) dir(sub domain.SubscriptionName, kind string) string {
	return r.base + "/" + sub.String() + "/" + kind
}

// check validates the names that become znode segments.
func (r *MaxRateRegistry) check(ctx context.Context, sub domain.SubscriptionName, consumerID string) error {
	if !validNames(sub.Topic.Group, sub.Topic.Name, sub.Name, consumerID) {
		return domain.Errorf(domain.ErrValidation, "zookeeper: subscription %q, consumer %q: want non-empty names without /", sub, consumerID)
	}
	return r.s.ready(ctx)
}

// WriteHistory implements ports.MaxRateRegistry. A history znode left by
// this instance's previous, expiring session is replaced, so the lease
// follows the current session.
func (r *MaxRateRegistry) WriteHistory(ctx context.Context, sub domain.SubscriptionName, consumerID string, history []float64) error {
	if err := r.check(ctx, sub, consumerID); err != nil {
		return err
	}
	data, err := json.Marshal(rateHistory{Rates: append([]float64{}, history...)})
	if err != nil {
		return fmt.Errorf("zookeeper: encode rate history: %w", err)
	}
	return r.s.ownEphemeral(r.dir(sub, "history")+"/"+consumerID, data)
}

// maxUpdateAttempts bounds the retries of a write racing other writers.
const maxUpdateAttempts = 10

// Leave implements ports.MaxRateRegistry; it also removes the
// subscription's znodes when no instance is left.
func (r *MaxRateRegistry) Leave(ctx context.Context, sub domain.SubscriptionName, consumerID string) error {
	if err := r.check(ctx, sub, consumerID); err != nil {
		return err
	}
	for _, p := range []string{r.dir(sub, "history") + "/" + consumerID, r.dir(sub, "max-rate") + "/" + consumerID} {
		if err := r.s.conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return r.s.fail("delete "+p, err)
		}
	}
	for _, p := range []string{r.dir(sub, "history"), r.dir(sub, "max-rate"), r.base + "/" + sub.String()} {
		// Another instance may still (or just now) serve the subscription.
		if err := r.s.conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrNotEmpty) {
			return r.s.fail("delete "+p, err)
		}
	}
	return nil
}

// Instances implements ports.MaxRateRegistry.
func (r *MaxRateRegistry) Instances(ctx context.Context, sub domain.SubscriptionName) ([]domain.InstanceRate, error) {
	if err := r.check(ctx, sub, "any"); err != nil {
		return nil, err
	}
	ids, err := r.children(r.dir(sub, "history"))
	if err != nil {
		return nil, err
	}
	out := make([]domain.InstanceRate, 0, len(ids))
	for _, id := range ids {
		var h rateHistory
		found, err := r.get(r.dir(sub, "history")+"/"+id, &h)
		if err != nil {
			return nil, err
		}
		if !found { // left while we listed
			continue
		}
		var m maxRate
		if _, err := r.get(r.dir(sub, "max-rate")+"/"+id, &m); err != nil {
			return nil, err
		}
		out = append(out, domain.InstanceRate{ConsumerID: id, MaxRate: m.MaxRate, History: h.Rates})
	}
	return out, nil
}

// SetMaxRates implements ports.MaxRateRegistry.
func (r *MaxRateRegistry) SetMaxRates(ctx context.Context, sub domain.SubscriptionName, maxRates map[string]float64) error {
	if err := r.check(ctx, sub, "any"); err != nil {
		return err
	}
	live, err := r.children(r.dir(sub, "history"))
	if err != nil {
		return err
	}
	for id, rate := range maxRates {
		if !slices.Contains(live, id) || !validNames(id) {
			continue
		}
		if err := r.put(r.dir(sub, "max-rate")+"/"+id, maxRate{MaxRate: rate}); err != nil {
			return err
		}
	}
	assigned, err := r.children(r.dir(sub, "max-rate"))
	if err != nil {
		return err
	}
	for _, id := range assigned {
		if slices.Contains(live, id) {
			continue
		}
		if err := r.s.conn.Delete(r.dir(sub, "max-rate")+"/"+id, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return r.s.fail("delete max rate of "+id, err)
		}
	}
	return nil
}

// MaxRate implements ports.MaxRateRegistry.
func (r *MaxRateRegistry) MaxRate(ctx context.Context, sub domain.SubscriptionName, consumerID string) (float64, error) {
	if err := r.check(ctx, sub, consumerID); err != nil {
		return 0, err
	}
	var m maxRate
	found, err := r.get(r.dir(sub, "max-rate")+"/"+consumerID, &m)
	if err != nil {
		return 0, err
	}
	if !found || m.MaxRate <= 0 {
		return 0, domain.Errorf(domain.ErrNotFound, "no max rate assigned to consumer %s for subscription %s", consumerID, sub)
	}
	return m.MaxRate, nil
}

// children lists p's children sorted; a missing p has none.
func (r *MaxRateRegistry) children(p string) ([]string, error) {
	kids, _, err := r.s.conn.Children(p)
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, r.s.fail("list "+p, err)
	}
	slices.Sort(kids)
	return kids, nil
}

// get decodes p's JSON into v; found is false when p does not exist.
func (r *MaxRateRegistry) get(p string, v any) (found bool, err error) {
	data, _, err := r.s.conn.Get(p)
	if errors.Is(err, zk.ErrNoNode) {
		return false, nil
	}
	if err != nil {
		return false, r.s.fail("get "+p, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, malformed(p, err)
	}
	return true, nil
}

// put writes v's JSON to the persistent znode p, creating it when missing.
func (r *MaxRateRegistry) put(p string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("zookeeper: encode %s: %w", p, err)
	}
	_, err = r.s.conn.Set(p, data, -1)
	if !errors.Is(err, zk.ErrNoNode) {
		return r.failed("set "+p, err)
	}
	if err := r.s.ensurePath(p[:strings.LastIndex(p, "/")]); err != nil {
		return err
	}
	_, err = r.s.conn.Create(p, data, 0, acl)
	if errors.Is(err, zk.ErrNodeExists) { // another balancer was first
		_, err = r.s.conn.Set(p, data, -1)
	}
	return r.failed("create "+p, err)
}

func (r *MaxRateRegistry) failed(op string, err error) error {
	if err == nil {
		return nil
	}
	return r.s.fail(op, err)
}
