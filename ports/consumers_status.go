package ports

// RunningSubscriptionStatus is one entry of the consumers' GET
// /status/subscriptions (Hermes's RunningSubscriptionStatus): a
// subscription this process delivers, by its internal name
// group.topic$subscription, with when each kind of signal (START,
// UPDATE_SUBSCRIPTION, ...) was last applied to it, in Unix milliseconds.
type RunningSubscriptionStatus struct {
	QualifiedName   string           `json:"qualifiedName"`
	SignalTimesheet map[string]int64 `json:"signalTimesheet"`
}

// ConsumersStatus is what the consumers module reports on its status
// server. Safe for concurrent use.
type ConsumersStatus interface {
	// RunningSubscriptions lists the subscriptions delivered by this
	// process, sorted by name ignoring case, as Hermes sorts them.
	RunningSubscriptions() []RunningSubscriptionStatus
}
