package app

import (
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// publishSeries are the metric series every publish to one topic records
// into, resolved once: looking them up by name and labels on every
// publish cost a labels map and a key or path per call.
type publishSeries struct {
	ack           domain.Ack // the topic's ack when resolved: it names brokerLatency
	labels        ports.Labels
	requests      ports.Counter
	published     ports.Counter
	volume        ports.Counter
	brokerLatency ports.Timer
}

// series returns topic's publish series, resolved again when its ack
// changed. Entries exist for topics published to and leave with a
// deleted topic (KeepTopicsFresh), as the topic cache's do.
func (p *PublishMessage) series(topic domain.Topic) *publishSeries {
	p.mu.RLock()
	s := p.published[topic.Name]
	p.mu.RUnlock()
	if s != nil && s.ack == topic.Ack {
		return s
	}
	labels := topicLabels(topic.QualifiedName())
	s = &publishSeries{
		ack: topic.Ack, labels: labels,
		requests:      ports.CounterOf(p.metrics, "topic.requests", labels),
		published:     ports.CounterOf(p.metrics, "topic.published", labels),
		volume:        ports.CounterOf(p.metrics, "topic.volume", labels),
		brokerLatency: ports.TimerOf(p.metrics, brokerLatencyMetric(topic.Ack), labels),
	}
	p.mu.Lock()
	p.published[topic.Name] = s
	p.mu.Unlock()
	return s
}
