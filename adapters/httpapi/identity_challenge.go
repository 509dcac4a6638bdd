package httpapi

import "net/http"

// WithChallenges adds challenges (those WithIdentity sends) to every 401
// that next answers, such as management's refusal of an anonymous caller
// on an endpoint that needs credentials: RFC 9110 wants every 401 to say
// how to authenticate. A 401 that has its challenges already is left as
// it is. Without challenges next is returned as it is.
func WithChallenges(next http.Handler, challenges []string) http.Handler {
	if len(challenges) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&challengeWriter{ResponseWriter: w, challenges: challenges}, r)
	})
}

type challengeWriter struct {
	http.ResponseWriter
	challenges []string
}

func (c *challengeWriter) WriteHeader(status int) {
	if status == http.StatusUnauthorized && len(c.Header().Values("WWW-Authenticate")) == 0 {
		for _, ch := range c.challenges {
			c.Header().Add("WWW-Authenticate", ch)
		}
	}
	c.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
