package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func validSubscription() domain.Subscription {
	s := domain.NewSubscription()
	s.TopicName, s.Name, s.Endpoint = "g.t", "s", "http://host:8080/hook"
	s.Description = new(string)
	s.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	return s
}

func batch(mutate func(*domain.BatchSubscriptionPolicy)) func(*domain.Subscription) {
	return func(s *domain.Subscription) {
		p := domain.DefaultBatchSubscriptionPolicy()
		mutate(&p)
		s.DeliveryType, s.Batch, s.Serial = domain.DeliveryBatch, &p, nil
	}
}

func serial(mutate func(*domain.SubscriptionPolicy)) func(*domain.Subscription) {
	return func(s *domain.Subscription) { mutate(s.Serial) }
}

func TestSubscriptionValidate(t *testing.T) {
	t.Parallel()
	one := 1
	zero := 0
	tests := []struct {
		name   string
		topic  domain.ContentType
		mutate func(*domain.Subscription)
		want   []string // message fragments; nil = valid
	}{
		{"valid", domain.ContentTypeJSON, func(*domain.Subscription) {}, nil},
		{"https with credentials", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "https://u:p@host/x" }, nil},
		{"jms endpoint", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "jms://host/queue" }, nil},
		{"avro on avro topic", domain.ContentTypeAvro, func(s *domain.Subscription) { s.ContentType = domain.ContentTypeAvro }, nil},
		{"valid batch", domain.ContentTypeJSON, batch(func(*domain.BatchSubscriptionPolicy) {}), nil},
		{"policy lower bounds", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) {
			*p = domain.SubscriptionPolicy{Rate: 1, RequestTimeout: 100, BackoffMultiplier: 1, BackoffMaxIntervalInSec: 1, InflightSize: &one}
		}), nil},
		{"policy upper bounds", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) {
			*p = domain.SubscriptionPolicy{Rate: 1 << 20, MessageTTL: 7200, MessageBackoff: 1 << 20, RequestTimeout: 300000,
				SocketTimeout: 300000, SendingDelay: 5000, BackoffMultiplier: 10, BackoffMaxIntervalInSec: 600}
		}), nil},

		{"empty name", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Name = "" }, []string{"name"}},
		{"bad name", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Name = "a b" }, []string{"name"}},
		{"missing topic", domain.ContentTypeJSON, func(s *domain.Subscription) { s.TopicName = "" }, []string{"topicName"}},
		{"missing description", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Description = nil }, []string{"description"}},
		{"missing owner", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Owner = nil }, []string{"owner"}},
		{"missing endpoint", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "" }, []string{"endpoint"}},
		{"ftp endpoint", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "ftp://host/x" }, []string{"protocol ftp"}},
		{"no scheme", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "host:8080/x" }, []string{"endpoint"}},
		{"no host", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "http:///x" }, []string{"endpoint"}},
		{"underscore host", domain.ContentTypeJSON, func(s *domain.Subscription) { s.Endpoint = "http://my_host:80/x" }, []string{"Underscore"}},
		{"batch broadcast", domain.ContentTypeJSON, func(s *domain.Subscription) {
			batch(func(*domain.BatchSubscriptionPolicy) {})(s)
			s.Mode = domain.ModeBroadcast
		}, []string{"BROADCAST"}},
		{"batch avro", domain.ContentTypeAvro, func(s *domain.Subscription) {
			batch(func(*domain.BatchSubscriptionPolicy) {})(s)
			s.ContentType = domain.ContentTypeAvro
		}, []string{"BATCH"}},
		{"jsonpath on avro topic", domain.ContentTypeAvro, func(s *domain.Subscription) {
			s.Filters = []domain.MessageFilter{{Type: "jsonpath", Path: "$.a", Matcher: "x"}}
		}, []string{"jsonpath"}},
		{"avropath on json topic", domain.ContentTypeJSON, func(s *domain.Subscription) {
			s.Filters = []domain.MessageFilter{{Type: "avropath", Path: ".a", Matcher: "x"}}
		}, []string{"avropath"}},
		{"bad matcher", domain.ContentTypeJSON, func(s *domain.Subscription) {
			s.Filters = []domain.MessageFilter{{Type: "jsonpath", Path: "$.a", Matcher: "("}}
		}, []string{"matcher"}},
		{"bad strategy", domain.ContentTypeJSON, func(s *domain.Subscription) {
			s.Filters = []domain.MessageFilter{{Type: "header", Header: "h", Matcher: "x", MatchingStrategy: "some"}}
		}, []string{"matchingStrategy"}},

		{"rate 0", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.Rate = 0 }), []string{"rate"}},
		{"ttl over", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.MessageTTL = 7201 }), []string{"messageTtl"}},
		{"ttl negative", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.MessageTTL = -1 }), []string{"messageTtl"}},
		{"backoff negative", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.MessageBackoff = -1 }), []string{"messageBackoff"}},
		{"request timeout low", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.RequestTimeout = 99 }), []string{"requestTimeout"}},
		{"request timeout high", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.RequestTimeout = 300001 }), []string{"requestTimeout"}},
		{"socket timeout high", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.SocketTimeout = 300001 }), []string{"socketTimeout"}},
		{"socket timeout negative", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.SocketTimeout = -1 }), []string{"socketTimeout"}},
		{"sending delay", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.SendingDelay = 5001 }), []string{"sendingDelay"}},
		{"multiplier low", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.BackoffMultiplier = 0.5 }), []string{"backoffMultiplier"}},
		{"multiplier high", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.BackoffMultiplier = 10.5 }), []string{"backoffMultiplier"}},
		{"max interval 0", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.BackoffMaxIntervalInSec = 0 }), []string{"backoffMaxIntervalInSec"}},
		{"max interval high", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.BackoffMaxIntervalInSec = 601 }), []string{"backoffMaxIntervalInSec"}},
		{"inflight 0", domain.ContentTypeJSON, serial(func(p *domain.SubscriptionPolicy) { p.InflightSize = &zero }), []string{"inflightSize"}},
		{"batch size 0", domain.ContentTypeJSON, batch(func(p *domain.BatchSubscriptionPolicy) { p.BatchSize = 0 }), []string{"batchSize"}},
		{"batch time 0", domain.ContentTypeJSON, batch(func(p *domain.BatchSubscriptionPolicy) { p.BatchTime = 0 }), []string{"batchTime"}},
		{"batch volume 0", domain.ContentTypeJSON, batch(func(p *domain.BatchSubscriptionPolicy) { p.BatchVolume = 0 }), []string{"batchVolume"}},
		{"batch timeout 0", domain.ContentTypeJSON, batch(func(p *domain.BatchSubscriptionPolicy) { p.RequestTimeout = 0 }), []string{"requestTimeout"}},
		{"batch ttl negative", domain.ContentTypeJSON, batch(func(p *domain.BatchSubscriptionPolicy) { p.MessageTTL = -1 }), []string{"messageTtl"}},
		{"several at once", domain.ContentTypeJSON, func(s *domain.Subscription) {
			s.Owner, s.Description, s.Serial.Rate = nil, nil, 0
		}, []string{"owner", "description", "rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			topic := validTopic()
			topic.ContentType = tt.topic
			s := validSubscription()
			tt.mutate(&s)
			assertViolations(t, s.Validate(topic, domain.SubscriptionRules{}), tt.want)
		})
	}
}

