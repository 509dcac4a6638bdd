package httpapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The OpenAPI 3.1 documents of the two HTTP APIs, kept as YAML so they are
// reviewable, served as JSON at GET /openapi.json: management.yaml on the
// management port, frontend.yaml on the frontend port, consumers.yaml on
// the consumers status port. They are separate because the servers
// answer /status/health and /topics/{topic} with different meanings,
// which one document cannot hold.
//
//go:embed openapi/*.yaml
var openAPIFiles embed.FS

// OpenAPIDocument is one of the embedded OpenAPI documents.
type OpenAPIDocument string

// The embedded documents.
const (
	ManagementOpenAPI OpenAPIDocument = "openapi/management.yaml"
	FrontendOpenAPI   OpenAPIDocument = "openapi/frontend.yaml"
	ConsumersOpenAPI  OpenAPIDocument = "openapi/consumers.yaml"
)

var openAPIJSON sync.Map // OpenAPIDocument -> []byte

// JSON returns the document as JSON, converted from the embedded YAML once.
func (d OpenAPIDocument) JSON() ([]byte, error) {
	if b, ok := openAPIJSON.Load(d); ok {
		return b.([]byte), nil
	}
	src, err := openAPIFiles.ReadFile(string(d))
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("openapi: parse %s: %w", d, err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		// yaml.v3 gives map[string]any unless a key is not a string (an
		// unquoted status code): quote keys in the YAML.
		return nil, fmt.Errorf("openapi: %s as JSON: %w", d, err)
	}
	openAPIJSON.Store(d, b)
	return b, nil
}

// serveOpenAPI answers GET /openapi.json with the document.
func serveOpenAPI(d OpenAPIDocument) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		b, err := d.JSON()
		if err != nil {
			writeError(w, http.StatusInternalServerError, codeOther, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
}
