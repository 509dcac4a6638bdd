package kafka

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
)

// Publishers wait for each ack, so a produce must not linger for a batch
// to fill (franz-go lingers 10ms by default).
func TestProducerDoesNotLinger(t *testing.T) {
	p, err := NewProducer(Config{Brokers: []string{"127.0.0.1:1"}}, nil)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	for _, ack := range []domain.Ack{domain.AckNone, domain.AckLeader, domain.AckAll} {
		cl, err := p.client(ack)
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), cl.OptValue(kgo.ProducerLinger), "ack %s", ack)
	}
}
