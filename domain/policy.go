package domain

import "time"

// SubscriptionPolicy is the serial delivery policy, with Hermes's defaults
// (code defaults: messageBackoff 100 ms, not the 1000 of Hermes's docs).
type SubscriptionPolicy struct {
	Rate                    int     `json:"rate"`
	MessageTTL              int     `json:"messageTtl"`
	MessageBackoff          int     `json:"messageBackoff"`
	RequestTimeout          int     `json:"requestTimeout"`
	SocketTimeout           int     `json:"socketTimeout"`
	SendingDelay            int     `json:"sendingDelay"`
	BackoffMultiplier       float64 `json:"backoffMultiplier"`
	BackoffMaxIntervalInSec int     `json:"backoffMaxIntervalInSec"`
	RetryClientErrors       bool    `json:"retryClientErrors"`
	InflightSize            *int    `json:"inflightSize,omitempty"`
	// BackoffMaxIntervalMillis is derived; present in Hermes's output, ignored on input.
	BackoffMaxIntervalMillis int64 `json:"backoffMaxIntervalMillis"`
}

// DefaultSubscriptionPolicy returns Hermes's serial defaults.
func DefaultSubscriptionPolicy() SubscriptionPolicy {
	return SubscriptionPolicy{
		Rate: 400, MessageTTL: 3600, MessageBackoff: 100, RequestTimeout: 1000,
		BackoffMultiplier: 1, BackoffMaxIntervalInSec: 600,
	}
}

// Validate checks Hermes's bounds.
func (p SubscriptionPolicy) validate(v *violations) {
	if p.Rate < 1 {
		v.add("subscriptionPolicy.rate must be greater than or equal to 1")
	}
	if p.MessageTTL < 0 || p.MessageTTL > 7200 {
		v.add("subscriptionPolicy.messageTtl must be between 0 and 7200")
	}
	if p.MessageBackoff < 0 {
		v.add("subscriptionPolicy.messageBackoff must be greater than or equal to 0")
	}
	if p.RequestTimeout < 100 || p.RequestTimeout > 300000 {
		v.add("subscriptionPolicy.requestTimeout must be between 100 and 300000")
	}
	if p.SocketTimeout < 0 || p.SocketTimeout > 300000 {
		v.add("subscriptionPolicy.socketTimeout must be between 0 and 300000")
	}
	if p.SendingDelay < 0 || p.SendingDelay > 5000 {
		v.add("subscriptionPolicy.sendingDelay must be between 0 and 5000")
	}
	if p.BackoffMultiplier < 1 || p.BackoffMultiplier > 10 {
		v.add("subscriptionPolicy.backoffMultiplier must be between 1 and 10")
	}
	if p.BackoffMaxIntervalInSec < 1 || p.BackoffMaxIntervalInSec > 600 {
		v.add("subscriptionPolicy.backoffMaxIntervalInSec must be between 1 and 600")
	}
	if p.InflightSize != nil && *p.InflightSize < 1 {
		v.add("subscriptionPolicy.inflightSize must be greater than or equal to 1")
	}
}

// BatchSubscriptionPolicy is the batch delivery policy, with Hermes's code
// defaults (messageTtl 60 s, not the 3600 of the docs).
type BatchSubscriptionPolicy struct {
	MessageTTL        int  `json:"messageTtl"`
	MessageBackoff    int  `json:"messageBackoff"`
	RetryClientErrors bool `json:"retryClientErrors"`
	RequestTimeout    int  `json:"requestTimeout"`
	BatchSize         int  `json:"batchSize"`
	BatchTime         int  `json:"batchTime"`
	BatchVolume       int  `json:"batchVolume"`
}

// DefaultBatchSubscriptionPolicy returns Hermes's batch defaults.
func DefaultBatchSubscriptionPolicy() BatchSubscriptionPolicy {
	return BatchSubscriptionPolicy{
		MessageTTL: 60, MessageBackoff: 500, RequestTimeout: 30000,
		BatchSize: 100, BatchTime: 30000, BatchVolume: 64000,
	}
}

func (p BatchSubscriptionPolicy) validate(v *violations) {
	if p.MessageTTL < 0 {
		v.add("subscriptionPolicy.messageTtl must be greater than or equal to 0")
	}
	if p.MessageBackoff < 0 {
		v.add("subscriptionPolicy.messageBackoff must be greater than or equal to 0")
	}
	if p.RequestTimeout < 1 {
		v.add("subscriptionPolicy.requestTimeout must be greater than or equal to 1")
	}
	if p.BatchSize < 1 {
		v.add("subscriptionPolicy.batchSize must be greater than or equal to 1")
	}
	if p.BatchTime < 1 {
		v.add("subscriptionPolicy.batchTime must be greater than or equal to 1")
	}
	if p.BatchVolume < 1 {
		v.add("subscriptionPolicy.batchVolume must be greater than or equal to 1")
	}
}

// Backoff returns the delay before retry number attempt (1 = first retry):
// messageBackoff, then multiplied by backoffMultiplier each time, capped at
// backoffMaxIntervalInSec from the second retry on.
func (p SubscriptionPolicy) Backoff(attempt int) time.Duration {
	// Whole milliseconds, truncated at each step and capped from the second
	// retry on, as Hermes computes it.
	d := int64(p.MessageBackoff)
	maxMs := int64(p.BackoffMaxIntervalInSec) * 1000
	for i := 1; i < attempt; i++ {
		next := min(maxMs, int64(float64(d)*p.BackoffMultiplier))
		if next == d {
			break
		}
		d = next
	}
	return time.Duration(d) * time.Millisecond
}
