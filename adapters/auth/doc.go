// Package auth implements ports.Authenticator from configuration: static
// API tokens (Bearer, stored as SHA-256 digests), Basic credentials with
// bcrypt-hashed passwords, and bearer JWTs checked against an OIDC
// issuer's JWKS. Chain combines the configured methods.
//
// No credential, hash or token ever reaches a log line or an error
// message: errors say what failed ("wrong user name or password"), never
// with what.
package auth
