package httpapi

import (
	"errors"
	"maps"
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// ownedTopicsPattern is the route ownedTopicsFirst serves outside the mux.
const ownedTopicsPattern = "GET /topics/owner/{source}/{id}"

// managementPermissions is who may call each management route: Hermes's
// @RolesAllowed annotations restated (docs/security.md, "Management
// permissions"). Routes Hermes leaves unannotated are reads (AccessRead),
// or public where a console or a load balancer needs them before anyone
// logs in. Every route must be here: one that is not is admin-only, and
// TestEveryManagementRouteHasAPermission fails.
var managementPermissions = map[string]ports.Access{
	// Public: health, API description, what the console needs to start.
	"GET /status/health":        ports.AccessPublic,
	"GET /openapi.json":         ports.AccessPublic,
	"GET /console":              ports.AccessPublic,
	"GET /mode":                 ports.AccessPublic,
	"GET /roles":                ports.AccessPublic,
	"GET /roles/topics/{topic}": ports.AccessPublic,
	"GET /roles/topics/{topic}/subscriptions/{subscription}": ports.AccessPublic,

	// Groups: Hermes lets any logged-in caller create (then GroupCreatorRights
	// decides) and remove a group; only an admin updates one.
	"GET /groups":            ports.AccessRead,
	"GET /groups/{group}":    ports.AccessRead,
	"POST /groups":           ports.AccessLoggedIn,
	"PUT /groups/{group}":    ports.AccessAdmin,
	"DELETE /groups/{group}": ports.AccessLoggedIn,

	// Topics.
	"GET /topics":                       ports.AccessRead,
	"POST /topics":                      ports.AccessLoggedIn,
	"POST /topics/query":                ports.AccessRead,
	"GET /topics/{topic}":               ports.AccessRead,
	"PUT /topics/{topic}":               ports.AccessTopicOwner,
	"DELETE /topics/{topic}":            ports.AccessTopicOwner,
	"GET /topics/{topic}/metrics":       ports.AccessRead,
	"GET /topics/{topic}/preview":       ports.AccessRead,
	"GET /topics/{topic}/preview/{idx}": ports.AccessRead,
	"GET /topics/{topic}/preview/cluster/{cluster}/partition/{partition}/offset/{offset}": ports.AccessAdmin,
	"GET /topics/{topic}/clients":                   ports.AccessRead,
	"GET /topics/{topic}/offline-clients-source":    ports.AccessRead,
	ownedTopicsPattern:                              ports.AccessRead,
	"GET /topics/{topic}/schema":                    ports.AccessRead,
	"GET /topics/{topic}/schema/versions/{version}": ports.AccessRead,
	"GET /topics/{topic}/schema/ids/{id}":           ports.AccessRead,
	"POST /topics/{topic}/schema":                   ports.AccessTopicOwner,
	"DELETE /topics/{topic}/schema":                 ports.AccessTopicOwner,
	"POST /filters/{topic}":                         ports.AccessRead,

	// Subscriptions: the owners of the subscription or of its topic.
	"GET /topics/{topic}/subscriptions":           ports.AccessRead,
	"POST /topics/{topic}/subscriptions":          ports.AccessLoggedIn,
	"POST /topics/{topic}/subscriptions/query":    ports.AccessRead,
	"GET " + subscriptionPath:                     ports.AccessRead,
	"PUT " + subscriptionPath:                     ports.AccessSubscriptionOwner,
	"DELETE " + subscriptionPath:                  ports.AccessSubscriptionOwner,
	"GET " + subscriptionPath + "/state":          ports.AccessRead,
	"PUT " + subscriptionPath + "/state":          ports.AccessSubscriptionOwner,
	"PUT " + subscriptionPath + "/retransmission": ports.AccessSubscriptionOwner,
	// Undelivered messages carry message content: Hermes restricts them.
	"GET " + subscriptionPath + "/undelivered":              ports.AccessSubscriptionOwner,
	"GET " + subscriptionPath + "/undelivered/last":         ports.AccessSubscriptionOwner,
	"GET " + subscriptionPath + "/events/{messageId}/trace": ports.AccessRead,
	"GET " + subscriptionPath + "/metrics":                  ports.AccessRead,
	"GET " + subscriptionPath + "/metrics/persistent":       ports.AccessRead,
	"GET " + subscriptionPath + "/health":                   ports.AccessRead,
	"GET " + subscriptionPath + "/consumer-groups":          ports.AccessRead,
	"GET /subscriptions/owner/{source}/{id}":                ports.AccessRead,
	"GET /unhealthy":                                        ports.AccessRead,
	"GET /unhealthy/{$}":                                    ports.AccessRead,

	// Queries and searches read.
	"POST /query/groups":                ports.AccessRead,
	"POST /query/topics":                ports.AccessRead,
	"POST /query/subscriptions":         ports.AccessRead,
	"POST /query/topics/metrics":        ports.AccessRead,
	"POST /query/subscriptions/metrics": ports.AccessRead,
	"GET /search/query":                 ports.AccessRead,
	"GET /stats":                        ports.AccessRead,

	// Owners and links.
	"GET /owners/sources":                                            ports.AccessRead,
	"GET /owners/sources/{source}":                                   ports.AccessRead,
	"GET /owners/sources/{source}/{id}":                              ports.AccessRead,
	"GET /dashboards/topics/{topic}":                                 ports.AccessRead,
	"GET /dashboards/topics/{topic}/subscriptions/{subscription}":    ports.AccessRead,
	"GET /tracking-urls/topics/{topic}":                              ports.AccessLoggedIn,
	"GET /tracking-urls/topics/{topic}/subscriptions/{subscription}": ports.AccessLoggedIn,

	// The audit log shows every change: admins only.
	"GET /audit": ports.AccessAdmin,

	// Operating Hermes: admins only.
	"POST /mode":                                                         ports.AccessAdmin,
	"GET /workload-constraints":                                          ports.AccessLoggedIn,
	"PUT /workload-constraints/topic":                                    ports.AccessAdmin,
	"PUT /workload-constraints/subscription":                             ports.AccessAdmin,
	"DELETE /workload-constraints/topic/{topic}":                         ports.AccessAdmin,
	"DELETE /workload-constraints/subscription/{topic}/{subscription}":   ports.AccessAdmin,
	"GET /oauth/providers":                                               ports.AccessRead,
	"GET /oauth/providers/{name}":                                        ports.AccessRead,
	"POST /oauth/providers":                                              ports.AccessAdmin,
	"PUT /oauth/providers/{name}":                                        ports.AccessAdmin,
	"DELETE /oauth/providers/{name}":                                     ports.AccessAdmin,
	"GET /readiness/datacenters":                                         ports.AccessAdmin,
	"POST /readiness/datacenters/{datacenter}":                           ports.AccessAdmin,
	"GET /inactive-topics":                                               ports.AccessAdmin,
	"GET /consistency/groups":                                            ports.AccessAdmin,
	"GET /consistency/inconsistencies/groups":                            ports.AccessAdmin,
	"GET /consistency/inconsistencies/topics":                            ports.AccessAdmin,
	"DELETE /consistency/inconsistencies/topics":                         ports.AccessAdmin,
	"POST /consistency/sync/groups/{group}":                              ports.AccessAdmin,
	"POST /consistency/sync/topics/{topic}":                              ports.AccessAdmin,
	"POST /consistency/sync/topics/{topic}/subscriptions/{subscription}": ports.AccessAdmin,

	// Offline retransmission: creating a task needs the rights to its
	// topics (checked by the use case). Hermes leaves removal open to
	// anyone; here it is the admins'.
	"POST /offline-retransmission/tasks":                   ports.AccessLoggedIn,
	"GET /offline-retransmission/tasks":                    ports.AccessRead,
	"DELETE /offline-retransmission/tasks/{id}":            ports.AccessAdmin,
	"GET /offline-retransmission/topics/{topic}/tasks":     ports.AccessRead,
	"GET /offline-retransmission/topics/{topic}/tasks/{$}": ports.AccessRead,
}

// subscriptionPath is the path of one subscription.
const subscriptionPath = "/topics/{topic}/subscriptions/{subscription}"

// ManagementPermissions returns the permission of every management route,
// by its ServeMux pattern ("PUT /topics/{topic}"): for the docs and the
// end-to-end permission matrix.
func ManagementPermissions() map[string]ports.Access { return maps.Clone(managementPermissions) }

// authorized wraps the handler of route pattern with its permission check
// when the management use cases implement ports.ManagementAuthorizer.
func (m *management) authorized(pattern string, h http.HandlerFunc) http.HandlerFunc {
	authz, ok := m.svc.(ports.ManagementAuthorizer)
	if !ok {
		return h
	}
	access, listed := managementPermissions[pattern]
	if !listed {
		access = ports.AccessAdmin // fail closed
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if err := authz.Authorize(r.Context(), access, r.PathValue("topic"), r.PathValue("subscription")); err != nil {
			m.denied(w, r, err)
			return
		}
		h(w, r)
	}
}

// denied answers a failed permission check. A caller without the role
// gets what Hermes's role check answers, 403 with code OTHER; an
// anonymous one 401 AUTH_ERROR (Hermes: the same 403).
func (m *management) denied(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, domain.ErrPermissionDenied) {
		writeError(w, http.StatusForbidden, codeOther, domain.ErrorMessage(err))
		return
	}
	m.fail(w, r, err)
}
