package domain_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestWrapUnwrapJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]domain.Message{
		"object with odd spacing": {ID: "id-1", Timestamp: time.UnixMilli(1700000000123), Body: []byte(`{ "b" :  [1, 2 ],"c":"\u00e9"}`),
			Headers: map[string]string{"Trace-Id": "t"}},
		"scalar body":  {ID: "id-2", Timestamp: time.UnixMilli(1), Body: []byte(`"text"`), Headers: map[string]string{}},
		"nested _w":    {ID: "id-3", Timestamp: time.UnixMilli(2), Body: []byte(`{"_w":false,"message":1}`), Headers: map[string]string{}},
		"null headers": {ID: "id-4", Timestamp: time.UnixMilli(3), Body: []byte(`[]`)},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wrapped := domain.WrapJSON(in)
			require.True(t, json.Valid(wrapped), "%s", wrapped)

			out, err := domain.UnwrapJSON(wrapped)

			require.NoError(t, err)
			assert.Equal(t, string(in.Body), string(out.Body), "body is byte-identical")
			assert.Equal(t, in.ID, out.ID)
			assert.True(t, in.Timestamp.Equal(out.Timestamp), "%v != %v", in.Timestamp, out.Timestamp)
			assert.Equal(t, len(in.Headers), len(out.Headers))
			for k, v := range in.Headers {
				assert.Equal(t, v, out.Headers[k])
			}
		})
	}
}

func TestWrapJSONLayout(t *testing.T) {
	t.Parallel()
	b := domain.WrapJSON(domain.Message{ID: "i", Timestamp: time.UnixMilli(1700000000123), Body: []byte(`{"a":1}`)})
	assert.JSONEq(t, `{"_w":true,"metadata":{"timestamp":1700000000123,"id":"i","externalMetadata":{}},"message":{"a":1}}`, string(b))
}

func TestUnwrapJSONPassesForeignValuesThrough(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`{"a":1}`, `{"_w":false,"message":{"a":1}}`, "\x00\x01avro binary", ``, `[1,2]`, `{"message":"x"}`} {
		m, err := domain.UnwrapJSON([]byte(v))
		require.NoError(t, err)
		assert.Equal(t, v, string(m.Body))
		assert.Empty(t, m.ID)
	}
}

func TestInstantJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   domain.Instant
		want string
	}{
		{domain.Instant{Time: time.Unix(1700000000, 123456789)}, "1700000000.123456789"},
		{domain.Instant{Time: time.Unix(1700000000, 5)}, "1700000000.000000005"},
		{domain.Instant{Time: time.Unix(1700000000, 0)}, "1700000000.000000000"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b))
		var back domain.Instant
		require.NoError(t, json.Unmarshal(b, &back))
		assert.True(t, tt.in.Equal(back.Time), "%v != %v", tt.in, back)
	}
}

func TestInstantUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.5", time.Unix(1700000000, 500_000_000)},
		{"1700000000.000000001", time.Unix(1700000000, 1)},
		{`"2023-11-14T22:13:20.25Z"`, time.Unix(1700000000, 250_000_000)},
		{`"2023-11-15T00:13:20+02:00"`, time.Unix(1700000000, 0)},
	}
	for _, tt := range tests {
		var i domain.Instant
		require.NoError(t, json.Unmarshal([]byte(tt.in), &i), tt.in)
		assert.True(t, tt.want.Equal(i.Time), "%s: %v", tt.in, i.Time)
	}

	var ptr *domain.Instant
	require.NoError(t, json.Unmarshal([]byte(`null`), &ptr))
	assert.Nil(t, ptr)

	for _, bad := range []string{`"yesterday"`, `12x`, `1.2e3`, `"1700000000"`} {
		var i domain.Instant
		assert.ErrorIs(t, i.UnmarshalJSON([]byte(bad)), domain.ErrFormat, bad)
	}
}
