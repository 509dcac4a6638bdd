package wiring

import "github.com/hermes-go/hermes/domain"

// SubscriptionHealthConfig is Hermes's management.subscription-health.*:
// when GET .../health and GET /unhealthy report a problem. Defaults are
// Hermes's (domain.DefaultHealthThresholds).
type SubscriptionHealthConfig struct {
	// MaxLagInSeconds: lagging when the lag exceeds this many seconds of
	// the topic's publishing rate (default 600).
	MaxLagInSeconds int `koanf:"max_lag_in_seconds"`
	// The error ratios, of the delivery rate (defaults 0.5, 0.1, 0.1, 0.1).
	MaxOtherErrorsRatio float64 `koanf:"max_other_errors_ratio"`
	MaxTimeoutsRatio    float64 `koanf:"max_timeouts_ratio"`
	Max5xxErrorsRatio   float64 `koanf:"max_5xx_errors_ratio"`
	Max4xxErrorsRatio   float64 `koanf:"max_4xx_errors_ratio"`
	// MinSubscriptionRateForReliableMetrics: below this delivery rate
	// (per second) the error ratios are not judged (default 2).
	MinSubscriptionRateForReliableMetrics float64 `koanf:"min_subscription_rate_for_reliable_metrics"`
	// The indicators' switches (default all true).
	LaggingIndicatorEnabled                    bool `koanf:"lagging_indicator_enabled"`
	UnreachableIndicatorEnabled                bool `koanf:"unreachable_indicator_enabled"`
	TimingOutIndicatorEnabled                  bool `koanf:"timing_out_indicator_enabled"`
	MalfunctioningIndicatorEnabled             bool `koanf:"malfunctioning_indicator_enabled"`
	ReceivingMalformedMessagesIndicatorEnabled bool `koanf:"receiving_malformed_messages_indicator_enabled"`
}

func defaultSubscriptionHealth() SubscriptionHealthConfig {
	d := domain.DefaultHealthThresholds()
	return SubscriptionHealthConfig{
		MaxLagInSeconds: d.MaxLagInSeconds, MaxOtherErrorsRatio: d.MaxOtherErrorsRatio, MaxTimeoutsRatio: d.MaxTimeoutsRatio,
		Max5xxErrorsRatio: d.Max5xxErrorsRatio, Max4xxErrorsRatio: d.Max4xxErrorsRatio,
		MinSubscriptionRateForReliableMetrics: d.MinSubscriptionRateForReliableMetrics,
		LaggingIndicatorEnabled:               d.LaggingEnabled, UnreachableIndicatorEnabled: d.UnreachableEnabled,
		TimingOutIndicatorEnabled: d.TimingOutEnabled, MalfunctioningIndicatorEnabled: d.MalfunctioningEnabled,
		ReceivingMalformedMessagesIndicatorEnabled: d.ReceivingMalformedMessagesEnabled,
	}
}

func (c SubscriptionHealthConfig) thresholds() domain.HealthThresholds {
	return domain.HealthThresholds{
		MaxLagInSeconds: c.MaxLagInSeconds, MaxOtherErrorsRatio: c.MaxOtherErrorsRatio, MaxTimeoutsRatio: c.MaxTimeoutsRatio,
		Max5xxErrorsRatio: c.Max5xxErrorsRatio, Max4xxErrorsRatio: c.Max4xxErrorsRatio,
		MinSubscriptionRateForReliableMetrics: c.MinSubscriptionRateForReliableMetrics,
		LaggingEnabled:                        c.LaggingIndicatorEnabled, UnreachableEnabled: c.UnreachableIndicatorEnabled,
		TimingOutEnabled: c.TimingOutIndicatorEnabled, MalfunctioningEnabled: c.MalfunctioningIndicatorEnabled,
		ReceivingMalformedMessagesEnabled: c.ReceivingMalformedMessagesIndicatorEnabled,
	}
}
