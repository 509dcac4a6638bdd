package zookeeper

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.WorkloadRegistry = (*WorkloadRegistry)(nil)

// WorkloadRegistry is a ports.WorkloadRegistry on the Store's ZooKeeper
// session, in Hermes's layout, so Hermes's consumers and tools read it:
//
//	{root}/consumers-registry/{cluster}/nodes/{nodeID}             ephemeral, the registration
//	{root}/consumers-registry/{cluster}/leader/_c_{guid}-latch-{n}  ephemeral sequential, data nodeID (Curator's LeaderLatch)
//	{root}/consumers-workload/{cluster}/runtime-bin/{nodeID}        persistent, the assignment
//
// The leader is the candidate with the lowest sequence number, as in
// Curator's LeaderLatch. An assignment is Hermes's SBE "Assignments"
// message (schema 2, template 1, version 0, little-endian): an 8-byte
// header, a group header (block length 8, count) and one int64 per
// subscription, the subscription's id, which Hermes takes to be the czxid
// of the subscription's znode.
type WorkloadRegistry struct {
	s          *Store
	nodes      string
	leader     string
	assignment string

	mu      sync.Mutex
	latches map[string]string // nodeID -> its latch znode, as registered here
	ids     map[domain.SubscriptionName]int64
}

// NewWorkloadRegistry returns the registry of consumer cluster cluster
// (Hermes's kafka cluster name, e.g. "primary-dc") on s's session; it is
// valid while s is open.
func NewWorkloadRegistry(s *Store, cluster string) (*WorkloadRegistry, error) {
	if !validNames(cluster) {
		return nil, domain.Errorf(domain.ErrValidation, "zookeeper: cluster name %q: want a non-empty name without /", cluster)
	}
	reg := s.paths.root + "/consumers-registry/" + cluster
	return &WorkloadRegistry{s: s, nodes: reg + "/nodes", leader: reg + "/leader",
		assignment: s.paths.root + "/consumers-workload/" + cluster + "/runtime-bin",
		latches:    map[string]string{}, ids: map[domain.SubscriptionName]int64{}}, nil
}

func (r *WorkloadRegistry) check(ctx context.Context, nodeID string) error {
	if !validNames(nodeID) {
		return domain.Errorf(domain.ErrValidation, "zookeeper: consumer node id %q: want a non-empty name without /", nodeID)
	}
	return r.s.ready(ctx)
}

// Register implements ports.WorkloadRegistry. A registration znode left
// by a previous session under the same id (a restarted process whose old
// session has not expired yet) is replaced, so the lease follows the
// current session.
func (r *WorkloadRegistry) Register(ctx context.Context, nodeID string) error {
	if err := r.check(ctx, nodeID); err != nil {
		return err
	}
	conn := r.s.conn
	if err := r.s.ownEphemeral(r.nodes+"/"+nodeID, nil); err != nil {
		return err
	}
	r.mu.Lock()
	latch := r.latches[nodeID]
	r.mu.Unlock()
	if latch != "" {
		ok, stat, err := conn.Exists(latch)
		if err != nil {
			return r.s.fail("check "+latch, err)
		}
		if ok && stat.EphemeralOwner == conn.SessionID() {
			return nil
		}
	}
	if err := r.s.ensurePath(r.leader); err != nil {
		return err
	}
	p, err := conn.CreateProtectedEphemeralSequential(r.leader+"/latch-", []byte(nodeID), acl)
	if err != nil {
		return r.s.fail("create a leader latch in "+r.leader, err)
	}
	r.mu.Lock()
	r.latches[nodeID] = p
	r.mu.Unlock()
	return nil
}

// Deregister implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) Deregister(ctx context.Context, nodeID string) error {
	if err := r.check(ctx, nodeID); err != nil {
		return err
	}
	r.mu.Lock()
	latch := r.latches[nodeID]
	delete(r.latches, nodeID)
	r.mu.Unlock()
	for _, p := range []string{latch, r.nodes + "/" + nodeID} {
		if p == "" {
			continue
		}
		if err := r.s.conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return r.s.fail("delete "+p, err)
		}
	}
	return nil
}

