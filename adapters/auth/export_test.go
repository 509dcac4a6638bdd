package auth

import "time"

// SetNow replaces the clock j reads to decide when keys are fetched.
func SetNow(j *JWT, now func() time.Time) { j.now = now }
