package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hermes-go/hermes/domain"
)

// errStatus is a non-2xx answer that is not the cluster being unavailable
// (a rejected template or query): retrying does not help.
var errStatus = errors.New("request rejected")

// rest is the thin REST layer: the few endpoints the tracker needs, spoken
// the same to Elasticsearch 7/8 and OpenSearch 1/2 (the official clients
// refuse the other product).
type rest struct {
	base     string
	client   *http.Client
	username string
	password string
}

// do sends a request and decodes a 2xx JSON answer into out (when not nil).
// Transport failures, 429 and 5xx wrap domain.ErrUnavailable; other non-2xx
// answers wrap errStatus.
func (r rest) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("elasticsearch: %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if r.username != "" {
		req.SetBasicAuth(r.username, r.password)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("elasticsearch: %s %s: %w: %w", method, path, domain.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		kind := errStatus
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			kind = domain.ErrUnavailable
		}
		return fmt.Errorf("elasticsearch: %s %s: %w: status %d: %s", method, path, kind, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("elasticsearch: %s %s: decode answer: %w: %w", method, path, domain.ErrUnavailable, err)
	}
	return nil
}

// doJSON sends v as a JSON body.
func (r rest) doJSON(ctx context.Context, method, path string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("elasticsearch: %s %s: %w", method, path, err)
	}
	return r.do(ctx, method, path, "application/json", body, out)
}

// bulkAnswer is the part of a _bulk answer the tracker reads.
type bulkAnswer struct {
	Errors bool `json:"errors"`
	Items  []map[string]struct {
		Status int             `json:"status"`
		Error  json.RawMessage `json:"error"`
	} `json:"items"`
}

// failed counts the rejected items and returns the first rejection.
func (a bulkAnswer) failed() (int, error) {
	if !a.Errors {
		return 0, nil
	}
	n, first := 0, error(nil)
	for _, item := range a.Items {
		for _, res := range item {
			if res.Status/100 != 2 {
				n++
				if first == nil {
					first = fmt.Errorf("elasticsearch: bulk item rejected: %w: status %d: %s", errStatus, res.Status, res.Error)
				}
			}
		}
	}
	return n, first
}

// searchAnswer is the part of a _search answer the tracker reads.
type searchAnswer[D any] struct {
	Hits struct {
		Hits []struct {
			Source D `json:"_source"`
		} `json:"hits"`
	} `json:"hits"`
}

func (a searchAnswer[D]) docs() []D {
	docs := make([]D, 0, len(a.Hits.Hits))
	for _, h := range a.Hits.Hits {
		docs = append(docs, h.Source)
	}
	return docs
}
