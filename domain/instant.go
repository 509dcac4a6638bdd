package domain

import (
	"strconv"
	"strings"
	"time"
)

// Instant is a point in time rendered as Jackson's JavaTimeModule renders
// java.time.Instant by default: decimal epoch seconds with nanoseconds
// (1700000000.123456789).
type Instant struct{ time.Time }

// MarshalJSON renders seconds.nanos.
func (i Instant) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(i.Unix(), 10) + "." + padNanos(i.Nanosecond())), nil
}

func padNanos(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 9-len(s)) + s
}

// UnmarshalJSON accepts decimal seconds or an RFC 3339 string.
func (i *Instant) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		t, err := time.Parse(time.RFC3339Nano, strings.Trim(s, `"`))
		if err != nil {
			return Errorf(ErrFormat, "invalid instant %s", s)
		}
		i.Time = t
		return nil
	}
	sec, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return Errorf(ErrFormat, "invalid instant %s", s)
	}
	var nanos int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if nanos, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return Errorf(ErrFormat, "invalid instant %s", s)
		}
	}
	i.Time = time.Unix(secs, nanos).UTC()
	return nil
}
