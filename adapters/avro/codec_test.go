package avro_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/avro"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

const metadataField = `{"name":"__metadata","type":["null",{"type":"map","values":"string"}],"default":null}`

// fullSchema covers every kind the issue names: nested records, arrays,
// maps, unions with null, enums and logical types.
const fullSchema = `{"type":"record","name":"Order","namespace":"pl.example","fields":[
 {"name":"id","type":"string"},
 {"name":"quantity","type":"int"},
 {"name":"total","type":"long"},
 {"name":"ratio","type":"double"},
 {"name":"weight","type":"float"},
 {"name":"paid","type":"boolean"},
 {"name":"buyer","type":{"type":"record","name":"Buyer","fields":[
   {"name":"name","type":"string"},
   {"name":"address","type":["null",{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}],"default":null}]}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"count","type":"int"}]}}},
 {"name":"attributes","type":{"type":"map","values":"string"}},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","SHIPPED"]}},
 {"name":"createdAt","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
 {"name":"uid","type":{"type":"string","logicalType":"uuid"}},
 {"name":"priority","type":"int","default":3},
 ` + metadataField + `]}`

func compile(t *testing.T, text string) ports.AvroSchema {
	t.Helper()
	s, err := avro.NewCodec().Compile(text)
	require.NoError(t, err)
	return s
}

func TestRoundTripKeepsEveryKind(t *testing.T) {
	t.Parallel()
	s := compile(t, fullSchema)
	body := `{"id":"o-1","quantity":2,"total":123456789012,"ratio":0.25,"weight":1.5,"paid":true,` +
		`"buyer":{"name":"Ann","address":{"city":"Poznań"}},"tags":["a","b"],` +
		`"lines":[{"sku":"x","count":1},{"sku":"y","count":2}],"attributes":{"k":"v"},` +
		`"note":"gift","status":"SHIPPED","createdAt":1700000000123,"price":"\u0004\u00d2",` +
		`"uid":"0c9f3a7e-1b2d-4c5e-8f90-123456789abc","priority":3}`
	bin, err := s.FromJSON([]byte(body))
	require.NoError(t, err)
	out, err := s.ToJSON(bin)
	require.NoError(t, err)
	assert.JSONEq(t, body, string(out))

	withMeta, err := s.WithMetadata(bin, map[string]string{"messageId": "m-1", "timestamp": "42"})
	require.NoError(t, err)
	assert.Greater(t, len(withMeta), len(bin), "metadata is written into the record")
	out, err = s.ToJSON(withMeta)
	require.NoError(t, err)
	assert.JSONEq(t, body, string(out), "subscribers do not see __metadata")
}

func TestAvroJSONEncodingGivesTheSameBytes(t *testing.T) {
	t.Parallel()
	s := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":["null","string","long"]},{"name":"b","type":"bytes"}]}`)
	plain, err := s.FromJSON([]byte(`{"a":7,"b":"\u00ff"}`))
	require.NoError(t, err)
	wrapped, err := s.FromAvroJSON([]byte(`{"a":{"long":7},"b":"\u00ff"}`))
	require.NoError(t, err)
	assert.Equal(t, []byte{0x04, 0x0e, 0x02, 0xff}, plain)
	assert.Equal(t, plain, wrapped)
	_, err = s.FromAvroJSON([]byte(`{"a":7,"b":""}`))
	assert.ErrorIs(t, err, domain.ErrValidation, "avro/json needs union wrappers")
}