func TestSubscriptionValidateConfiguredProtocols(t *testing.T) {
	t.Parallel()
	s := validSubscription()
	s.Endpoint = "jms://host/q"
	rules := domain.SubscriptionRules{EndpointProtocols: []string{"http", "https"}}
	assert.ErrorIs(t, s.Validate(validTopic(), rules), domain.ErrValidation)
	s.Endpoint = "https://host/q"
	assert.NoError(t, s.Validate(validTopic(), rules))
}

func TestSubscriptionValidateMasksCredentials(t *testing.T) {
	t.Parallel()
	s := validSubscription()
	s.Endpoint = "http://u:s3cret@my_host/x"
	err := s.Validate(validTopic(), domain.SubscriptionRules{})
	require.ErrorIs(t, err, domain.ErrValidation)
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestEndpointCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint, user, pass, stripped, masked string
		ok                                     bool
	}{
		{"http://host/x", "", "", "http://host/x", "http://host/x", false},
		{"http://user:pass@host/", "user", "pass", "http://host/", "http://user:*****@host/", true},
		{"https://a.b~c_d-e:p:w@host:8443/x?q=1", "a.b~c_d-e", "p:w", "https://host:8443/x?q=1", "https://a.b~c_d-e:*****@host:8443/x?q=1", true},
		{"http://:pass@host", "", "pass", "http://host", "http://:*****@host", true},
		{"http://user:@host", "user", "", "http://host", "http://user:*****@host", true},
		{"not a url", "", "", "not a url", "not a url", false},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			t.Parallel()
			user, pass, ok := domain.EndpointCredentials(tt.endpoint)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.user, user)
			assert.Equal(t, tt.pass, pass)
			assert.Equal(t, tt.stripped, domain.StripCredentials(tt.endpoint))
			assert.Equal(t, tt.masked, domain.MaskEndpoint(tt.endpoint))
		})
	}
}

func TestSubscriptionMasked(t *testing.T) {
	t.Parallel()
	s := validSubscription()
	s.Endpoint = "http://user:pass@host/"
	s.OAuthPolicy = &domain.OAuthPolicy{GrantType: "password", ProviderName: "p", Username: "u", Password: "pw"}

	m := s.Masked()

	assert.Equal(t, "http://user:*****@host/", m.Endpoint)
	assert.Equal(t, "******", m.OAuthPolicy.Password)
	assert.Equal(t, "u", m.OAuthPolicy.Username)
	assert.Equal(t, "pw", s.OAuthPolicy.Password, "the original is not changed")
	assert.Equal(t, "http://user:pass@host/", s.Endpoint)

	s.OAuthPolicy = &domain.OAuthPolicy{GrantType: "clientCredentials", ProviderName: "p", Password: "pw"}
	assert.Equal(t, "pw", s.Masked().OAuthPolicy.Password, "only the password grant is masked")
	s.OAuthPolicy = nil
	assert.Nil(t, s.Masked().OAuthPolicy)
}
