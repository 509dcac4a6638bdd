package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func allFigures(rate, codes5xx float64, lag int64) ports.SubscriptionMetrics {
	d := ports.Decimal
	return ports.SubscriptionMetrics{Rate: d(rate), Timeouts: d(0), OtherErrors: d(0), Codes4xx: d(0), Codes5xx: d(codes5xx),
		BatchRate: d(0), Lag: ports.MetricLong{Value: lag, Available: true}}
}

func TestSubscriptionHealthAndUnhealthy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := queryFixture(t) // g.alpha$s1, g.beta$s2, both NON_IMPORTANT by default
	_, err := store.UpdateSubscription(ctx, domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "alpha"}, Name: "s1"},
		func(s domain.Subscription) (domain.Subscription, error) {
			s.MonitoringDetails.Severity, s.Owner = "CRITICAL", &domain.Owner{Source: "Plaintext", ID: "team"}
			return s, nil
		})
	require.NoError(t, err)
	figures := fakeFigures{
		topics: map[string]ports.TopicMetrics{"g.alpha": {Rate: ports.Decimal(10)}, "g.beta": {Rate: ports.Decimal(10)}},
		subs: map[string]ports.SubscriptionMetrics{
			"g.alpha$s1": allFigures(10, 5, 0), // 5xx over a tenth of the rate: MALFUNCTIONING
			"g.beta$s2":  allFigures(10, 5, 0),
		},
	}
	c := NewCheckSubscriptionHealth(store, figures, domain.DefaultHealthThresholds(), []string{"Plaintext"})

	h, err := c.SubscriptionHealth(ctx, "g.alpha", "s1")
	require.NoError(t, err)
	assert.Equal(t, domain.HealthUnhealthy, h.Status)
	require.Len(t, h.Problems, 1)
	assert.Equal(t, domain.ProblemMalfunctioning, h.Problems[0].Code)
	_, err = c.SubscriptionHealth(ctx, "g.alpha", "none")
	assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound)

	names := func(f ports.UnhealthyFilter) []string {
		t.Helper()
		list, err := c.Unhealthy(ctx, f)
		require.NoError(t, err)
		out := []string{}
		for _, u := range list {
			out = append(out, u.TopicName+"$"+u.Name)
		}
		return out
	}
	assert.Equal(t, []string{"g.alpha$s1"}, names(ports.UnhealthyFilter{RespectMonitoringSeverity: true}))
	assert.Equal(t, []string{"g.alpha$s1", "g.beta$s2"}, names(ports.UnhealthyFilter{}))
	assert.Equal(t, []string{"g.beta$s2"}, names(ports.UnhealthyFilter{QualifiedTopicNames: []string{"g.beta"}}))
	assert.Equal(t, []string{"g.beta$s2"}, names(ports.UnhealthyFilter{SubscriptionNames: []string{"s2"}}))
	assert.Equal(t, []string{"g.alpha$s1"}, names(ports.UnhealthyFilter{OwnerSource: "Plaintext", OwnerID: "team"}))
	assert.Empty(t, names(ports.UnhealthyFilter{OwnerSource: "Plaintext", OwnerID: "other"}))
	_, err = c.Unhealthy(ctx, ports.UnhealthyFilter{OwnerSource: "Crowd", OwnerID: "team"})
	assert.ErrorIs(t, err, domain.ErrOwnerNotFound)

	list, err := c.Unhealthy(ctx, ports.UnhealthyFilter{RespectMonitoringSeverity: true})
	require.NoError(t, err)
	assert.Equal(t, "CRITICAL", list[0].Severity)

	// A figure that cannot be read: NO_DATA, which is not unhealthy.
	unread := figures.subs["g.beta$s2"]
	unread.BatchRate = ports.MetricDecimal{}
	figures.subs["g.beta$s2"] = unread
	h, err = c.SubscriptionHealth(ctx, "g.beta", "s2")
	require.NoError(t, err)
	assert.Equal(t, domain.HealthNoData, h.Status)
	assert.Equal(t, []string{"g.alpha$s1"}, names(ports.UnhealthyFilter{}))
}
