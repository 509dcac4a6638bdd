package domain

import (
	"cmp"
	"maps"
	"slices"
)

// WorkloadLimits are the inputs of consumer workload balancing besides the
// subscriptions and instances (Hermes's WorkloadConstraints).
type WorkloadLimits struct {
	// ConsumersPerSubscription is how many instances run a subscription
	// without a constraint of its own (Hermes's
	// consumer.workload.consumersPerSubscription, default 2).
	ConsumersPerSubscription int
	// MaxSubscriptionsPerConsumer caps what one instance runs (Hermes's
	// consumer.workload.maxSubscriptionsPerConsumer, default 200).
	MaxSubscriptionsPerConsumer int
	// Constraints are the stored /workload-constraints: a subscription's
	// own constraint wins over its topic's.
	Constraints WorkloadConstraints
}

// consumersFor is how many instances sub should run on, never more than
// there are instances (Hermes's WorkloadConstraints.getConsumerCount).
func (l WorkloadLimits) consumersFor(sub SubscriptionName, instances int) int {
	want := l.ConsumersPerSubscription
	if c, ok := l.Constraints.SubscriptionConstraints[sub.String()]; ok && c.ConsumersNumber > 0 {
		want = c.ConsumersNumber
	} else if c, ok := l.Constraints.TopicConstraints[sub.Topic.String()]; ok && c.ConsumersNumber > 0 {
		want = c.ConsumersNumber
	}
	return max(min(want, instances), 0)
}

// WorkloadAssignment maps each consumer instance id to the subscriptions
// it runs.
type WorkloadAssignment map[string][]SubscriptionName

// WorkloadBalance is the result of BalanceWorkload.
type WorkloadBalance struct {
	// Assignment has every instance (also those given nothing), each
	// with its subscriptions sorted by group, topic and name.
	Assignment WorkloadAssignment
	// Missing is how many (subscription, instance) pairs the limits asked
	// for and could not be given, because every instance that could take
	// them is full (Hermes's missing resources metric).
	Missing int
}

