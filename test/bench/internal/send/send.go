// Package send is the one HTTP POST the harness and the baseline share, so
// both sides of a comparison send the same way.
package send

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// Post sends body as application/json and reports whether a 2xx came back;
// it reads the answer to the end so the connection is reused.
func Post(ctx context.Context, client *http.Client, url string, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}
