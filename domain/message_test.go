package domain_test

import (
	"encoding/json"
	"strings"
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

// jsonCases are valid and invalid JSON documents at the edges of the
// grammar; ValidJSON must agree with encoding/json.Valid on each.
var jsonCases = []string{
	``, ` `, `{}`, `[]`, ` {} `, "\t[\r\n]\n", `{`, `}`, `[`, `]`, `{]`, `[}`, `[[]`, `[]]`, `{}{}`, `[] []`,
	`null`, `true`, `false`, `nul`, `nulls`, `truex`, `True`, `"a"`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\x"`,
	`"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00"`, "\"a\x01\"", "\"a\x7f\"", "\"\xff\xfe\"", `"é"`,
	`0`, `-0`, `01`, `-01`, `1.`, `.5`, `1.5`, `-1.5e10`, `1e`, `1e+`, `1E-5`, `1e+5`, `-`, `--1`, `+1`, `1.5.5`, `0x10`,
	`[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[1,,2]`, `{"a":1}`, `{"a" : 1 , "b":[true,{"c":null}]}`, `{"a":1,}`, `{"a"}`,
	`{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":1,"a":2}`, `{"a":{"b":{"c":[[[{}]]]}}}`, `[{"a":[1,{"b":"]"}]}]`,
	`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":{"a":1}}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), strings.Repeat("[", 10000),
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range jsonCases {
		assert.Equal(t, json.Valid([]byte(c)), domain.ValidJSON([]byte(c)), "%.80q", c)
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if json.Valid(b) != domain.ValidJSON(b) {
			t.Errorf("ValidJSON(%q) = %v, encoding/json says %v", b, domain.ValidJSON(b), json.Valid(b))
		}
	})
}

// referenceWrap and referenceUnwrap are WrapJSON and UnwrapJSON written
// with encoding/json alone: the fast versions must give the same results.
func referenceWrap(m domain.Message) []byte {
	h := m.Headers
	if h == nil {
		h = map[string]string{}
	}
	meta, _ := json.Marshal(struct {
		Timestamp        int64             `json:"timestamp"`
		ID               string            `json:"id"`
		ExternalMetadata map[string]string `json:"externalMetadata"`
	}{m.Timestamp.UnixMilli(), m.ID, h})
	return []byte(`{"_w":true,"metadata":` + string(meta) + `,"message":` + string(m.Body) + `}`)
}

func referenceUnwrap(value []byte) domain.Message {
	var w struct {
		W        bool `json:"_w"`
		Metadata struct {
			Timestamp        int64             `json:"timestamp"`
			ID               string            `json:"id"`
			ExternalMetadata map[string]string `json:"externalMetadata"`
		} `json:"metadata"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(value, &w); err != nil || !w.W {
		return domain.Message{Body: value}
	}
	return domain.Message{ID: w.Metadata.ID, Timestamp: time.UnixMilli(w.Metadata.Timestamp), Body: w.Message, Headers: w.Metadata.ExternalMetadata}
}

func TestWrapJSONWritesWhatEncodingJSONWrites(t *testing.T) {
	t.Parallel()
	for _, m := range []domain.Message{
		{ID: "0b9f6a1e-5c1d-4d43-9c1e-2f4f7e0a8b11", Timestamp: time.UnixMilli(1700000000123), Body: []byte(`{"a":1}`)},
		{ID: `<a&b>"q"\`, Timestamp: time.UnixMilli(-5), Body: []byte(`1`), Headers: map[string]string{"z": "1", "a": "<é>", "m": "\u2028"}},
		{ID: "é\x01\x7f\xff", Body: []byte(`null`), Headers: map[string]string{}},
	} {
		assert.Equal(t, string(referenceWrap(m)), string(domain.WrapJSON(m)))
	}
}

func TestUnwrapJSONReadsWhatEncodingJSONReads(t *testing.T) {
	t.Parallel()
	values := []string{
		string(domain.WrapJSON(domain.Message{ID: "id", Timestamp: time.UnixMilli(1700000000123), Body: []byte(`{"a":[1,"}"]}`)})),
		string(domain.WrapJSON(domain.Message{ID: `"<x>"`, Timestamp: time.UnixMilli(7), Body: []byte(`"s"`), Headers: map[string]string{"k": "v"}})),
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":{"a":1} }`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message": {"a":1}}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":{"a":1}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":{"a":1},"message":2}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":{"a":}}`,
		`{"_w":true,"metadata":{"timestamp":1.5,"id":"x","externalMetadata":{}},"message":1}`,
		`{"_w":true,"metadata":{"timestamp":99999999999999999999,"id":"x","externalMetadata":{}},"message":1}`,
		`{"_w":true,"metadata":{"timestamp":-3,"id":"x\u0041","externalMetadata":{},"extra":1},"message":1}`,
		`{"_w":true,"metadata":{"id":"x"},"message":[]}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":null}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":}`,
		`{"_w":false,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":1}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":null},"message":1}`,
		`{"_w":true,"metadata":{"timestamp":1,"id":"x","externalMetadata":{}},"message":"\u00e9\x01"}`,
	}
	for _, v := range values {
		got, err := domain.UnwrapJSON([]byte(v))
		require.NoError(t, err)
		assert.Equal(t, referenceUnwrap([]byte(v)), got, v)
	}
}

func TestIsWrappedJSON(t *testing.T) {
	t.Parallel()
	wrapped := domain.WrapJSON(domain.Message{ID: "i", Timestamp: time.UnixMilli(1), Body: []byte(`{"a":1}`)})
	assert.True(t, domain.IsWrappedJSON(wrapped))
	assert.True(t, domain.IsWrappedJSON([]byte(`{"message":{"a":1},"_w":true,"metadata":{"id":"x"}}`)), "Hermes's field order may differ")
	for _, v := range []string{`{"a":1}`, `{"_w":false,"message":1}`, "\x02\x0eo-1\x02", "{\x02abc", ``} {
		assert.False(t, domain.IsWrappedJSON([]byte(v)), "%q", v)
	}
}