// Changed lists the instances whose subscriptions differ between a and b,
// sorted; an instance present in only one of them counts as changed.
func (a WorkloadAssignment) Changed(b WorkloadAssignment) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(a)) {
		if other, ok := b[id]; !ok || !sameSubscriptions(a[id], other) {
			out = append(out, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Holders lists, for every assigned subscription, the instances it is
// assigned to, sorted by id: the order in which they split its partitions
// when no Kafka group does (the shared consumer's partition shares).
func (a WorkloadAssignment) Holders() map[SubscriptionName][]string {
	out := map[SubscriptionName][]string{}
	for _, id := range slices.Sorted(maps.Keys(a)) {
		for _, s := range a[id] {
			out[s] = append(out[s], id)
		}
	}
	return out
}

func sameSubscriptions(a, b []SubscriptionName) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[SubscriptionName]bool{}
	for _, s := range a {
		set[s] = true
	}
	for _, s := range b {
		if !set[s] {
			return false
		}
	}
	return true
}

// BalanceWorkload assigns subscriptions to instances as Hermes's selective
// balancer does, keeping what current already assigns wherever the limits
// allow, so a rebalance moves as little as it can:
//
//  1. drop the assignments of instances and subscriptions that are gone;
//  2. drop assignments beyond what a subscription needs (from the most
//     loaded instances first);
//  3. give each subscription short of instances, those with the fewest
//     first, the least loaded instance that does not run it yet and has
//     room (under MaxSubscriptionsPerConsumer);
//  4. move subscriptions from the most to the least loaded instance while
//     their loads differ by more than one.
//
// A subscription gets min(its consumers number, instances) distinct
// instances when there is room. The result depends only on the inputs
// (ties go by name), and balancing a result again returns it unchanged.
func BalanceWorkload(subscriptions []SubscriptionName, instances []string, current WorkloadAssignment, limits WorkloadLimits) WorkloadBalance {
	b := newBalancer(subscriptions, instances, current, limits)
	b.dropRedundant(limits)
	// Equalizing can make room on an instance a short subscription could
	// not use before, so fill again until nothing more fits: this is what
	// makes balancing a result a no-op.
	for {
		added := b.fill(limits)
		if moved := b.equalize(); !added && !moved {
			break
		}
	}
	return WorkloadBalance{Assignment: b.result(), Missing: b.missing()}
}

type balancer struct {
	subs  []SubscriptionName // sorted, unique
	nodes []string           // sorted, unique
	// runs[node] and on[sub] are the two views of one assignment set.
	runs map[string]map[SubscriptionName]bool
	on   map[SubscriptionName]map[string]bool
	// kept are the assignments taken over from current: moving one of
	// them stops a running consumer, so equalizing moves new ones first.
	kept map[string]map[SubscriptionName]bool
	want map[SubscriptionName]int // instances each subscription should run on
}

func newBalancer(subscriptions []SubscriptionName, instances []string, current WorkloadAssignment, limits WorkloadLimits) *balancer {
	b := &balancer{runs: map[string]map[SubscriptionName]bool{}, on: map[SubscriptionName]map[string]bool{},
		kept: map[string]map[SubscriptionName]bool{}, want: map[SubscriptionName]int{}}
	for _, s := range subscriptions {
		if b.on[s] == nil {
			b.on[s] = map[string]bool{}
			b.subs = append(b.subs, s)
		}
	}
	slices.SortFunc(b.subs, compareSubscriptions)
	for _, n := range instances {
		if b.runs[n] == nil {
			b.runs[n] = map[SubscriptionName]bool{}
			b.kept[n] = map[SubscriptionName]bool{}
			b.nodes = append(b.nodes, n)
		}
	}
	slices.Sort(b.nodes)
	for _, s := range b.subs {
		b.want[s] = limits.consumersFor(s, len(b.nodes))
	}
	for node, subs := range current {
		if b.runs[node] == nil {
			continue // the instance is gone
		}
		for _, s := range subs {
			if b.on[s] != nil { // else the subscription is gone or inactive
				b.add(node, s)
				b.kept[node][s] = true
			}
		}
	}
	return b
}

// compareSubscriptions orders by group, topic and name (no allocation:
// the balancer compares a lot).
func compareSubscriptions(a, b SubscriptionName) int {
	return cmp.Or(cmp.Compare(a.Topic.Group, b.Topic.Group), cmp.Compare(a.Topic.Name, b.Topic.Name), cmp.Compare(a.Name, b.Name))
}

func (b *balancer) add(node string, s SubscriptionName) {
	b.runs[node][s] = true
	b.on[s][node] = true
}

func (b *balancer) remove(node string, s SubscriptionName) {
	delete(b.runs[node], s)
	delete(b.on[s], node)
}

// byLoad orders instances by how much they run, then by id.
func (b *balancer) byLoad(x, y string) int {
	return cmp.Or(cmp.Compare(len(b.runs[x]), len(b.runs[y])), cmp.Compare(x, y))
}

// dropRedundant removes what the limits no longer allow: instances over
// their max (the limit may have been lowered) shed the subscriptions with
// the most instances first, then subscriptions over their consumers
// number shed the instances with the most load first.
func (b *balancer) dropRedundant(limits WorkloadLimits) {
	for _, n := range b.nodes {
		extra := len(b.runs[n]) - limits.MaxSubscriptionsPerConsumer
		if extra <= 0 {
			continue
		}
		subs := slices.Collect(maps.Keys(b.runs[n]))
		slices.SortFunc(subs, func(x, y SubscriptionName) int {
			return cmp.Or(cmp.Compare(len(b.on[y]), len(b.on[x])), compareSubscriptions(x, y))
		})
		for _, s := range subs[:extra] {
			b.remove(n, s)
		}
	}
	for _, s := range b.subs {
		extra := len(b.on[s]) - b.want[s]
		if extra <= 0 {
			continue
		}
		holders := slices.Collect(maps.Keys(b.on[s]))
		slices.SortFunc(holders, func(x, y string) int { return b.byLoad(y, x) })
		for _, n := range holders[:extra] {
			b.remove(n, s)
		}
	}
}

// fill hands out the missing assignments one at a time, each to the
// least loaded instance with room that can take a short subscription,
// which gets the short subscription with the fewest instances (then the
// first by name) that it does not run yet. Giving the work to the
// emptiest instance keeps loads level, so equalize seldom has to move
// running subscriptions; taking the subscriptions with the fewest
// instances first spreads a shortage of room over subscriptions instead
// of starving the last ones (Hermes's AvailableWork order). It reports
// whether it assigned anything.
func (b *balancer) fill(limits WorkloadLimits) bool {
	need := func(s SubscriptionName) int { return b.want[s] - len(b.on[s]) }
	// byCount[c] lists the short subscriptions with c instances, by name;
	// an entry whose count changed since is stale and skipped.
	var byCount [][]SubscriptionName
	for _, s := range b.subs {
		if need(s) > 0 {
			c := len(b.on[s])
			for len(byCount) <= c {
				byCount = append(byCount, nil)
			}
			byCount[c] = append(byCount[c], s)
		}
	}
	assigned := false
	blocked := map[string]bool{} // instances no short subscription fits
	for {
		n, ok := b.emptiest(limits, blocked)
		if !ok {
			return assigned
		}
		s, ok := b.shortFor(n, byCount, need)
		if !ok {
			blocked[n] = true
			continue
		}
		b.add(n, s)
		assigned = true
		if need(s) > 0 {
			c := len(b.on[s])
			for len(byCount) <= c {
				byCount = append(byCount, nil)
			}
			byCount[c] = append(byCount[c], s)
		}
	}
}

// emptiest is the least loaded instance with room that is not blocked.
func (b *balancer) emptiest(limits WorkloadLimits, blocked map[string]bool) (string, bool) {
	best, found := "", false
	for _, n := range b.nodes {
		if blocked[n] || len(b.runs[n]) >= limits.MaxSubscriptionsPerConsumer {
			continue
		}
		if !found || b.byLoad(n, best) < 0 {
			best, found = n, true
		}
	}
	return best, found
}

// shortFor is the short subscription with the fewest instances that n
// does not run; it drops stale entries of byCount on the way.
func (b *balancer) shortFor(n string, byCount [][]SubscriptionName, need func(SubscriptionName) int) (SubscriptionName, bool) {
	for c := range byCount {
		list := byCount[c]
		for len(list) > 0 && (len(b.on[list[0]]) != c || need(list[0]) <= 0) {
			list = list[1:]
		}
		byCount[c] = list
		for _, s := range list {
			if len(b.on[s]) == c && need(s) > 0 && !b.runs[n][s] {
				return s, true
			}
		}
	}
	return SubscriptionName{}, false
}

// equalize moves work from the most to the least loaded instance, as
// Hermes's equalizeWorkload: a move never breaks a subscription's distinct
// instances and never raises the receiver above the giver. It reports
// whether it moved anything.
func (b *balancer) equalize() bool {
	if len(b.nodes) < 2 || len(b.subs) < 2 {
		return false
	}
	any := false
	for {
		most := slices.MaxFunc(b.nodes, b.byLoad)
		least := slices.MinFunc(b.nodes, b.byLoad)
		moved := false
		for len(b.runs[most]) > len(b.runs[least])+1 {
			s, ok := b.movable(most, least)
			if !ok {
				break
			}
			b.remove(most, s)
			b.add(least, s)
			moved, any = true, true
		}
		if !moved {
			return any
		}
	}
}

// movable is a subscription that from runs and to does not: one assigned
// in this balancing if there is one (it is not running yet), else one
// kept from before; the first by name.
func (b *balancer) movable(from, to string) (SubscriptionName, bool) {
	var best SubscriptionName
	found := false
	better := func(s SubscriptionName) bool {
		if !found {
			return true
		}
		if b.kept[from][s] != b.kept[from][best] {
			return !b.kept[from][s]
		}
		return compareSubscriptions(s, best) < 0
	}
	for s := range b.runs[from] {
		if !b.runs[to][s] && better(s) {
			best, found = s, true
		}
	}
	return best, found
}

func (b *balancer) result() WorkloadAssignment {
	out := WorkloadAssignment{}
	for _, n := range b.nodes {
		subs := slices.Collect(maps.Keys(b.runs[n]))
		slices.SortFunc(subs, compareSubscriptions)
		if subs == nil {
			subs = []SubscriptionName{}
		}
		out[n] = subs
	}
	return out
}

func (b *balancer) missing() int {
	total := 0
	for _, s := range b.subs {
		total += max(b.want[s]-len(b.on[s]), 0)
	}
	return total
}
