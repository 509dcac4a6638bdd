package domain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hermes-go/hermes/domain"
)

// Fuzz targets of the domain's hostile-input parsers. Each asserts more
// than "does not panic": refusals are client errors (ErrValidation or
// ErrFormat), and what is accepted survives a round trip. test/run-tests.sh
// runs each for a bounded time; a crash found goes to testdata/fuzz.

// clientError reports whether err is one an API answers 4xx.
func clientError(err error) bool {
	return errors.Is(err, domain.ErrValidation) || errors.Is(err, domain.ErrFormat)
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"pl.group.topic", "g.t", ".t", "g.", "", "a..b", strings.Repeat("g", 250) + ".tttttt",
		"grupa.temat\xff", "g.t$s", "../../etc.passwd", "g.t/../x", "\x00.\x00"} {
		f.Add(s, "sub-"+s)
	}
	limits := domain.DefaultNameLimits()
	f.Fuzz(func(t *testing.T, qualified, sub string) {
		n, err := domain.ParseTopicName(qualified)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("ParseTopicName(%q): %v is not a client error", qualified, err)
			}
			return
		}
		if n.String() != qualified {
			t.Fatalf("ParseTopicName(%q) = %q: not a round trip", qualified, n)
		}
		for _, err := range []error{n.Validate(), limits.CheckGroup(n.Group), limits.CheckTopic(n), limits.CheckSubscription(sub)} {
			if err != nil && !clientError(err) {
				t.Fatalf("%q / %q: %v is not a client error", qualified, sub, err)
			}
		}
		if n.Validate() == nil && limits.CheckTopic(n) == nil {
			if !utf8.ValidString(qualified) {
				t.Fatalf("%q accepted with invalid UTF-8", qualified)
			}
			if err := domain.CheckStoreTopicName(domain.KafkaTopicName("", "_", n)); err != nil {
				t.Fatalf("%q passes the name limits but not the store's: %v", qualified, err)
			}
		}
	})
}

var topicSeeds = []string{
	`{"name":"g.t","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"o"}}`,
	`{"name":"g.t","contentType":"AVRO","ack":"ALL","maxMessageSize":2097152,"retentionTime":{"duration":3,"retentionUnit":"HOURS"},"offlineStorage":{"enabled":true,"retentionTime":{"duration":1,"infinite":false}}}`,
	`{"name":"g.t","ack":"SOMETIMES"}`, `{"name":null}`, `[]`, `{"retentionTime":{"duration":-1}}`, `{"maxMessageSize":1e400}`,
	`{"name":"g.\xff"}`, `{"chaos":{"mode":"GLOBAL","datacenterPolicies":{"dc":{"probability":200}}}}`, `{"auth":{"publishers":null}}`,
}

func FuzzDecodeTopic(f *testing.F) {
	for _, s := range topicSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		topic, err := domain.DecodeTopic(body)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("DecodeTopic(%q): %v is not a client error", body, err)
			}
			return
		}
		if err := topic.Validate(); err != nil {
			if !clientError(err) {
				t.Fatalf("Validate of %q: %v is not a client error", body, err)
			}
			return
		}
		out, err := json.Marshal(topic)
		if err != nil {
			t.Fatalf("an accepted topic does not encode: %v (%q)", err, body)
		}
		if _, err := domain.DecodeTopic(out); err != nil {
			t.Fatalf("an accepted topic does not decode again: %v\nin:  %q\nout: %s", err, body, out)
		}
	})
}

var subscriptionSeeds = []string{
	`{"name":"s","topicName":"g.t","description":"d","endpoint":"http://alice:secret@localhost:1/hook","owner":{"source":"Plaintext","id":"o"}}`,
	`{"name":"s","endpoint":"http://localhost/","deliveryType":"BATCH","subscriptionPolicy":{"batchSize":10,"batchTime":100,"batchVolume":1000,"requestTimeout":100,"messageTtl":60}}`,
	`{"name":"s","endpoint":"http://localhost/","subscriptionPolicy":{"rate":100,"messageTtl":3600,"messageBackoff":100,"inflightSize":5}}`,
	`{"name":"s","endpoint":"http://localhost/","filters":[{"type":"jsonpath","path":"$.a","matcher":"^x$"},{"type":"header","header":"h","matcher":".*"}]}`,
	`{"name":"s","endpoint":"http://u:*****@h/","oAuthPolicy":{"grantType":"password","providerName":"p","username":"u","password":"******"}}`,
	`{"name":"s","headers":[{"name":"X","value":"1"}],"endpointAddressResolverMetadata":{"k":true}}`,
	`{"subscriptionPolicy":null}`, `{"deliveryType":"BATCH","subscriptionPolicy":{"batchSize":"x"}}`, `{"endpoint":"http://[::1/"}`,
	`{"name":"\xff","endpoint":"\xff://\xff:\xff@\xff"}`,
}

