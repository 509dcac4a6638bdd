package httpapi

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadKnownLength(t *testing.T) {
	const limit = 10
	for _, tc := range []struct {
		name, body string
		length     int64
		want       string
	}{
		{"as announced", "abcde", 5, "abcde"},
		{"shorter: what came", "abc", 5, "abc"},
		{"nothing came", "", 5, ""},
		{"longer: all of it", "abcdefg", 5, "abcdefg"},
		{"longer than the limit: limit+1 bytes", strings.Repeat("x", 50), 5, strings.Repeat("x", limit+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// one byte per read, as a slow client sends
			got, err := readKnownLength(iotest.OneByteReader(strings.NewReader(tc.body)), tc.length, limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
	t.Run("read errors come back", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := readKnownLength(iotest.ErrReader(boom), 5, limit)
		assert.ErrorIs(t, err, boom)
	})
}

// A body of its announced length costs one allocation, the body itself
// (a bytes.Buffer took 704 bytes for a 157-byte body).
func TestReadKnownLengthAllocatesTheBodyOnly(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 157)
	r := bytes.NewReader(body)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(body)
		if got, err := readKnownLength(r, int64(len(body)), 1<<20); err != nil || len(got) != len(body) {
			t.Fatal(len(got), err)
		}
	})
	assert.Equal(t, 1.0, allocs)
}

func TestPlainTopicPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/topics/pl.group.topic": true, "/topics/g_1.t-2": true, "/topics/a..b": true,
		"/topics/": false, "/topics/.": false, "/topics/..": false, "/topics/g.t/": false, "/topics/g/t": false,
		"/topics/g%2Ft": false, "/topics/g t": false, "/topics//g.t": false, "/topics": false, "/x/topics/g.t": false,
	} {
		assert.Equal(t, want, plainTopicPath(path), path)
	}
}