// Nodes implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) Nodes(ctx context.Context) ([]string, error) {
	if err := r.s.ready(ctx); err != nil {
		return nil, err
	}
	kids, err := r.children(r.nodes)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(kids, func(k string) bool { return strings.TrimSpace(k) == "" }), nil
}

// Leader implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) Leader(ctx context.Context) (string, error) {
	if err := r.s.ready(ctx); err != nil {
		return "", err
	}
	for range maxUpdateAttempts {
		kids, err := r.children(r.leader)
		if err != nil {
			return "", err
		}
		// Curator orders latch nodes by what follows "latch-": the
		// sequence number ZooKeeper appended.
		slices.SortFunc(kids, func(a, b string) int { return strings.Compare(latchSequence(a), latchSequence(b)) })
		if len(kids) == 0 {
			return "", domain.Errorf(domain.ErrNotFound, "no consumer instance is a leader candidate")
		}
		data, _, err := r.s.conn.Get(r.leader + "/" + kids[0])
		if errors.Is(err, zk.ErrNoNode) {
			continue // it left while we listed
		}
		if err != nil {
			return "", r.s.fail("read the leader latch", err)
		}
		return string(data), nil
	}
	return "", domain.Errorf(domain.ErrConflict, "zookeeper: the leader latch kept changing")
}

func latchSequence(node string) string {
	if i := strings.LastIndex(node, "latch-"); i >= 0 {
		return node[i+len("latch-"):]
	}
	return node
}

// Assignments implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) Assignments(ctx context.Context, known []domain.SubscriptionName) (domain.WorkloadAssignment, error) {
	if err := r.s.ready(ctx); err != nil {
		return nil, err
	}
	ids, err := r.children(r.assignment)
	if err != nil {
		return nil, err
	}
	raw := map[string][]int64{}
	for _, id := range ids {
		got, found, err := r.read(id)
		if err != nil {
			return nil, err
		}
		if found {
			raw[id] = got
		}
	}
	return r.names(ctx, raw, known)
}

// Assignment implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) Assignment(ctx context.Context, nodeID string, known []domain.SubscriptionName) ([]domain.SubscriptionName, error) {
	if err := r.check(ctx, nodeID); err != nil {
		return nil, err
	}
	got, _, err := r.read(nodeID)
	if err != nil {
		return nil, err
	}
	all, err := r.names(ctx, map[string][]int64{nodeID: got}, known)
	if err != nil {
		return nil, err
	}
	return all[nodeID], nil
}

// read returns the subscription ids assigned to nodeID.
func (r *WorkloadRegistry) read(nodeID string) (ids []int64, found bool, err error) {
	p := r.assignment + "/" + nodeID
	data, _, err := r.s.conn.Get(p)
	if errors.Is(err, zk.ErrNoNode) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, r.s.fail("read "+p, err)
	}
	ids, err = decodeAssignments(data)
	if err != nil {
		// As Hermes's decoder: an assignment it cannot read assigns nothing.
		r.s.log.Warn("undecodable consumer assignment; taken as empty", "path", p, "err", err)
		return []int64{}, true, nil
	}
	return ids, true, nil
}

// names turns ids into the known subscriptions they identify. Ids not in
// the cache make it look the known names up again (once per call): a
// subscription removed and created again has a new id.
func (r *WorkloadRegistry) names(ctx context.Context, raw map[string][]int64, known []domain.SubscriptionName) (domain.WorkloadAssignment, error) {
	byID, err := r.resolve(ctx, known, false)
	if err != nil {
		return nil, err
	}
	for _, ids := range raw {
		if slices.ContainsFunc(ids, func(id int64) bool { _, ok := byID[id]; return !ok }) {
			if byID, err = r.resolve(ctx, known, true); err != nil {
				return nil, err
			}
			break
		}
	}
	out := domain.WorkloadAssignment{}
	for node, ids := range raw {
		subs := []domain.SubscriptionName{}
		for _, id := range ids {
			if s, ok := byID[id]; ok {
				subs = append(subs, s)
			}
		}
		slices.SortFunc(subs, func(a, b domain.SubscriptionName) int { return strings.Compare(a.String(), b.String()) })
		out[node] = subs
	}
	return out, nil
}

