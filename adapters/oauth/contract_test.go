package oauth_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/adapters/oauth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/accesstokens"
)

func TestContract(t *testing.T) {
	accesstokens.Run(t, func(t *testing.T) ports.AccessTokens {
		c := oauth.New(nil)
		t.Cleanup(c.Close)
		return c
	})
}

// Printing a request or a token, as a careless log line would, shows no secret.
func TestSecretsDoNotPrint(t *testing.T) {
	req := domain.TokenRequest{Endpoint: "http://p/token", ClientID: "c", ClientSecret: "s3cret", Password: "pw-s3cret"}
	tok := domain.AccessToken{Value: "tok-s3cret"}
	for _, s := range []string{fmt.Sprint(req), fmt.Sprintf("%+v %#v", req, req), fmt.Sprint(tok), fmt.Sprintf("%+v %#v", tok, tok)} {
		assert.NotContains(t, s, "s3cret")
	}
}
