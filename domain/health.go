package domain

import (
	"fmt"
	"math"
)

// Subscription health statuses (Hermes's SubscriptionHealth.Status).
const (
	HealthHealthy   = "HEALTHY"
	HealthUnhealthy = "UNHEALTHY"
	HealthNoData    = "NO_DATA"
)

// Subscription health problem codes, in Hermes's order.
const (
	ProblemLagging                    = "LAGGING"
	ProblemUnreachable                = "UNREACHABLE"
	ProblemTimingOut                  = "TIMING_OUT"
	ProblemMalfunctioning             = "MALFUNCTIONING"
	ProblemReceivingMalformedMessages = "RECEIVING_MALFORMED_MESSAGES"
)

// SeverityNonImportant is the monitoringDetails.severity that GET
// /unhealthy skips unless respectMonitoringSeverity=false.
const SeverityNonImportant = "NON_IMPORTANT"

// SubscriptionHealth is Hermes's SubscriptionHealth JSON.
type SubscriptionHealth struct {
	Status   string          `json:"status"`
	Problems []HealthProblem `json:"problems"`
}

// HealthProblem is Hermes's SubscriptionHealthProblem JSON.
type HealthProblem struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// HealthThresholds are Hermes's management.subscription-health.*
// properties; DefaultHealthThresholds has Hermes's defaults.
type HealthThresholds struct {
	// MaxLagInSeconds: a subscription lags when its lag exceeds this many
	// seconds of the topic's publishing rate.
	MaxLagInSeconds int
	// The error ratios are of the delivery rate (the batch rate for batch
	// subscriptions), which must exceed MinSubscriptionRateForReliableMetrics
	// (per second) for them to count.
	MaxOtherErrorsRatio                   float64
	MaxTimeoutsRatio                      float64
	Max5xxErrorsRatio                     float64
	Max4xxErrorsRatio                     float64
	MinSubscriptionRateForReliableMetrics float64
	// The indicators' switches (all on by default).
	LaggingEnabled                    bool
	UnreachableEnabled                bool
	TimingOutEnabled                  bool
	MalfunctioningEnabled             bool
	ReceivingMalformedMessagesEnabled bool
}

// DefaultHealthThresholds returns Hermes's defaults.
func DefaultHealthThresholds() HealthThresholds {
	return HealthThresholds{
		MaxLagInSeconds: 600, MaxOtherErrorsRatio: 0.5, MaxTimeoutsRatio: 0.1, Max5xxErrorsRatio: 0.1, Max4xxErrorsRatio: 0.1,
		MinSubscriptionRateForReliableMetrics: 2,
		LaggingEnabled:                        true, UnreachableEnabled: true, TimingOutEnabled: true, MalfunctioningEnabled: true,
		ReceivingMalformedMessagesEnabled: true,
	}
}

// HealthFigures are the metrics a health check reads: per-second rates
// over the last minute and the current lag in messages.
type HealthFigures struct {
	TopicRate        float64
	SubscriptionRate float64
	BatchRate        float64
	Timeouts         float64
	OtherErrors      float64
	Codes4xx         float64
	Codes5xx         float64
	Lag              int64
}

// CheckHealth is Hermes's SubscriptionHealthChecker: a suspended
// subscription is healthy; otherwise figures nil (some metric unavailable)
// is NO_DATA, and each indicator whose threshold is passed adds a problem.
func CheckHealth(s Subscription, f *HealthFigures, th HealthThresholds) SubscriptionHealth {
	if s.State == StateSuspended {
		return SubscriptionHealth{Status: HealthHealthy, Problems: []HealthProblem{}}
	}
	if f == nil {
		return SubscriptionHealth{Status: HealthNoData, Problems: []HealthProblem{}}
	}
	name := s.QualifiedName().String()
	rate, retryClientErrors := f.SubscriptionRate, false
	if s.Batch != nil {
		rate, retryClientErrors = f.BatchRate, s.Batch.RetryClientErrors
	} else if s.Serial != nil {
		retryClientErrors = s.Serial.RetryClientErrors
	}
	reliable := rate > th.MinSubscriptionRateForReliableMetrics
	problems := []HealthProblem{}
	add := func(code, format string, args ...any) {
		problems = append(problems, HealthProblem{Code: code, Description: fmt.Sprintf(format, args...)})
	}
	if th.LaggingEnabled && f.TopicRate > 0 && float64(f.Lag) > float64(th.MaxLagInSeconds)*f.TopicRate {
		add(ProblemLagging, "Lag is growing on subscription %s, current value is %d messages", name, f.Lag)
	}
	if th.UnreachableEnabled && reliable && f.OtherErrors > th.MaxOtherErrorsRatio*rate {
		add(ProblemUnreachable, "Unable to connect to consuming service instances for subscription %s, current rate is %s failures/s",
			name, javaRound(f.OtherErrors))
	}
	if th.TimingOutEnabled && reliable && f.Timeouts > th.MaxTimeoutsRatio*rate {
		add(ProblemTimingOut, "Consuming service times out a lot for subscription %s, currently %s timeouts/s", name, javaRound(f.Timeouts))
	}
	if th.MalfunctioningEnabled && reliable && f.Codes5xx > th.Max5xxErrorsRatio*rate {
		add(ProblemMalfunctioning, "Consuming service returns a lot of 5xx codes for subscription %s, currently %s 5xx/s",
			name, javaRound(f.Codes5xx))
	}
	if th.ReceivingMalformedMessagesEnabled && retryClientErrors && reliable && f.Codes4xx > th.Max4xxErrorsRatio*rate {
		add(ProblemReceivingMalformedMessages, "Consuming service returns a lot of 4xx codes for subscription %s, currently %s 4xx/s",
			name, javaRound(f.Codes4xx))
	}
	if len(problems) == 0 {
		return SubscriptionHealth{Status: HealthHealthy, Problems: problems}
	}
	return SubscriptionHealth{Status: HealthUnhealthy, Problems: problems}
}

// javaRound is Java's %.0f: half away from zero, where Go's rounds half to even.
func javaRound(v float64) string {
	return fmt.Sprintf("%.0f", math.Round(v))
}
