package auth

import (
	"encoding/base64"
	"strings"
)

// Authorization schemes the methods handle.
const (
	schemeBearer = "bearer"
	schemeBasic  = "basic"
)

// parseAuthorization splits an Authorization header into its scheme,
// lower-cased (schemes are case-insensitive, RFC 9110 11.1), and its
// parameter, without surrounding spaces. ok is false for an empty header
// or one without a parameter.
func parseAuthorization(h string) (scheme, param string, ok bool) {
	h = strings.TrimSpace(h)
	scheme, param, found := strings.Cut(h, " ")
	if !found {
		return "", "", false
	}
	param = strings.TrimSpace(param)
	if scheme == "" || param == "" {
		return "", "", false
	}
	return strings.ToLower(scheme), param, true
}

// bearerToken returns the token of a "Bearer <token>" header.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := parseAuthorization(h)
	if !ok || scheme != schemeBearer {
		return "", false
	}
	return token, true
}

// basicPresented reports whether h uses the Basic scheme at all, well
// formed or not: a malformed Basic header is a rejection, not anonymous.
func basicPresented(h string) bool {
	scheme, _, ok := parseAuthorization(h)
	if !ok {
		scheme, _, _ = strings.Cut(strings.TrimSpace(h), " ")
		scheme = strings.ToLower(scheme)
	}
	return scheme == schemeBasic
}

// basicCredentials decodes a "Basic base64(user:password)" header (RFC
// 7617). ok is false when h is not Basic or is malformed.
func basicCredentials(h string) (user, password string, ok bool) {
	scheme, param, ok := parseAuthorization(h)
	if !ok || scheme != schemeBasic {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(param)
	if err != nil {
		return "", "", false
	}
	user, password, ok = strings.Cut(string(raw), ":")
	if !ok || user == "" {
		return "", "", false
	}
	return user, password, true
}
