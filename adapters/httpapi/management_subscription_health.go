package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/hermes-go/hermes/ports"
)

// subscriptionHealthRoutes registers Hermes's subscription health
// endpoints when the management use cases implement
// ports.SubscriptionHealthService:
//
//	GET /topics/{topic}/subscriptions/{subscription}/health  SubscriptionHealth
//	GET /unhealthy  [UnhealthySubscription], or text/plain per Accept
//
// /unhealthy takes ownerSourceName and ownerId (one owner's
// subscriptions), respectMonitoringSeverity (default true: skip
// NON_IMPORTANT ones), and repeated subscriptionNames and
// qualifiedTopicNames.
func (m *management) subscriptionHealthRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.SubscriptionHealthService)
	if !ok {
		return
	}
	routes["GET /topics/{topic}/subscriptions/{subscription}/health"] = func(w http.ResponseWriter, r *http.Request) {
		h, err := svc.SubscriptionHealth(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, h, err)
	}
	unhealthy := func(w http.ResponseWriter, r *http.Request) {
		text, ok := prefersText(r.Header.Get("Accept"))
		if !ok {
			writeError(w, http.StatusNotAcceptable, codeOther, "HTTP 406 Not Acceptable")
			return
		}
		q := r.URL.Query()
		f := ports.UnhealthyFilter{
			OwnerSource: q.Get("ownerSourceName"), OwnerID: q.Get("ownerId"),
			RespectMonitoringSeverity: !q.Has("respectMonitoringSeverity") || queryBool(r, "respectMonitoringSeverity"),
			SubscriptionNames:         q["subscriptionNames"], QualifiedTopicNames: q["qualifiedTopicNames"],
		}
		list, err := svc.Unhealthy(r.Context(), f)
		if err != nil || !text {
			m.respond(w, r, list, err)
			return
		}
		lines := make([]string, len(list))
		for i, u := range list {
			descriptions := make([]string, len(u.Problems))
			for j, p := range u.Problems {
				descriptions[j] = p.Description
			}
			lines[i] = u.Name + " - " + strings.Join(descriptions, "; ")
		}
		writeText(w, http.StatusOK, strings.Join(lines, "\r\n"))
	}
	routes["GET /unhealthy"] = unhealthy
	routes["GET /unhealthy/{$}"] = unhealthy
}

// prefersText negotiates between application/json (first, as Hermes's
// @Produces lists it) and text/plain: text when Accept ranks it higher;
// ok is false when Accept allows neither.
func prefersText(accept string) (text, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return false, true
	}
	var jsonQ, textQ float64 = -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, err := strconv.ParseFloat(params["q"], 64); err == nil {
			q = v
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/plain":
			textQ = max(textQ, q)
		case "application/*":
			jsonQ = max(jsonQ, q)
		case "text/*":
			textQ = max(textQ, q)
		case "*/*":
			jsonQ, textQ = max(jsonQ, q), max(textQ, q)
		}
	}
	if jsonQ <= 0 && textQ <= 0 {
		return false, false
	}
	return textQ > jsonQ, true
}