// resolve maps the ids of known to their names, looking up the names not
// cached yet (all of them when fresh).
func (r *WorkloadRegistry) resolve(ctx context.Context, known []domain.SubscriptionName, fresh bool) (map[int64]domain.SubscriptionName, error) {
	out := make(map[int64]domain.SubscriptionName, len(known))
	for _, s := range known {
		r.mu.Lock()
		id, ok := r.ids[s]
		r.mu.Unlock()
		if !ok || fresh {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var found bool
			var err error
			if id, found, err = r.lookup(s); err != nil {
				return nil, err
			}
			if !found {
				continue
			}
		}
		out[id] = s
	}
	return out, nil
}

// lookup reads a subscription's id (its znode's czxid) and caches it.
func (r *WorkloadRegistry) lookup(s domain.SubscriptionName) (int64, bool, error) {
	if !validNames(s.Topic.Group, s.Topic.Name, s.Name) {
		return 0, false, nil
	}
	p := r.s.paths.node([]string{s.Topic.Group, s.Topic.Name, s.Name})
	ok, stat, err := r.s.conn.Exists(p)
	if err != nil {
		return 0, false, r.s.fail("check "+p, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		delete(r.ids, s)
		return 0, false, nil
	}
	r.ids[s] = stat.Czxid
	return stat.Czxid, true, nil
}

// SetAssignment implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) SetAssignment(ctx context.Context, nodeID string, subs []domain.SubscriptionName) error {
	if err := r.check(ctx, nodeID); err != nil {
		return err
	}
	ids := make([]int64, 0, len(subs))
	for _, s := range subs {
		// Always read afresh: an id written must be the current one.
		id, found, err := r.lookup(s)
		if err != nil {
			return err
		}
		if found {
			ids = append(ids, id)
		}
	}
	data, err := encodeAssignments(ids)
	if err != nil {
		return err
	}
	p := r.assignment + "/" + nodeID
	_, err = r.s.conn.Set(p, data, -1)
	if !errors.Is(err, zk.ErrNoNode) {
		return r.failed("write "+p, err)
	}
	if err := r.s.ensurePath(r.assignment); err != nil {
		return err
	}
	_, err = r.s.conn.Create(p, data, 0, acl)
	if errors.Is(err, zk.ErrNodeExists) {
		_, err = r.s.conn.Set(p, data, -1)
	}
	return r.failed("create "+p, err)
}

// DeleteAssignment implements ports.WorkloadRegistry.
func (r *WorkloadRegistry) DeleteAssignment(ctx context.Context, nodeID string) error {
	if err := r.check(ctx, nodeID); err != nil {
		return err
	}
	p := r.assignment + "/" + nodeID
	if err := r.s.conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return r.s.fail("delete "+p, err)
	}
	return nil
}

func (r *WorkloadRegistry) failed(op string, err error) error {
	if err == nil {
		return nil
	}
	return r.s.fail(op, err)
}

// children lists p's children sorted; a missing p has none.
func (r *WorkloadRegistry) children(p string) ([]string, error) {
	kids, _, err := r.s.conn.Children(p)
	if errors.Is(err, zk.ErrNoNode) {
		return []string{}, nil
	}
	if err != nil {
		return nil, r.s.fail("list "+p, err)
	}
	slices.Sort(kids)
	return kids, nil
}

