// Package oauth implements ports.AccessTokens over HTTP: it asks an OAuth
// 2.0 provider's token endpoint for a token with the client credentials
// or the resource owner password grant (RFC 6749 sections 4.4 and 4.3).
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/idle"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// errIdle is the cause of a request cancelled by its socket timeout.
var errIdle = errors.New("socket timeout")

// maxResponseSize bounds a token response read into memory; a token
// answer is well under a KiB.
const maxResponseSize = 64 << 10

// Client fetches tokens. Its connections are pooled across providers.
type Client struct {
	http *http.Client
}

var _ ports.AccessTokens = (*Client)(nil)

// New returns a Client; transport nil means a private clone of
// http.DefaultTransport.
func New(transport http.RoundTripper) *Client {
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	// A provider that redirects gets no second form post with our secret.
	return &Client{http: &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Fetch posts the grant as a form. Like Hermes, the client authenticates
// with client_id and client_secret form fields (RFC 6749 2.3.1 allows
// them beside Basic auth, which Hermes does not use).
func (c *Client) Fetch(ctx context.Context, req domain.TokenRequest) (domain.AccessToken, error) {
	form := url.Values{"grant_type": {grantType(req.GrantType)}, "client_id": {req.ClientID}, "client_secret": {req.ClientSecret}}
	if req.Scope != "" {
		form.Set("scope", req.Scope)
	}
	if req.GrantType == domain.GrantPassword {
		form.Set("username", req.Username)
		form.Set("password", req.Password)
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := idle.New(req.SocketTimeout, func() { cancel(errIdle) })
	defer watch.Stop()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return domain.AccessToken{}, domain.Errorf(domain.ErrUnavailable, "oauth: token endpoint %q is not a valid URL", redacted(req.Endpoint))
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(hreq)
	if err != nil {
		return domain.AccessToken{}, failure(ctx, req, err)
	}
	defer resp.Body.Close()
	watch.Touch()
	body, err := io.ReadAll(io.LimitReader(watch.Reader(resp.Body), maxResponseSize))
	if err != nil {
		return domain.AccessToken{}, failure(ctx, req, err)
	}
	// The body of a refusal is not shown: a provider may echo the form.
	if resp.StatusCode != http.StatusOK {
		return domain.AccessToken{}, domain.Errorf(domain.ErrUnavailable, "oauth: token endpoint %s answered %d", redacted(req.Endpoint), resp.StatusCode)
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return domain.AccessToken{}, domain.Errorf(domain.ErrUnavailable, "oauth: token endpoint %s answered no access_token", redacted(req.Endpoint))
	}
	return domain.AccessToken{Value: tr.AccessToken, ExpiresIn: expiresIn(tr.ExpiresIn)}, nil
}

// grantType is the RFC 6749 grant_type of a Hermes grant name.
func grantType(g string) string {
	if g == domain.GrantPassword {
		return "password"
	}
	return "client_credentials"
}

// expiresIn reads expires_in seconds, a number or (as some providers
// send it) a numeric string; anything else is no expiry.
func expiresIn(raw json.RawMessage) time.Duration {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || n > 1e9 {
		return 0
	}
	return time.Duration(n * float64(time.Second))
}

// failure describes a transport failure without the request's form.
func failure(ctx context.Context, req domain.TokenRequest, err error) error {
	reason := "failed"
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errIdle):
		reason = fmt.Sprintf("sent nothing for %s (socketTimeout)", req.SocketTimeout)
	case errors.Is(cause, context.DeadlineExceeded):
		reason = fmt.Sprintf("did not answer within %s (requestTimeout)", req.Timeout)
	case cause != nil:
		return fmt.Errorf("oauth: token request: %w", cause)
	default:
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its URL is shown redacted below
		}
		reason = "failed: " + err.Error()
	}
	return domain.Errorf(domain.ErrUnavailable, "oauth: token endpoint %s %s", redacted(req.Endpoint), reason)
}

// redacted is an endpoint without user info or query, which may carry secrets.
func redacted(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
