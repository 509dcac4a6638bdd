package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// queryRoutes registers Hermes's query language endpoints (QueryEndpoint,
// TopicsEndpoint and SubscriptionsEndpoint's /query) and SearchEndpoint
// when the management use cases implement ports.QueryService:
//
//	POST /query/groups                         [Group]
//	POST /query/topics                         [Topic]
//	POST /query/subscriptions                  [Subscription], masked
//	POST /query/topics/metrics                 [TopicNameWithMetrics]
//	POST /query/subscriptions/metrics          [SubscriptionNameWithMetrics]
//	POST /topics/query?groupName=              [qualified topic name]
//	POST /topics/{topic}/subscriptions/query   [subscription name]
//	GET  /search/query?q=                      SearchResults
//
// A body that is no query is 400 FORMAT_ERROR; a query that compares what
// an entity lacks is 400 OTHER, as in Hermes.
func (m *management) queryRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.QueryService)
	if !ok {
		return
	}
	routes["POST /query/groups"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QueryGroups(r.Context(), q)
	})
	routes["POST /query/topics"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QueryTopics(r.Context(), q)
	})
	routes["POST /query/subscriptions"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QuerySubscriptions(r.Context(), q)
	})
	routes["POST /query/topics/metrics"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QueryTopicMetrics(r.Context(), q)
	})
	routes["POST /query/subscriptions/metrics"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QuerySubscriptionMetrics(r.Context(), q)
	})
	routes["POST /topics/query"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QueryTopicNames(r.Context(), r.URL.Query().Get("groupName"), q)
	})
	routes["POST /topics/{topic}/subscriptions/query"] = queryHandler(m, func(r *http.Request, q *domain.Query) (any, error) {
		return svc.QuerySubscriptionNames(r.Context(), r.PathValue("topic"), q)
	})
	routes["GET /search/query"] = func(w http.ResponseWriter, r *http.Request) {
		res, err := svc.Search(r.Context(), r.URL.Query().Get("q"))
		m.respond(w, r, res, err)
	}
}

// queryHandler reads the query body and answers run's result as JSON.
func queryHandler(m *management, run func(*http.Request, *domain.Query) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		q, err := domain.ParseQuery(body)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		v, err := run(r, q)
		m.respond(w, r, v, err)
	}
}