// Changes implements ports.WorkloadRegistry with ZooKeeper watches on the
// registrations, the leader latch and nodeID's assignment; a watch that
// fired is re-armed, the others are kept (re-arming them would pile up
// watches on paths that do not change). Its goroutine ends, closing the
// channel, when ctx ends or the store closes.
func (r *WorkloadRegistry) Changes(ctx context.Context, nodeID string) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		var watches [3]<-chan zk.Event // nodes, leader, assignment; nil: to arm
		failed := false
		for {
			if err := r.arm(&watches, nodeID); err != nil {
				failed = true
				t := time.NewTimer(time.Second)
				select {
				case <-ctx.Done():
				case <-r.s.done:
				case <-t.C:
				}
				t.Stop()
				if ctx.Err() != nil || r.closed() {
					return
				}
				continue
			}
			if failed { // watches may have fired unseen meanwhile
				failed = false
				signal(out)
			}
			select {
			case <-ctx.Done():
				return
			case <-r.s.done:
				return
			case <-watches[0]:
				watches[0] = nil
			case <-watches[1]:
				watches[1] = nil
			case <-watches[2]:
				watches[2] = nil
			}
			signal(out)
		}
	}()
	return out
}

func (r *WorkloadRegistry) closed() bool {
	select {
	case <-r.s.done:
		return true
	default:
		return false
	}
}

// arm sets the watches that are not set.
func (r *WorkloadRegistry) arm(watches *[3]<-chan zk.Event, nodeID string) error {
	conn := r.s.conn
	for i, dir := range []string{r.nodes, r.leader} {
		if watches[i] != nil {
			continue
		}
		for watches[i] == nil {
			_, _, ch, err := conn.ChildrenW(dir)
			if errors.Is(err, zk.ErrNoNode) {
				// Watch for its creation; if it was created meanwhile,
				// list it again.
				var exists bool
				if exists, _, ch, err = conn.ExistsW(dir); err == nil && exists {
					continue
				}
			}
			if err != nil {
				return err
			}
			watches[i] = ch
		}
	}
	if watches[2] == nil && validNames(nodeID) {
		_, _, ch, err := conn.ExistsW(r.assignment + "/" + nodeID)
		if err != nil {
			return err
		}
		watches[2] = ch
	}
	return nil
}

// Hermes's SBE message header and group dimension for Assignments.
const (
	sbeSchemaID       = 2
	sbeTemplateID     = 1
	sbeVersion        = 0
	sbeHeaderLen      = 8
	sbeGroupHeaderLen = 4
	sbeIDLen          = 8
)

func encodeAssignments(ids []int64) ([]byte, error) {
	if len(ids) > 0xFFFF {
		return nil, domain.Errorf(domain.ErrValidation, "zookeeper: %d subscriptions for one consumer; Hermes's assignment format holds at most 65535", len(ids))
	}
	b := make([]byte, 0, sbeHeaderLen+sbeGroupHeaderLen+sbeIDLen*len(ids))
	b = binary.LittleEndian.AppendUint16(b, 0) // block length: no fixed fields
	b = binary.LittleEndian.AppendUint16(b, sbeTemplateID)
	b = binary.LittleEndian.AppendUint16(b, sbeSchemaID)
	b = binary.LittleEndian.AppendUint16(b, sbeVersion)
	b = binary.LittleEndian.AppendUint16(b, sbeIDLen)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(ids)))
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
	}
	return b, nil
}

func decodeAssignments(b []byte) ([]int64, error) {
	if len(b) < sbeHeaderLen+sbeGroupHeaderLen {
		return nil, errors.New("shorter than the SBE headers")
	}
	le := binary.LittleEndian
	blockLen, template, schema := int(le.Uint16(b[0:])), le.Uint16(b[2:]), le.Uint16(b[4:])
	if schema != sbeSchemaID || template != sbeTemplateID {
		return nil, errors.New("not an Assignments message (schema or template id)")
	}
	g := b[sbeHeaderLen+blockLen:]
	if len(g) < sbeGroupHeaderLen {
		return nil, errors.New("no group header")
	}
	entryLen, count := int(le.Uint16(g[0:])), int(le.Uint16(g[2:]))
	g = g[sbeGroupHeaderLen:]
	if entryLen < sbeIDLen || len(g) < entryLen*count {
		return nil, errors.New("truncated subscription ids")
	}
	ids := make([]int64, count)
	for i := range ids {
		ids[i] = int64(le.Uint64(g[i*entryLen:]))
	}
	return ids, nil
}