// TestKnownVectors checks bytes against Avro's binary encoding spec
// (zigzag varints, length-prefixed strings, blocks ending in 0, IEEE
// little-endian floats), which Java's GenericDatumWriter produces.
func TestKnownVectors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, schema, body string
		want               []byte
	}{
		{"string int union metadata", `{"type":"record","name":"R","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"nick","type":["null","string"]},` + metadataField + `]}`,
			`{"name":"a","age":-1,"nick":"x"}`, []byte{0x02, 'a', 0x01, 0x02, 0x02, 'x', 0x00}},
		{"long varint", `{"type":"record","name":"R","fields":[{"name":"n","type":"long"}]}`, `{"n":1000}`, []byte{0xd0, 0x0f}},
		{"array and map blocks", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"string"}},{"name":"m","type":{"type":"map","values":"int"}}]}`,
			`{"a":["a","b"],"m":{"k":1}}`, []byte{0x04, 0x02, 'a', 0x02, 'b', 0x00, 0x02, 0x02, 'k', 0x02, 0x00}},
		{"enum boolean double float", `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"b","type":"boolean"},{"name":"d","type":"double"},{"name":"f","type":"float"}]}`,
			`{"e":"B","b":true,"d":1.5,"f":1.5}`, []byte{0x02, 0x01, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0xc0, 0x3f}},
		{"timestamp-millis is a long", `{"type":"record","name":"R","fields":[{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}}]}`,
			`{"t":1}`, []byte{0x02}},
		{"default fills an absent field", `{"type":"record","name":"R","fields":[{"name":"p","type":"int","default":3},{"name":"o","type":["null","int"],"default":null}]}`,
			`{}`, []byte{0x06, 0x00}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := compile(t, c.schema).FromJSON([]byte(c.body))
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestInvalidBodiesNameTheField(t *testing.T) {
	t.Parallel()
	s := compile(t, fullSchema)
	valid := map[string]string{"id": `"o"`, "quantity": `1`, "total": `1`, "ratio": `1`, "weight": `1`, "paid": `true`,
		"buyer": `{"name":"n"}`, "tags": `[]`, "lines": `[]`, "attributes": `{}`, "status": `"NEW"`, "createdAt": `1`, "price": `"1"`, "uid": `"u"`}
	cases := []struct{ field, value, message string }{
		{"id", `1`, "Failed to convert JSON to Avro: Field id is expected to be type: java.lang.String"},
		{"quantity", `"two"`, "Failed to convert JSON to Avro: Field quantity is expected to be type: java.lang.Number"},
		{"paid", `"yes"`, "Failed to convert JSON to Avro: Field paid is expected to be type: java.lang.Boolean"},
		{"buyer", `{"name":5}`, "Failed to convert JSON to Avro: Field buyer.name is expected to be type: java.lang.String"},
		{"tags", `"a"`, "Failed to convert JSON to Avro: Field tags is expected to be type: java.util.List"},
		{"lines", `[{"sku":"x"}]`, "Failed to convert JSON to Avro: Field lines.count is required and has no default value"},
		{"attributes", `{"k":1}`, "Failed to convert JSON to Avro: Field attributes is expected to be type: java.lang.String"},
		{"note", `5`, "Failed to convert JSON to Avro: Could not evaluate union, field note is expected to be one of these: NULL, STRING. If this is a complex type, check if offending field: note adheres to schema."},
		{"status", `"LOST"`, "Failed to convert JSON to Avro: Field status is expected to be of enum type and be one of NEW, SHIPPED"},
		{"createdAt", `"2024-01-01"`, "Failed to convert JSON to Avro: Field createdAt is expected to be type: java.lang.Number"},
		{"uid", ``, "Failed to convert JSON to Avro: Field uid is required and has no default value"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			t.Parallel()
			body := "{"
			for k, v := range valid {
				if k == c.field {
					continue
				}
				body += `"` + k + `":` + v + ","
			}
			if c.value != "" {
				body += `"` + c.field + `":` + c.value + ","
			}
			body = body[:len(body)-1] + "}"
			_, err := s.FromJSON([]byte(body))
			require.ErrorIs(t, err, domain.ErrValidation)
			assert.Equal(t, c.message, domain.ErrorMessage(err))
		})
	}
	_, err := s.FromJSON([]byte(`[1]`))
	assert.ErrorIs(t, err, domain.ErrValidation, "a body that is not a JSON object")
}

func TestSchemaChecks(t *testing.T) {
	t.Parallel()
	codec := avro.NewCodec()
	for _, text := range []string{"", "{", `"string"`, `{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}`} {
		_, err := codec.Compile(text)
		assert.ErrorIs(t, err, domain.ErrSchemaInvalid, text)
	}
	noMeta := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`)
	assert.ErrorIs(t, noMeta.CheckMetadataField(), domain.ErrSchemaInvalid)
	badMeta := compile(t, `{"type":"record","name":"R","fields":[{"name":"__metadata","type":{"type":"map","values":"string"}}]}`)
	assert.ErrorIs(t, badMeta.CheckMetadataField(), domain.ErrSchemaInvalid)
	assert.NoError(t, compile(t, fullSchema).CheckMetadataField())

	v1 := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`)
	v2 := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}`)
	v3 := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"c","type":"int"}]}`)
	assert.NoError(t, v2.CompatibleWith(v1))
	assert.ErrorIs(t, v3.CompatibleWith(v1), domain.ErrSchemaIncompatible)
}

func TestSelectFollowsAvroPath(t *testing.T) {
	t.Parallel()
	s := compile(t, fullSchema)
	bin, err := s.FromJSON([]byte(`{"id":"o","quantity":1,"total":1,"ratio":2,"weight":1,"paid":true,"buyer":{"name":"Ann","address":{"city":"Oslo"}},` +
		`"tags":["a","b"],"lines":[{"sku":"x","count":1},{"sku":"y","count":2}],"attributes":{"k":"v"},"status":"NEW","createdAt":1,"price":"1","uid":"u"}`))
	require.NoError(t, err)
	cases := map[string][]string{
		".buyer.address.city": {"Oslo"},
		".lines[*].sku":       {"x", "y"},
		".lines[1].count":     {"2"},
		".lines[5].count":     nil,
		".tags[0]":            {"a"},
		".attributes.k":       {"v"},
		".status":             {"NEW"},
		".ratio":              {"2.0"},
		".note":               {"null"},
		".missing":            {"null"},
		".id.deeper":          nil,
	}
	for path, want := range cases {
		got, err := s.Select(bin, path)
		require.NoError(t, err)
		assert.Equal(t, want, got, path)
	}
}

func TestTruncatedBinaryIsRefused(t *testing.T) {
	t.Parallel()
	s := compile(t, `{"type":"record","name":"R","fields":[{"name":"id","type":"string"},{"name":"n","type":"int"}]}`)
	full, err := s.FromJSON([]byte(`{"id":"abc","n":1}`))
	require.NoError(t, err)
	_, err = s.ToJSON(full)
	require.NoError(t, err)
	for _, data := range [][]byte{{0xff}, full[:len(full)-1], {}} {
		_, err := s.ToJSON(data)
		assert.ErrorIs(t, err, domain.ErrValidation, "%x", data)
		_, err = s.WithMetadata(data, nil)
		assert.ErrorIs(t, err, domain.ErrValidation, "%x", data)
	}
}

// Rewriting a record for its metadata keeps every union branch.
func TestMetadataKeepsUnionBranches(t *testing.T) {
	t.Parallel()
	s := compile(t, `{"type":"record","name":"R","fields":[{"name":"a","type":["null","int","long","string"]},{"name":"b","type":["null","long"]},`+
		`{"name":"c","type":["null",{"type":"enum","name":"E","symbols":["X"]},{"type":"array","items":"int"}]},{"name":"d","type":["null","bytes"]},`+metadataField+`]}`)
	for _, body := range []string{`{"a":7,"b":8,"c":"X","d":"\u0001"}`, `{"a":"s","b":null,"c":[1],"d":null}`, `{"a":null,"b":1,"c":null,"d":""}`} {
		bin, err := s.FromJSON([]byte(body))
		require.NoError(t, err)
		withMeta, err := s.WithMetadata(bin, map[string]string{"messageId": "m"})
		require.NoError(t, err)
		assert.Equal(t, bin[:len(bin)-1], withMeta[:len(bin)-1], "fields before __metadata keep their bytes")
		out, err := s.ToJSON(withMeta)
		require.NoError(t, err)
		assert.JSONEq(t, body, string(out))
	}
}

// TestFixedDefaultsFillAbsentFields: a fixed field's default is a string
// of its bytes, as for bytes, and Avro takes it when the field is absent.
func TestFixedDefaultsFillAbsentFields(t *testing.T) {
	t.Parallel()
	s := compile(t, `{"type":"record","name":"D","fields":[
	 {"name":"fx","type":{"type":"fixed","name":"Two","size":2},"default":"a\u00ff"},
	 {"name":"u","type":["Two","null"],"default":"ab"}]}`)
	bin, err := s.FromJSON([]byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, []byte{'a', 0xff, 0x00, 'a', 'b'}, bin)
	bin, err = s.FromAvroJSON([]byte(`{"u":null}`))
	require.NoError(t, err)
	assert.Equal(t, []byte{'a', 0xff, 0x02}, bin)
}
