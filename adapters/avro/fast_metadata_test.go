package avro_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/avro"
)

// WithMetadata's fast path must give what its reference path gives
// (decode, set __metadata, encode) on every record it accepts. These
// tests take records the reference converter wrote from generated
// bodies, and broken copies of them, and compare.

var metadataCases = []map[string]string{
	{"messageId": "0b9f6a1e-5c1d-4d43-9c1e-2f4f7e0a8b11", "timestamp": "1700000000123"},
	{},
	{"messageId": "m", "timestamp": "1", "trace-id": "żółw", "x": ""},
}

// compareMetadata fails t if the fast path accepts data and its output
// differs from the reference path's; it tells whether it accepted.
func compareMetadata(t *testing.T, s *avro.Schema, data []byte, meta map[string]string) bool {
	t.Helper()
	fast, ok := s.FastWithMetadata(data, meta)
	if !ok {
		return false
	}
	ref, err := s.ReaderWithMetadata(data, meta)
	if assert.NoError(t, err, "fast path took what the reference refuses: %x", data) {
		assertSameRecord(t, s, fast, ref, data)
	}
	return true
}

func TestFastMetadataMatchesReader(t *testing.T) {
	t.Parallel()
	for _, text := range []string{fullSchema, diffSchema, benchSchema} {
		s := compile(t, text).(*avro.Schema)
		root := s.Physical().(*hamba.RecordSchema)
		rnd := rand.New(rand.NewPCG(2, uint64(len(text))))
		records, accepted, broken := 0, 0, 0
		for range 3000 {
			g := &gen{rnd: rnd}
			data, err := s.ReaderFromJSON([]byte(g.record(root, 0)))
			if err != nil {
				continue
			}
			records++
			meta := metadataCases[rnd.IntN(len(metadataCases))]
			if compareMetadata(t, s, data, meta) {
				accepted++
			}
			// broken copies: a byte changed, cut short, a byte added
			for _, b := range [][]byte{flip(rnd, data), data[:rnd.IntN(len(data))], append(append([]byte{}, data...), byte(rnd.IntN(256)))} {
				if compareMetadata(t, s, b, meta) {
					broken++
				}
			}
		}
		t.Logf("%d records: fast path takes %d, and %d broken copies", records, accepted, broken)
		assert.Greater(t, records, 1000, "the generator makes convertible bodies")
		if text != diffSchema { // its unions of enums, fixed and arrays are the reference path's
			assert.GreaterOrEqual(t, accepted*10, records*9, "the fast path takes most records")
		}
	}
}

func flip(rnd *rand.Rand, data []byte) []byte {
	b := append([]byte{}, data...)
	if len(b) > 0 {
		b[rnd.IntN(len(b))] ^= byte(1 + rnd.IntN(255))
	}
	return b
}

func TestFastMetadataDeclinesWhatTheEncoderWouldRewrite(t *testing.T) {
	s := compile(t, `{"type":"record","name":"R","fields":[{"name":"n","type":"long"},
		{"name":"m","type":{"type":"map","values":"int"}},`+metadataField+`]}`).(*avro.Schema)
	meta := metadataCases[0]
	for name, data := range map[string][]byte{
		"overlong varint":      {0x82, 0x00, 0x00, 0x00},
		"negative block count": {0x02, 0x01, 0x04, 0x02, 'a', 0x02, 0x00, 0x00},
		"repeated map key":     {0x02, 0x04, 0x02, 'a', 0x02, 0x02, 'a', 0x04, 0x00, 0x00},
		"trailing byte":        {0x02, 0x00, 0x00, 0x07},
		"cut short":            {0x02, 0x00},
	} {
		_, ok := s.FastWithMetadata(data, meta)
		assert.False(t, ok, name)
	}
	out, ok := s.FastWithMetadata([]byte{0x02, 0x02, 0x02, 'a', 0x04, 0x00, 0x00}, map[string]string{"k": "v"})
	require.True(t, ok)
	assert.Equal(t, []byte{0x02, 0x02, 0x02, 'a', 0x04, 0x00, 0x02, 0x02, 0x02, 'k', 0x02, 'v', 0x00}, out)
}

func FuzzFastMetadataMatchesReader(f *testing.F) {
	s, err := avro.NewCodec().Compile(diffSchema)
	if err != nil {
		f.Fatal(err)
	}
	full, err := avro.NewCodec().Compile(fullSchema)
	if err != nil {
		f.Fatal(err)
	}
	if data, err := full.(*avro.Schema).ReaderFromJSON([]byte(fuzzBody)); err == nil {
		f.Add(data, true)
	}
	f.Add([]byte{}, false)
	f.Add([]byte{0x02, 0x00}, true)
	f.Fuzz(func(t *testing.T, data []byte, useFull bool) {
		schema := s.(*avro.Schema)
		if useFull {
			schema = full.(*avro.Schema)
		}
		compareMetadata(t, schema, data, map[string]string{"messageId": strconv.Itoa(len(data)), "timestamp": "1"})
	})
}

// BenchmarkWithMetadata writes the metadata into the 500-byte order
// event, by the fast path and by the reference path.
func BenchmarkWithMetadata(b *testing.B) {
	s, err := avro.NewCodec().Compile(benchSchema)
	require.NoError(b, err)
	data, err := s.FromJSON([]byte(benchBody))
	require.NoError(b, err)
	meta := metadataCases[0]
	b.Run("WithMetadata", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = s.WithMetadata(data, meta)
		}
	})
	b.Run("reference_decode_and_encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = s.(*avro.Schema).ReaderWithMetadata(data, meta)
		}
	})
}
