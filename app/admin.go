package app

// Admin gathers the management use cases beyond groups, topics and
// subscriptions (console configuration, owners, roles, mode, ...), so the
// wiring hands them to the management API as one value; the API finds
// each by its port interface.
type Admin struct {
	*Console
	*Owners
	*ManagementAccess
	*ManagementMode
	*WorkloadConstraints
	*OAuthProviders
	*StatsReport
	*Readiness
	*Consistency
	*OfflineRetransmission
	*Links
	*InactiveTopicsDetection
	*AuditTrail
}
