package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// StaticToken is one configured API token, presented as
// "Authorization: Bearer <token>".
type StaticToken struct {
	// Name is the principal's name.
	Name string
	// SHA256 is the hex SHA-256 digest of the token: what config should
	// hold (`printf %s "$TOKEN" | sha256sum`).
	SHA256 string
	// Token is the token itself, for setups that accept it in config;
	// ignored when SHA256 is set. Only its digest is kept in memory.
	Token string
	// Roles and OwnerIDs are the principal's.
	Roles    []string
	OwnerIDs []string
}

// Tokens authenticates static API tokens.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest    [sha256.Size]byte
	principal domain.Principal
}

var _ Method = (*Tokens)(nil)

// NewTokens checks the configured tokens: each needs a name and a digest
// (or a token), and no two may be the same token.
func NewTokens(tokens []StaticToken) (*Tokens, error) {
	t := &Tokens{}
	var errs []error
	for i, st := range tokens {
		where := fmt.Sprintf("tokens[%d]", i)
		if st.Name != "" {
			where = fmt.Sprintf("tokens[%d] (%s)", i, st.Name)
		}
		var digest [sha256.Size]byte
		switch {
		case st.SHA256 != "":
			b, err := hex.DecodeString(strings.TrimSpace(st.SHA256))
			if err != nil || len(b) != sha256.Size {
				errs = append(errs, fmt.Errorf("%s.sha256: want 64 hex digits, the SHA-256 of the token", where))
				continue
			}
			copy(digest[:], b)
		case st.Token != "":
			digest = sha256.Sum256([]byte(st.Token))
		default:
			errs = append(errs, fmt.Errorf("%s: set sha256 (the token's SHA-256 in hex) or token", where))
			continue
		}
		if st.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: empty: want the principal name", where))
			continue
		}
		if slices.ContainsFunc(t.entries, func(e tokenEntry) bool { return e.digest == digest }) {
			errs = append(errs, fmt.Errorf("%s: the same token as an earlier entry", where))
			continue
		}
		t.entries = append(t.entries, tokenEntry{digest: digest, principal: domain.Principal{
			Name: st.Name, Roles: slices.Clone(st.Roles), OwnerIDs: slices.Clone(st.OwnerIDs), Method: "token",
		}})
	}
	return t, errors.Join(errs...)
}

// Authenticate implements Method: a Bearer token that is none of the
// configured ones is a rejection, so that a JWT method after this one is
// asked, and a mistyped token is told it is wrong.
func (t *Tokens) Authenticate(_ context.Context, c ports.Credentials) (domain.Principal, error) {
	token, ok := bearerToken(c.Authorization)
	if !ok {
		return domain.Principal{}, ErrNotPresented
	}
	digest := sha256.Sum256([]byte(token))
	// Every entry is compared, without an early exit, in constant time:
	// how long this takes says nothing about which digest came close.
	found := -1
	for i := range t.entries {
		if subtle.ConstantTimeCompare(digest[:], t.entries[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: unknown token")
	}
	return t.entries[found].principal, nil
}
