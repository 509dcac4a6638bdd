package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"github.com/hermes-go/hermes/ports"
)

// previewRoutes registers Hermes's topic preview endpoints when the
// management use cases implement ports.PreviewService:
//
//	GET /topics/{topic}/preview          [MessageTextPreview]
//	GET /topics/{topic}/preview/{idx}    the idx-th preview, application/octet-stream
//	GET /topics/{topic}/preview/cluster/{cluster}/partition/{partition}/offset/{offset}
//	                                     one stored message as Hermes renders it
//
// Path numbers that do not parse are 404, as JAX-RS answers a path
// parameter it cannot convert.
func (m *management) previewRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.PreviewService)
	if !ok {
		return
	}
	const base = "GET /topics/{topic}/preview"
	routes[base] = func(w http.ResponseWriter, r *http.Request) {
		list, err := svc.Preview(r.Context(), r.PathValue("topic"))
		m.respond(w, r, orEmpty(list), err)
	}
	routes[base+"/{idx}"] = func(w http.ResponseWriter, r *http.Request) {
		idx, err := strconv.ParseInt(r.PathValue("idx"), 10, 32)
		if err != nil {
			writeError(w, http.StatusNotFound, codeOther, "HTTP 404 Not Found")
			return
		}
		body, err := svc.PreviewAt(r.Context(), r.PathValue("topic"), int(idx))
		if err != nil {
			m.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(body)
	}
	routes[base+"/cluster/{cluster}/partition/{partition}/offset/{offset}"] = func(w http.ResponseWriter, r *http.Request) {
		partition, perr := strconv.ParseInt(r.PathValue("partition"), 10, 32)
		offset, oerr := strconv.ParseInt(r.PathValue("offset"), 10, 64)
		if perr != nil || oerr != nil {
			writeError(w, http.StatusNotFound, codeOther, "HTTP 404 Not Found")
			return
		}
		text, err := svc.MessageAt(r.Context(), r.PathValue("topic"), r.PathValue("cluster"), int32(partition), offset)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		// Hermes returns the String as the JSON body, unquoted.
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, text)
	}
}