func FuzzDecodeSubscription(f *testing.F) {
	for _, s := range subscriptionSeeds {
		f.Add([]byte(s))
	}
	topic := domain.NewTopic()
	topic.Name, topic.ContentType = "g.t", domain.ContentTypeJSON
	rules := domain.SubscriptionRules{EndpointProtocols: domain.DefaultEndpointProtocols}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := domain.DecodeSubscription(body)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("DecodeSubscription(%q): %v is not a client error", body, err)
			}
			return
		}
		if _, err := s.Masked().KeepMaskedSecrets(s); err != nil && !clientError(err) {
			t.Fatalf("KeepMaskedSecrets of %q: %v is not a client error", body, err)
		}
		if err := s.Validate(topic, rules); err != nil {
			if !clientError(err) {
				t.Fatalf("Validate of %q: %v is not a client error", body, err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted subscription does not encode: %v (%q)", err, body)
		}
		if _, err := domain.DecodeSubscription(out); err != nil {
			t.Fatalf("an accepted subscription does not decode again: %v\nin:  %q\nout: %s", err, body, out)
		}
	})
}

// FuzzHeaderFilter compiles and runs header filters through
// CompileFilters, the one public constructor.
func FuzzHeaderFilter(f *testing.F) {
	for _, s := range [][3]string{{"Trace-Id", "^abc.*", "abcdef"}, {"h", "(a|b)*c", "aaab"}, {"h", "[", "x"},
		{"h", "(?i)x{1000}", "x"}, {"", "", ""}, {"h", "\\p{L}+", "\xff\xfe"}, {"h", "a{2,1}", "aa"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, header, matcher, value string) {
		fs, err := domain.CompileFilters([]domain.MessageFilter{{Type: "header", Header: header, Matcher: matcher}}, nil)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("CompileFilters(%q, %q): %v is not a client error", header, matcher, err)
			}
			return
		}
		r := fs.Apply(nil, map[string]string{header: value})
		if r.Passed != fs.Match(nil, map[string]string{header: value}) {
			t.Fatalf("Apply and Match disagree on %q ~ %q", value, matcher)
		}
	})
}

// FuzzUnwrapJSON decodes Kafka values as consumers read them: any value
// decodes, and what WrapJSON wrote comes back as it went in.
func FuzzUnwrapJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `"x"`, `[1,2]`, `{"_w":true,"metadata":{"id":"x"},"message":{}}`, `{"_w":true}`, `not json`, ``, `{"_w":true,"metadata":{"timestamp":1e99},"message":1}`} {
		f.Add([]byte(s), "id-1")
	}
	f.Fuzz(func(t *testing.T, value []byte, id string) {
		if _, err := domain.UnwrapJSON(value); err != nil {
			t.Fatalf("UnwrapJSON(%q): %v", value, err)
		}
		if !json.Valid(value) || !utf8.ValidString(id) {
			return
		}
		in := domain.Message{ID: id, Timestamp: time.UnixMilli(1700000000000), Body: value}
		out, err := domain.UnwrapJSON(domain.WrapJSON(in))
		if err != nil {
			t.Fatalf("UnwrapJSON(WrapJSON(%q)): %v", value, err)
		}
		if out.ID != in.ID || !bytes.Equal(compact(t, out.Body), compact(t, in.Body)) || !out.Timestamp.Equal(in.Timestamp) {
			t.Fatalf("round trip of %q / %q gave %q / %q", value, id, out.Body, out.ID)
		}
	})
}

func compact(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %q: %v", b, err)
	}
	return buf.Bytes()
}
