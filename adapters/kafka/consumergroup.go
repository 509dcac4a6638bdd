package kafka

import (
	"cmp"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// hostLookupTimeout bounds the reverse lookup of a member's address.
const hostLookupTimeout = time.Second

// ConsumerGroup implements ports.MessageStoreAdmin, as Hermes's
// ConsumerGroupsDescriber does: DescribeGroups for state and assignments,
// FetchOffsets for the committed offsets, ListEndOffsets for the ends.
func (a *Admin) ConsumerGroup(ctx context.Context, t domain.Topic, sub domain.SubscriptionName) (ports.ConsumerGroup, bool, error) {
	group := a.cfg.groupID(sub)
	var described kadm.DescribedGroup
	var committed kadm.OffsetResponses
	var ends kadm.ListedOffsets
	err := retry(ctx, func() error {
		groups, err := a.adm.DescribeGroups(ctx, group)
		if err == nil {
			err = groups.Error()
		}
		if errors.Is(err, kerr.GroupIDNotFound) {
			described = kadm.DescribedGroup{State: "Dead"}
			return nil
		}
		if err != nil {
			return err
		}
		described = groups[group]
		if committed, err = a.adm.FetchOffsets(ctx, group); err == nil {
			err = committed.Error()
		}
		if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return err
		}
		// The store topic too: its committed partitions may have no member.
		topics := append(described.AssignedPartitions().Topics(), a.cfg.topicName(t.QualifiedName()))
		if ends, err = a.adm.ListEndOffsets(ctx, slices.Compact(slices.Sorted(slices.Values(topics)))...); err == nil {
			err = ends.Error()
		}
		return err
	})
	if err != nil {
		return ports.ConsumerGroup{}, false, unavailable("describing group "+group, err)
	}
	if described.State == "Dead" || described.State == "" {
		return ports.ConsumerGroup{}, false, nil
	}
	g := ports.ConsumerGroup{ClusterName: a.cfg.ClusterName, GroupID: group, State: described.State, Members: []ports.ConsumerGroupMember{}}
	partition := func(topic string, p int32) ports.ConsumerGroupPartition {
		part := ports.ConsumerGroupPartition{Partition: p, Topic: topic, ContentType: t.ContentType}
		if c, ok := committed.Lookup(topic, p); ok && c.At >= 0 {
			part.CurrentOffset, part.OffsetMetadata = c.At, c.Metadata
		}
		if end, ok := ends.Lookup(topic, p); ok {
			part.LogEndOffset = end.Offset
		}
		part.Lag = part.LogEndOffset - part.CurrentOffset
		return part
	}
	held := map[string]map[int32]bool{}
	for _, m := range described.Members {
		member := ports.ConsumerGroupMember{ConsumerID: m.MemberID, ClientID: m.ClientID, Host: hostName(ctx, m.ClientHost),
			Partitions: []ports.ConsumerGroupPartition{}}
		if assigned, ok := m.Assigned.AsConsumer(); ok {
			for _, at := range assigned.Topics {
				for _, p := range at.Partitions {
					member.Partitions = append(member.Partitions, partition(at.Topic, p))
					if held[at.Topic] == nil {
						held[at.Topic] = map[int32]bool{}
					}
					held[at.Topic][p] = true
				}
			}
		}
		sortPartitions(member.Partitions)
		g.Members = append(g.Members, member)
	}
	committed.Each(func(o kadm.OffsetResponse) {
		if o.At >= 0 && !held[o.Topic][o.Partition] {
			g.Unassigned = append(g.Unassigned, partition(o.Topic, o.Partition))
		}
	})
	sortPartitions(g.Unassigned)
	return g, true, nil
}

func sortPartitions(parts []ports.ConsumerGroupPartition) {
	slices.SortFunc(parts, func(x, y ports.ConsumerGroupPartition) int {
		return cmp.Or(strings.Compare(x.Topic, y.Topic), cmp.Compare(x.Partition, y.Partition))
	})
}

// hostName is the member's host as Hermes shows it: Kafka reports
// "/10.1.2.3"; Hermes resolves the address to a name when it can.
func hostName(ctx context.Context, clientHost string) string {
	ip := clientHost[strings.LastIndex(clientHost, "/")+1:]
	ctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	if names, err := net.DefaultResolver.LookupAddr(ctx, ip); err == nil && len(names) > 0 {
		return strings.TrimSuffix(names[0], ".")
	}
	return ip
}
