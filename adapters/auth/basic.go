package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// BasicUser is one configured user for "Authorization: Basic ..."
// (RFC 7617).
type BasicUser struct {
	// Name is the user name and the principal's name.
	Name string
	// Bcrypt is the bcrypt hash of the password
	// (`htpasswd -nbB user password`, the part after the colon).
	Bcrypt string
	// Roles and OwnerIDs are the principal's.
	Roles    []string
	OwnerIDs []string
}

// maxVerified bounds the cache of verified credentials.
const maxVerified = 1024

// Basic authenticates Basic credentials against bcrypt hashes.
//
// bcrypt is slow on purpose (tens of milliseconds at the default cost),
// too slow to run on every publish of a client that sends the same
// credentials each time. Credentials that verified are remembered by the
// SHA-256 of "user:password" (never the password itself), up to
// maxVerified entries; past that the memory is dropped and refilled.
// Wrong passwords are never remembered and always cost a bcrypt.
type Basic struct {
	users map[string]basicEntry
	// dummy is compared against for unknown users (it is a configured
	// user's hash, whatever password is presented fails for an unknown
	// name), so that they take as long as known ones and user names
	// cannot be probed by timing.
	dummy []byte

	mu sync.Mutex
	// verified holds digests of "user:password" that passed; a user name
	// has no colon, so a digest fixes its user.
	verified map[[sha256.Size]byte]struct{}
}

type basicEntry struct {
	hash      []byte
	principal domain.Principal
}

var _ Method = (*Basic)(nil)

// NewBasic checks the configured users: each needs a name and a valid
// bcrypt hash, and names are unique.
func NewBasic(users []BasicUser) (*Basic, error) {
	b := &Basic{users: map[string]basicEntry{}, verified: map[[sha256.Size]byte]struct{}{}}
	var errs []error
	for i, u := range users {
		if u.Name == "" {
			errs = append(errs, fmt.Errorf("basic.users[%d].name: empty: want the user name", i))
			continue
		}
		if _, dup := b.users[u.Name]; dup {
			errs = append(errs, fmt.Errorf("basic.users[%d] (%s): a second user of that name", i, u.Name))
			continue
		}
		if _, err := bcrypt.Cost([]byte(u.Bcrypt)); err != nil {
			errs = append(errs, fmt.Errorf("basic.users[%d] (%s).bcrypt: not a bcrypt hash (want $2a$, $2b$ or $2y$..., e.g. from htpasswd -nbB)", i, u.Name))
			continue
		}
		b.users[u.Name] = basicEntry{hash: []byte(u.Bcrypt), principal: domain.Principal{
			Name: u.Name, Roles: slices.Clone(u.Roles), OwnerIDs: slices.Clone(u.OwnerIDs), Method: "basic",
		}}
	}
	for _, e := range b.users {
		b.dummy = e.hash
		break
	}
	return b, errors.Join(errs...)
}

// Authenticate implements Method.
func (b *Basic) Authenticate(_ context.Context, c ports.Credentials) (domain.Principal, error) {
	if !basicPresented(c.Authorization) {
		return domain.Principal{}, ErrNotPresented
	}
	user, password, ok := basicCredentials(c.Authorization)
	if !ok {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: malformed Basic credentials")
	}
	digest := sha256.Sum256([]byte(user + ":" + password))
	entry, known := b.users[user]
	b.mu.Lock()
	_, hit := b.verified[digest]
	b.mu.Unlock()
	if hit && known {
		return entry.principal, nil
	}
	hash := b.dummy
	if known {
		hash = entry.hash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !known {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: wrong user name or password")
	}
	b.mu.Lock()
	if len(b.verified) >= maxVerified {
		clear(b.verified)
	}
	b.verified[digest] = struct{}{}
	b.mu.Unlock()
	return entry.principal, nil
}
