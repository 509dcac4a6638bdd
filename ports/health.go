package ports

// HealthStatus is how one dependency of the process is doing.
type HealthStatus string

// Health statuses, from best to worst.
const (
	// HealthUp: nothing to report.
	HealthUp HealthStatus = "UP"
	// HealthDegraded: the process does its job, but part of its state
	// needs an operator (e.g. one metadata entry cannot be read); it stays
	// ready for traffic.
	HealthDegraded HealthStatus = "DEGRADED"
	// HealthDown: the process cannot do its job (e.g. the message store
	// refuses writes); readiness fails until the check is up again.
	HealthDown HealthStatus = "DOWN"
)

// worse reports whether s is worse than o.
func (s HealthStatus) worse(o HealthStatus) bool { return s.rank() > o.rank() }

func (s HealthStatus) rank() int {
	switch s {
	case HealthUp:
		return 0
	case HealthDegraded:
		return 1
	default:
		return 2
	}
}

// HealthState is one check's current state.
type HealthState struct {
	// Name identifies the check, lower_snake ("message_store", "metadata").
	Name string `json:"name"`
	// Status is the check's verdict.
	Status HealthStatus `json:"status"`
	// Problem says what is wrong, for an operator ("" when up). It never
	// holds an internal file system path or a secret.
	Problem string `json:"problem,omitempty"`
}

// HealthCheck is one condition the health of the process depends on (the
// message store taking writes, metadata entries being readable, a backend
// being reachable). Adapters and use cases implement it; app/wiring
// collects every check of the process (the fx value group "health") and
// the HTTP adapters report them: /status/ready fails while any check is
// down, /status/health on management lists them.
type HealthCheck interface {
	// Health returns the check's current state. It is called on every
	// readiness and health request, so it answers from state the check
	// keeps up to date and never waits for a backend. Safe for concurrent
	// use.
	Health() HealthState
}

// HealthReport is the health of the whole process: the worst status of
// its checks (UP when there are none) and every check that is not up.
type HealthReport struct {
	Status HealthStatus  `json:"status"`
	Checks []HealthState `json:"checks,omitempty"`
}

// Ready reports whether the process should get traffic: no check is down.
func (r HealthReport) Ready() bool { return r.Status != HealthDown }

// CollectHealth asks every check and builds the report.
func CollectHealth(checks []HealthCheck) HealthReport {
	r := HealthReport{Status: HealthUp}
	for _, c := range checks {
		s := c.Health()
		if s.Status == "" {
			s.Status = HealthUp
		}
		if s.Status == HealthUp {
			continue
		}
		r.Checks = append(r.Checks, s)
		if s.Status.worse(r.Status) {
			r.Status = s.Status
		}
	}
	return r
}

// HealthService reports the process's health (GET /status/health on
// management).
type HealthService interface {
	// Health returns the current report; it does not block.
	Health() HealthReport
}
